// tendd's job queue and cron, composed from the config: the file store or PostgreSQL.
#include "cmd/tendd/daemon_queue.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "queue/daemon/job_service.hpp"
#include "queue/pg/pg_queue.hpp"
#include "supervisor/util/duration.hpp"

namespace tend {

namespace {

// [daemon] host_name, else the machine's host name.
std::string pg_host_name(const QueueStoreConfig& store) {
    if (store.host_name) return *store.host_name;
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
    return name;
}

}  // namespace

std::vector<jobs::QueueSettings> queue_settings(const QueueSections& q) {
    return queue_settings_for_cpus(q.queues,
                                   static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN))));
}

// With the PostgreSQL store a hung tendd cannot fence itself; systemd's watchdog kills it, and
// only then do its jobs die (tend-shim). That is safe only when the watchdog fires before
// another host may rescue the jobs (design postgres.md §5).
std::optional<std::string> watchdog_too_long(const QueueStoreConfig& store) {
    if (!store.postgres()) return std::nullopt;
    const char* usec = std::getenv("WATCHDOG_USEC");
    const char* pid = std::getenv("WATCHDOG_PID");
    if (!usec || (pid && std::to_string(getpid()) != pid)) return std::nullopt;
    char* end = nullptr;
    const unsigned long long w = std::strtoull(usec, &end, 10);
    if (!end || *end != '\0' || w == 0) return std::nullopt;
    const Usec watchdog(static_cast<std::int64_t>(w));
    if (watchdog + store.renew + std::chrono::seconds(1) < store.lease + store.rescue_grace)
        return std::nullopt;
    return "the systemd watchdog (WatchdogSec=" + format_duration(watchdog) +
           ") is too long for the host lease: WatchdogSec + queue_renew (" +
           format_duration(store.renew) + ") + 1s must be shorter than queue_lease (" +
           format_duration(store.lease) + ") + queue_rescue_grace (" +
           format_duration(store.rescue_grace) +
           "), or a hung tendd's jobs may run twice; shorten WatchdogSec or lengthen the lease";
}

Result<std::unique_ptr<jobs::JobQueue>> open_job_queue(const QueueEnv& env) {
    const LoadedConfig& lc = *env.config;
    const Paths& paths = *env.paths;
    jobs::JobServiceOptions jo;
    jo.budget = env.budget;
    jo.loop = env.loop;
    jo.reaper = env.reaper;
    jo.state_dir = paths.state_dir;
    jo.spool_dir = paths.spool;
    jo.spool_policy.owner = geteuid();
    // A system instance's socket_group members spool while tendd is down (1730); a user
    // instance's spool is private.
    if (geteuid() == 0) jo.spool_policy.group = lc.socket_gid;
    jo.socket = paths.socket;
    jo.may_submit = env.may_submit;
    jo.queues = queue_settings(*env.queue);
    jo.max_running = lc.config.daemon.max_running_jobs;
    jo.nofile_soft = env.nofile_soft;
    jo.info = [](const std::string& m) { spdlog::info("{}", m); };
    jo.warn = [](const std::string& m) { spdlog::warn("{}", m); };
    if (!lc.config.daemon.store.postgres()) {
        auto job_service = jobs::JobService::open(std::move(jo));
        if (!job_service) return make_error(job_service.error());
        return std::unique_ptr<jobs::JobQueue>(std::move(*job_service));
    }
    // The queue on PostgreSQL (tendd(8) MULTI-HOST).
    pg::PgQueueOptions po;
    po.loop = env.loop;
    po.reaper = env.reaper;
    po.state_dir = paths.state_dir;
    po.socket = paths.socket;
    po.store = lc.config.daemon.store;
    po.host_name = pg_host_name(lc.config.daemon.store);
    po.version = env.version;
    po.queues = jo.queues;
    po.max_running = jo.max_running;
    po.nofile_soft = env.nofile_soft;
    if (const auto& c = lc.direct_submit_credentials)
        po.direct_user = pg::RunAs{c->uid, c->gid, {c->groups.begin(), c->groups.end()}};
    po.budget = env.budget;
    po.info = jo.info;
    po.warn = jo.warn;
    po.error = [](const std::string& m) { spdlog::error("{}", m); };
    po.on_cron_loaded = env.on_cron_loaded;
    auto pq = pg::PgQueue::open(std::move(po));
    if (!pq) return make_error(pq.error());
    return std::unique_ptr<jobs::JobQueue>(std::move(*pq));
}

jobs::CronServiceOptions cron_options(sd_event* loop, jobs::JobQueue* jobs,
                                      const QueueSections& queue, const std::string& config_file,
                                      std::vector<std::string> base_env) {
    jobs::CronServiceOptions co;
    co.loop = loop;
    co.jobs = jobs;
    co.config = queue.crons;
    co.config_file = config_file;
    co.base_env = std::move(base_env);
    co.uid = getuid();
    co.gid = getgid();
    if (int n = getgroups(0, nullptr); n > 0) {
        std::vector<gid_t> groups(static_cast<std::size_t>(n));
        n = getgroups(n, groups.data());
        for (int i = 0; i < n; ++i) co.groups.push_back(groups[static_cast<std::size_t>(i)]);
    }
    co.info = [](const std::string& m) { spdlog::info("{}", m); };
    co.warn = [](const std::string& m) { spdlog::warn("{}", m); };
    return co;
}

}  // namespace tend
