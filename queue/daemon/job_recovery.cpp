// Recovery at start: replay the job log, then kill what survived of jobs that were running.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <cstring>
#include <map>

#include "queue/cron/cron_records.hpp"
#include "queue/daemon/job_runner.hpp"
#include "queue/daemon/job_service.hpp"
#include "queue/store/log_replay.hpp"
#include "supervisor/daemon/pidfd.hpp"

namespace tend::jobs {

namespace {
// How long start-up waits for killed survivors to be gone before re-queueing their jobs.
constexpr int kSurvivorWaitMs = 5000;

// The value of TEND_JOB_MARK in /proc/PID/environ, or empty.
std::string job_mark_of(pid_t pid) {
    std::string path = "/proc/" + std::to_string(pid) + "/environ";
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return {};
    std::string env;
    char buf[65536];
    ssize_t n;
    while (env.size() < (1u << 20) && (n = read(fd.get(), buf, sizeof buf)) > 0)
        env.append(buf, static_cast<size_t>(n));
    static const std::string key = "TEND_JOB_MARK=";
    for (size_t pos = 0; pos < env.size();) {
        size_t end = env.find('\0', pos);
        if (end == std::string::npos) end = env.size();
        if (env.compare(pos, key.size(), key) == 0)
            return env.substr(pos + key.size(), end - pos - key.size());
        pos = end + 1;
    }
    return {};
}
}  // namespace

// Rebuilds the table (as `tend` does offline: TableRestoreSink) and the cron book and the spool's
// taken tokens from what the store replays.
struct JobServiceAccess {
    struct Sink final : TableRestoreSink {
        JobService& s;
        explicit Sink(JobService& service) : TableRestoreSink(service.c_.sched), s(service) {}
        void job(const JobSpec& spec, SpecRef where) override {
            if (!spec.spool_token.empty()) s.spool_.stored_before(spec.spool_token);
            // A committed tick job is the durable proof that its tick fired.
            if (auto tick = cron::parse_tick_key(spec.key))
                s.c_.cron_book.apply_tick_job(tick->name, tick->tick_s, spec.id);
            TableRestoreSink::job(spec, where);
        }
        void cron_def(const cron::CronDefRecord& r) override { s.c_.cron_book.apply(r); }
        void cron_state(const cron::CronStateRecord& r) override { s.c_.cron_book.apply(r); }
    };
};

Status JobService::recover() {
    JobServiceAccess::Sink sink(*this);
    if (auto st = c_.store->recover(sink); !st) return st;
    c_.started_at = c_.now();
    sink.finish(c_.started_at,
                [this](const std::string& m) { c_.opt.warn(c_.store->describe() + ": " + m); });
    if (c_.sched.job_count() > 0)
        c_.opt.info(c_.store->describe() + ": " + std::to_string(c_.sched.job_count()) +
                    " job(s), " + std::to_string(c_.sched.live_count()) + " not finished");
    c_.store->recovered();
    return ok_status();
}

void JobRunner::settle_survivors() {
    const std::vector<JobId> running = c_.sched.running_jobs();
    if (running.empty()) return;
    std::map<std::string, JobId> marks;
    std::vector<UniqueFd> dying;
    auto kill_group = [&dying](pid_t pid) {
        if (int fd = pidfd_open_fd(pid); fd >= 0) dying.emplace_back(fd);
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    };
    for (JobId id : running) {
        const JobStatus& st = c_.sched.find(id)->status;
        marks[c_.opt.state_dir + ":" + std::to_string(id) + ":" + std::to_string(st.runs)] = id;
        // The recorded process, if it is still the same one (same start time), and its group.
        if (st.pid > 0 && st.pid_start != 0 && process_start_time(st.pid) == st.pid_start)
            kill_group(st.pid);
    }
    // Processes the record does not name (spawned just before the crash, or children that left
    // the group) still carry the job's mark in their environment.
    if (DIR* d = opendir("/proc")) {
        while (dirent* ent = readdir(d)) {
            char* end = nullptr;
            long pid = std::strtol(ent->d_name, &end, 10);
            if (*end != '\0' || pid <= 1 || pid == getpid()) continue;
            if (marks.count(job_mark_of(static_cast<pid_t>(pid))))
                kill_group(static_cast<pid_t>(pid));
        }
        closedir(d);
    }
    // A job must never run twice at the same time: wait until the old processes are gone.
    for (auto& fd : dying) {
        pollfd p{fd.get(), POLLIN, 0};
        poll(&p, 1, kSurvivorWaitMs);
    }
    if (!dying.empty())
        c_.opt.warn("killed " + std::to_string(dying.size()) +
                    " process(es) left over from jobs that were running when tendd stopped");
    for (JobId id : running) {
        c_.sched.interrupt(id, "interrupted: tendd stopped while it ran; re-queued");
        note(id, "interrupted: tendd stopped while it ran; re-queued without using an attempt");
    }
}

}  // namespace tend::jobs
