// Rendering /metrics: programs and instances, queues and jobs, cron, the store, the event loop,
// the control socket, HTTP and the process (Prometheus text format 0.0.4).
#include "cmd/tendd/metrics_render.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>
#include <array>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "cmd/tendd/http_routes.hpp"
#include "cmd/tendd/methods.hpp"
#include "queue/daemon/cron_service.hpp"
#include "queue/daemon/job_queue.hpp"
#include "supervisor/daemon/supervisor.hpp"

namespace tend {
namespace {

using prom::Type;
using prom::Writer;

constexpr InstanceState kStates[] = {InstanceState::starting, InstanceState::running,
                                     InstanceState::backoff,  InstanceState::cooldown,
                                     InstanceState::stopping, InstanceState::stopped,
                                     InstanceState::exited};

void program_families(Writer& w, const MetricsSources& s) {
    const auto& progs = s.supervisor->programs();
    w.family("tend_program_instances", Type::gauge, "Instances of a program by state.");
    for (const auto& [name, p] : progs) {
        std::array<int, 7> by{};
        for (const auto& r : p.instances) ++by[static_cast<std::size_t>(r->machine().state())];
        for (InstanceState st : kStates)
            w.sample({{"program", name}, {"state", to_string(st)}},
                     by[static_cast<std::size_t>(st)]);
    }
    // One series per instance number: during a rolling restart a slot may hold an old and a
    // new instance; the newest (last) one is shown.
    std::vector<std::pair<std::string, const InstanceRunner*>> shown;
    for (const auto& [name, p] : progs) {
        std::map<int, const InstanceRunner*> newest;
        for (const auto& r : p.instances) newest[r->number()] = r.get();
        for (const auto& [n, r] : newest) shown.emplace_back(name, r);
    }
    auto labels = [](const std::string& prog, const InstanceRunner* r) {
        return prom::Labels{{"program", prog}, {"instance", std::to_string(r->number())}};
    };
    w.family("tend_program_instance_up", Type::gauge, "1 when the instance has a running process.");
    for (const auto& [n, r] : shown) w.sample(labels(n, r), r->machine().has_process() ? 1 : 0);
    w.family("tend_program_instance_ready", Type::gauge, "1 when the instance is ready.");
    for (const auto& [n, r] : shown) w.sample(labels(n, r), r->machine().ready() ? 1 : 0);
    w.family("tend_program_instance_start_time_seconds", Type::gauge,
             "Start time of the instance's current process, in seconds since the epoch.");
    for (const auto& [n, r] : shown) {
        if (!r->machine().has_process()) continue;
        const std::int64_t age = s.mono_now_us - r->machine().started_at().count();
        w.sample(labels(n, r), double((s.wall_now_us - age) / 1000) / 1000.0);
    }
    w.family("tend_program_instance_generation", Type::gauge, "Generation the instance runs.");
    for (const auto& [n, r] : shown) w.sample(labels(n, r), r->generation());
    w.family("tend_program_generation", Type::gauge, "Newest generation of a program.");
    for (const auto& [name, p] : progs) w.sample({{"program", name}}, p.runtime->generation);
    w.family("tend_rollout_in_progress", Type::gauge,
             "1 while a rolling restart of the program runs or is paused.");
    for (const auto& [name, p] : progs) w.sample({{"program", name}}, p.rollout ? 1 : 0);

    const auto& counts = s.supervisor->counters().counts();
    std::set<std::string> names;  // configured programs, and removed ones that have counts
    for (const auto& [name, p] : progs) names.insert(name);
    for (const auto& [name, c] : counts) names.insert(name);
    w.family("tend_program_restarts_total", Type::counter,
             "Restarts of a program's instances by reason.");
    for (const auto& name : names) {
        auto it = counts.find(name);
        for (std::size_t i = 0; i < 4; ++i)
            w.sample({{"program", name}, {"reason", kRestartReasons[i]}},
                     it == counts.end() ? 0.0 : double(it->second.restarts[i]));
    }
    w.family("tend_program_exits_total", Type::counter, "Process exits by how they ended.");
    for (const auto& name : names) {
        auto it = counts.find(name);
        for (std::size_t i = 0; i < 4; ++i)
            w.sample({{"program", name}, {"how", kExitHows[i]}},
                     it == counts.end() ? 0.0 : double(it->second.exits[i]));
    }
}

void queues(Writer& w, const MetricsSources& s) {
    // The queues `tend queues` lists: configured ones, and others while they hold jobs.
    using Q = jobs::QueueFigures;
    const std::vector<Q> qs = s.jobs->queue_figures();
    auto q = [](const Q& x) { return prom::Labels{{"queue", x.settings.name}}; };
    w.family("tend_queue_jobs", Type::gauge,
             "Jobs in a queue by state (scheduled, blocked, pending: runnable, running, "
             "dead: kept until pruned).");
    for (const Q& x : qs) {
        const std::string& n = x.settings.name;
        w.sample({{"queue", n}, {"state", "scheduled"}}, double(x.stats.scheduled));
        w.sample({{"queue", n}, {"state", "blocked"}}, double(x.stats.blocked));
        w.sample({{"queue", n}, {"state", "pending"}}, double(x.stats.runnable));
        w.sample({{"queue", n}, {"state", "running"}}, x.stats.running);
        w.sample({{"queue", n}, {"state", "dead"}}, double(x.stats.dead));
    }
    w.family("tend_queue_concurrency", Type::gauge, "Concurrency limit of the queue on this host.");
    for (const Q& x : qs) w.sample(q(x), x.settings.concurrency);
    w.family("tend_queue_max_pending", Type::gauge, "Back-pressure limit of the queue.");
    for (const Q& x : qs) w.sample(q(x), double(x.settings.max_pending));
    w.family("tend_queue_paused", Type::gauge, "1 when dispatch from the queue is paused.");
    for (const Q& x : qs) w.sample(q(x), x.stats.paused ? 1 : 0);
    w.family("tend_queue_oldest_pending_age_seconds", Type::gauge,
             "Age of the oldest waiting job of the queue (as tend queues shows it); 0 when none.");
    const jobs::WallUs now = s.jobs->now();
    for (const Q& x : qs)
        w.sample(q(x),
                 x.stats.oldest_pending_submitted
                     ? std::max<double>(0, double(now - *x.stats.oldest_pending_submitted) / 1e6)
                     : 0.0);
    w.family("tend_jobs_running", Type::gauge, "Jobs running on this host.");
    for (const Q& x : qs) w.sample(q(x), x.stats.running);
    w.family("tend_jobs_finished_total", Type::counter,
             "Jobs that reached a final state since tendd started.");
    for (const Q& x : qs)
        for (jobs::JobState st : {jobs::JobState::succeeded, jobs::JobState::failed,
                                  jobs::JobState::dead, jobs::JobState::cancelled})
            w.sample({{"queue", x.settings.name}, {"state", jobs::to_string(st)}},
                     double(x.stats.finished_by_state[static_cast<std::size_t>(st)]));

    // Counters: every queue listed above, and any other that has counts.
    const auto& counters = s.jobs->counters().queues();
    std::set<std::string> names;
    for (const Q& x : qs) names.insert(x.settings.name);
    for (const auto& [n, c] : counters) names.insert(n);
    static const jobs::QueueCounters zero;
    auto of = [&](const std::string& n) -> const jobs::QueueCounters& {
        auto it = counters.find(n);
        return it == counters.end() ? zero : it->second;
    };
    w.family("tend_jobs_submitted_total", Type::counter, "Jobs accepted by submit, by source.");
    for (const auto& n : names)
        for (std::size_t i = 0; i < 3; ++i)
            w.sample({{"queue", n}, {"source", jobs::kSubmitSources[i]}},
                     double(of(n).submitted[i]));
    w.family("tend_jobs_deduplicated_total", Type::counter,
             "Submits answered with an existing job of the same key.");
    for (const auto& n : names) w.sample({{"queue", n}}, double(of(n).deduplicated));
    w.family("tend_jobs_refused_total", Type::counter, "Submits refused, by reason.");
    for (const auto& n : names)
        for (std::size_t i = 0; i < 3; ++i)
            w.sample({{"queue", n}, {"reason", jobs::kRefuseReasons[i]}}, double(of(n).refused[i]));
    w.family("tend_job_runs_total", Type::counter, "Job runs (processes) ended, by outcome.");
    for (const auto& n : names)
        for (std::size_t i = 0; i < 6; ++i)
            w.sample({{"queue", n}, {"outcome", jobs::kRunOutcomes[i]}}, double(of(n).runs[i]));
    w.family("tend_job_wait_seconds", Type::histogram,
             "Time from becoming due (submit, or its --at/--in/retry time) to starting.");
    for (const auto& n : names) w.histogram({{"queue", n}}, of(n).wait);
    w.family("tend_job_run_seconds", Type::histogram, "Run time of job runs.");
    for (const auto& n : names) w.histogram({{"queue", n}}, of(n).run);
}

void cron_entries(Writer& w, const MetricsSources& s) {
    const auto figures = s.cron->figures();
    w.family("tend_cron_last_fire_timestamp_seconds", Type::gauge,
             "Tick of the last fire of the entry, in seconds since the epoch.");
    for (const auto& f : figures)
        if (f.last_fire_s > 0) w.sample({{"cron", f.name}}, double(f.last_fire_s));
    w.family("tend_cron_next_fire_timestamp_seconds", Type::gauge,
             "Next tick of the entry, in seconds since the epoch.");
    for (const auto& f : figures)
        if (f.next_s > 0) w.sample({{"cron", f.name}}, double(f.next_s));
    std::set<std::string> names;
    for (const auto& f : figures) names.insert(f.name);
    for (const auto& [n, c] : s.cron->fires()) names.insert(n);
    w.family("tend_cron_fires_total", Type::counter, "Cron ticks by result.");
    for (const auto& n : names) {
        auto it = s.cron->fires().find(n);
        for (std::size_t i = 0; i < 5; ++i)
            w.sample({{"cron", n}, {"result", jobs::CronService::kFireResults[i]}},
                     it == s.cron->fires().end() ? 0.0 : double(it->second[i]));
    }
}

void store(Writer& w, const MetricsSources& s) {
    const auto f = s.jobs->store_figures();
    w.family("tend_store_commit_seconds", Type::histogram,
             "Duration of one group commit (write and fdatasync).");
    if (f.commit) w.histogram({}, *f.commit);
    w.family("tend_store_commit_errors_total", Type::counter,
             "Group commits that failed (ENOSPC, EIO).");
    w.sample({}, double(f.commit_errors));
    w.family("tend_store_log_bytes", Type::gauge, "Size of the job log file.");
    if (f.log_bytes) w.sample({}, double(*f.log_bytes));
    w.family("tend_spool_files", Type::gauge,
             "Spooled submits taken in from the spool and not yet stored.");
    w.sample({}, double(s.jobs->spool_files_in_flight()));
    // The PostgreSQL store's own (queue = "postgresql://..."); absent on the file store.
    if (f.claim) {
        w.family("tend_pg_claim_seconds", Type::histogram,
                 "Duration of one claim statement on PostgreSQL, from send to answer.");
        w.histogram({}, *f.claim);
    }
    // One unlabelled sample each, when the store has the figure.
    auto single = [&w](const char* name, Type type, const char* help, auto value) {
        if (!value) return;
        w.family(name, type, help);
        w.sample({}, double(*value));
    };
    single("tend_pg_lease_live", Type::gauge,
           "1 while this host holds its lease and may claim jobs, else 0.", f.lease_live);
    single("tend_pg_lease_remaining_seconds", Type::gauge,
           "Seconds until this host must kill its jobs unless a renew lands (0: no lease).",
           f.lease_remaining_s);
    single("tend_pg_fences_total", Type::counter,
           "Times this host killed its jobs because it could not prove its lease.", f.fences);
    single("tend_pg_listen_up", Type::gauge,
           "1 while LISTEN/NOTIFY's last self-test passed (wake-ups), 0 while the host polls.",
           f.listen_up);
}

void daemon(Writer& w, const MetricsSources& s) {
    w.family("tend_event_loop_lag_seconds", Type::histogram,
             "Lateness of a 100 ms loop timer, sampled while the loop has work: how long the "
             "event loop was busy.");
    if (s.loop_lag) w.histogram({}, *s.loop_lag);
    w.family("tend_control_connections", Type::gauge, "Open control-socket connections.");
    w.sample({}, double(s.control_connections));
    w.family("tend_control_requests_total", Type::counter,
             "Control requests by command and result.");
    if (s.control)
        for (const auto& [k, v] : s.control->control_requests)
            w.sample({{"command", k.first}, {"result", k.second}}, double(v));
    w.family("tend_http_connections", Type::gauge, "Open HTTP connections.");
    w.sample({}, double(s.http_connections));
    w.family("tend_http_requests_total", Type::counter, "HTTP requests by route and status code.");
    if (s.http)
        for (const auto& [k, v] : s.http->requests)
            w.sample({{"route", k.first}, {"code", std::to_string(k.second)}}, double(v));
}

void process(Writer& w, const MetricsSources& s) {
    double cpu = 0, rss = 0;
    if (FILE* f = std::fopen("/proc/self/stat", "re")) {
        char buf[1024];
        std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
        std::fclose(f);
        buf[n] = '\0';
        // Fields after the command (which may hold spaces): from the last ')'.
        if (const char* p = std::strrchr(buf, ')')) {
            unsigned long utime = 0, stime = 0;
            long rss_pages = 0;
            if (std::sscanf(p + 2,
                            "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d "
                            "%*d %*d %*u %*u %ld",
                            &utime, &stime, &rss_pages) == 3) {
                cpu = double(utime + stime) / double(sysconf(_SC_CLK_TCK));
                rss = double(rss_pages) * double(sysconf(_SC_PAGESIZE));
            }
        }
    }
    std::size_t fds = 0;
    if (DIR* d = opendir("/proc/self/fd")) {
        while (readdir(d)) ++fds;
        closedir(d);
        fds = fds >= 3 ? fds - 3 : 0;  // ".", ".." and the directory's own fd
    }
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    w.family("process_cpu_seconds_total", Type::counter,
             "Total user and system CPU time spent in seconds.");
    w.sample({}, cpu);
    w.family("process_resident_memory_bytes", Type::gauge, "Resident memory size in bytes.");
    w.sample({}, rss);
    w.family("process_open_fds", Type::gauge, "Number of open file descriptors.");
    w.sample({}, double(fds));
    w.family("process_max_fds", Type::gauge, "Maximum number of open file descriptors.");
    w.sample({}, rl.rlim_cur == RLIM_INFINITY ? 0.0 : double(rl.rlim_cur));
    w.family("process_start_time_seconds", Type::gauge,
             "Start time of the process since unix epoch in seconds.");
    w.sample({}, s.process_start_time_s);
}

}  // namespace

std::string render_metrics(const MetricsSources& s) {
    Writer w;
    w.family("tend_build_info", Type::gauge,
             "Version of tendd and the queue store in use; always 1.");
    w.sample({{"version", s.version}, {"store", s.jobs ? s.jobs->store_kind() : "file"}}, 1);
    if (s.supervisor) program_families(w, s);
    if (s.jobs) {
        queues(w, s);
        store(w, s);
    }
    if (s.cron) cron_entries(w, s);
    daemon(w, s);
    process(w, s);
    return w.take();
}

}  // namespace tend
