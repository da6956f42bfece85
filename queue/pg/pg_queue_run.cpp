// PgQueue's runs: claiming what the free slots of this host can run, the job processes (under
// tend-shim, as the job's user, with the file store's environment and output), and their ends
// judged by the file store's rules and finished under the fence.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "queue/core/job_render.hpp"
#include "queue/pg/pg_model_exit.hpp"
#include "queue/pg/pg_queue.hpp"
#include "supervisor/core/environment.hpp"
#include "supervisor/daemon/event_loop.hpp"
#include "supervisor/daemon/safe_dir.hpp"
#include "supervisor/util/signals.hpp"

namespace tend::pg {

namespace {
constexpr std::size_t kTailBytes = 64 * 1024;        // run.output_tail (design §12)
constexpr std::size_t kCheckpointMax = 1024 * 1024;  // the column's CHECK
constexpr std::size_t kEnvCache = 1024;              // environments kept by id

// The last `max` bytes of a file tendd wrote (nullopt when it cannot be read).
std::optional<std::string> read_tail(const std::string& path, std::size_t max) {
    auto fd = open_regular(path, O_RDONLY);
    if (!fd) return std::nullopt;
    struct stat st {};
    if (fstat(fd->get(), &st) != 0) return std::nullopt;
    const auto size = static_cast<std::size_t>(std::max<off_t>(0, st.st_size));
    const std::size_t n = std::min(size, max);
    std::string out(n, '\0');
    std::size_t got = 0;
    while (got < n) {
        const ssize_t r = pread(fd->get(), out.data() + got, n - got, off_t(size - n + got));
        if (r <= 0) break;
        got += static_cast<std::size_t>(r);
    }
    out.resize(got);
    return out;
}

std::string exit_text(const jobs::ExitStatus& x) {
    if (x.signal) return "killed by signal " + signal_name(x.signal);
    return "exited with code " + std::to_string(x.code);
}

double random01() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0, 1)(rng);
}
}  // namespace

FinishArgs PgQueue::interrupted(std::int64_t id, std::int64_t lease, std::string reason,
                                const std::string& host) {
    FinishArgs a;
    a.id = id;
    a.lease = lease;
    a.state = jobs::JobState::pending;
    a.reason = std::move(reason);
    a.host = host;
    a.outcome = "interrupted";
    return a;
}

void PgQueue::claim_all() {
    for (auto& q : queues_) claim(q);
}

void PgQueue::claim(QueueState& q) {
    if (schema_ != Schema::ready || stopping_ || !live_ || !host_->may_claim() || q.claiming ||
        !q.s.configured)
        return;
    int free = q.s.concurrency - q.running;
    if (opt_.max_running > 0)
        free = std::min(free, opt_.max_running - static_cast<int>(runs_.size()));
    if (free <= 0) return;
    q.claiming = true;
    ++claims_in_flight_;
    std::weak_ptr<PgQueue*> alive = self_;
    const std::int64_t host = host_id_;
    const std::uint64_t sent_us = ev::now(opt_.loop, CLOCK_MONOTONIC);
    store_->claim(
        q.s.name, host, free, q.s.global_concurrency > 0,
        [this, alive, host, free, sent_us, name = q.s.name](StoreReply<std::vector<ClaimedJob>> r) {
            if (alive.expired()) return;
            --claims_in_flight_;
            if (r.outcome == Outcome::ok || r.outcome == Outcome::error)
                claim_seconds_.observe(double(ev::now(opt_.loop, CLOCK_MONOTONIC) - sent_us) / 1e6);
            QueueState* q = find_queue(name);
            if (q) q->claiming = false;
            if (!r.ok()) {
                // An ambiguous claim may have taken jobs: poll_running finds them (rule 5).
                if (r.outcome == Outcome::ambiguous)
                    opt_.warn("a claim on queue " + name + " may have taken jobs (" + r.message +
                              "); reconciling");
                return;
            }
            const bool full = static_cast<int>(r.value->size()) == free;
            for (auto& job : *r.value) {
                if (!live_ || host != host_id_) continue;  // fenced meanwhile: rescue has them
                if (stopping_) {
                    end_run(job.id, name,
                            interrupted(job.id, job.lease,
                                        "interrupted: tendd shut down before it started",
                                        opt_.host_name));
                    continue;
                }
                start_run(std::move(job), name);
            }
            if (full && q) claim(*q);
        });
}

void PgQueue::start_run(ClaimedJob job, const std::string& queue) {
    const std::int64_t id = job.id;
    const std::optional<std::int64_t> env_id = job.env_id;
    Run run;
    run.job = std::move(job);
    run.queue = queue;
    run.started = now();
    runs_[id] = std::move(run);
    if (QueueState* q = find_queue(queue)) ++q->running;
    if (!env_id) return launch(id, {});
    if (auto it = envs_.find(*env_id); it != envs_.end()) return launch(id, it->second);
    std::weak_ptr<PgQueue*> alive = self_;
    const std::int64_t lease = runs_[id].job.lease;
    store_->env(*env_id, [this, alive, id, lease,
                          env_id](StoreReply<std::optional<std::vector<std::string>>> r) {
        if (alive.expired()) return;
        auto it = runs_.find(id);
        if (it == runs_.end() || it->second.job.lease != lease || it->second.proc) return;
        if (it->second.fenced) {
            if (QueueState* q = find_queue(it->second.queue)) --q->running;
            runs_.erase(it);
            return;
        }
        if (!r.ok() || !*r.value) {
            // Not started: back to pending without using an attempt (the environment is
            // read again by whichever host claims it next).
            const std::string queue = it->second.queue;
            FinishArgs a = interrupted(id, lease,
                                       "interrupted: its environment could not be read (" +
                                           (r.ok() ? std::string("no such row") : r.message) + ")",
                                       opt_.host_name);
            if (QueueState* q = find_queue(queue)) --q->running;
            runs_.erase(it);
            return end_run(id, queue, std::move(a));
        }
        if (envs_.size() >= kEnvCache) envs_.clear();
        envs_[*env_id] = **r.value;
        launch(id, **r.value);
    });
}

void PgQueue::launch(std::int64_t id, const std::vector<std::string>& vars) {
    Run& run = runs_.at(id);
    const ClaimedJob& job = run.job;
    jobs::QueueSettings qs;
    if (const QueueState* q = find_queue(run.queue)) qs = q->s;
    const std::string ids = std::to_string(id);
    const std::string output = jobs::job_output_path(opt_.state_dir, static_cast<jobs::JobId>(id));
    // final: no retry, as another attempt would be refused the same way.
    auto fail = [&](const std::string& why, bool final = false) {
        jobs::append_job_note(
            output, "attempt " + std::to_string(job.attempt) + " could not start: " + why);
        RunEnd e;
        e.exit = jobs::ExitStatus{127, 0};
        e.reason = "cannot start: " + why;
        e.stopping = stopping_;
        e.attempt = final ? 1 : job.attempt;  // final: failed, not retried nor dead
        e.max_attempts = final ? 1 : job.max_attempts;
        const RunVerdict v = judge_run(e, qs, now(), random01());
        FinishArgs a;
        a.id = id;
        a.lease = job.lease;
        a.state = v.state;
        a.exit_code = 127;
        a.run_at_us = v.run_at_us;
        a.reason = v.reason;
        a.host = opt_.host_name;
        a.outcome = v.outcome;
        const std::string queue = run.queue;
        if (QueueState* q = find_queue(queue)) --q->running;
        runs_.erase(id);
        end_run(id, queue, std::move(a));
    };
    // A job without a uid (a direct submit) never runs as root (design §11).
    const RunIdentity who =
        run_identity(geteuid() == 0, job.uid, job.gid, job.groups, opt_.direct_user);
    if (!who.refused.empty()) {
        opt_.warn("job " + ids + " cannot start: " + who.refused);
        return fail(who.refused, true);
    }
    const bool as_user = who.as.has_value();
    jobs::JobLaunch l;
    if (job.shell)
        l.spawn.argv = {"/bin/sh", "-c", job.argv.empty() ? "" : job.argv[0]};
    else
        l.spawn.argv = job.argv;
    // The checkpoint travels with the job (design §12): down with the claim into a local file,
    // up with the finish.
    std::string checkpoint = opt_.state_dir + "/jobs/checkpoints/" + ids;
    auto cp = open_regular(checkpoint, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (!cp) return fail("cannot prepare its checkpoint file: " + cp.error());
    if (job.checkpoint) {
        const std::string& b = *job.checkpoint;
        if (::write(cp->get(), b.data(), b.size()) != static_cast<ssize_t>(b.size()))
            return fail("cannot write its checkpoint file " + checkpoint + ": " +
                        std::strerror(errno));
    }
    UniqueFd checkpoint_fd;
    if (as_user) {
        // As the file store: the job's user reaches its checkpoint only through fd 3.
        if (fchown(cp->get(), static_cast<uid_t>(who.as->uid), static_cast<gid_t>(who.as->gid)) !=
            0)
            return fail("cannot prepare its checkpoint file " + checkpoint + ": " +
                        std::strerror(errno));
        checkpoint_fd = std::move(*cp);
        l.spawn.fd3 = checkpoint_fd.get();
        checkpoint = "/proc/self/fd/3";
    }
    l.spawn.env = merge_environment(vars, {{"TEND_JOB_ID", ids},
                                           {"TEND_ATTEMPT", std::to_string(job.attempt)},
                                           {"TEND_QUEUE", run.queue},
                                           {"TEND_CHECKPOINT", checkpoint},
                                           {"TEND_HOST", opt_.host_name},
                                           {"TEND_LEASE", std::to_string(job.lease)}});
    if (!job.cwd.empty()) l.spawn.cwd = job.cwd;
    if (as_user)
        l.spawn.credentials =
            Credentials{static_cast<uid_t>(who.as->uid), static_cast<gid_t>(who.as->gid),
                        std::vector<gid_t>(who.as->groups.begin(), who.as->groups.end())};
    l.spawn.nofile_soft = opt_.nofile_soft;
    l.output_path = output;
    l.output_cap = qs.output_max;
    l.timeout = job.timeout_us < 0 ? qs.timeout : Usec(job.timeout_us);
    l.stop_timeout = qs.stop_timeout;
    l.shim = shim_;
    l.shim_fd = shim_fd_.get();
    std::weak_ptr<PgQueue*> alive = self_;
    auto proc = jobs::JobProcess::start(
        opt_.loop, *opt_.reaper, std::move(l),
        [this, alive, id](jobs::ExitStatus x, const std::string& reason, bool timed_out) {
            if (!alive.expired()) on_exit(id, x, reason, timed_out);
        });
    if (!proc) return fail(proc.error());
    (*proc)->note("attempt " + std::to_string(job.attempt) + " of " +
                  std::to_string(job.max_attempts) + " started on host " + opt_.host_name +
                  " (pid " + std::to_string((*proc)->pid()) + ")");
    const int pid = (*proc)->pid();
    run.proc = std::move(*proc);
    if (run.cancel) run.proc->terminate(qs.stop_timeout);
    note_pid(id, job.lease, pid);
}

void PgQueue::on_exit(std::int64_t id, jobs::ExitStatus x, const std::string& reason,
                      bool timed_out) {
    auto it = runs_.find(id);
    if (it == runs_.end()) return;
    Run run = std::move(it->second);
    runs_.erase(it);
    QueueState* q = find_queue(run.queue);
    if (q) --q->running;
    std::unique_ptr<jobs::JobProcess> proc = std::move(run.proc);
    if (run.fenced) {
        proc->note("attempt " + std::to_string(run.job.attempt) + " " + exit_text(x) +
                   " (killed: this host lost its lease; the job runs again where it is claimed)");
        maybe_stopped();
        return;
    }
    jobs::QueueSettings qs;
    if (q) qs = q->s;
    RunEnd e;
    e.exit = x;
    e.reason = reason;
    e.timed_out = timed_out;
    e.cancel_requested = run.cancel;
    e.stopping = stopping_;
    e.attempt = run.job.attempt;
    e.max_attempts = run.job.max_attempts;
    const jobs::WallUs t = now();
    const RunVerdict v = judge_run(e, qs, t, random01());
    counters_.run_ended(run.queue, v.counted,
                        double(std::max<jobs::WallUs>(0, t - run.started)) / 1e6);
    std::string text = "attempt " + std::to_string(run.job.attempt) + " " + exit_text(x);
    if (!reason.empty()) text += " (" + reason + ")";
    text += ": now " + std::string(jobs::to_string(v.state));
    if (v.run_at_us)
        text += ", retry in " +
                format_duration(Usec(std::max<std::int64_t>(0, *v.run_at_us - t) / 1000 * 1000));
    proc->note(text);
    FinishArgs a;
    a.id = id;
    a.lease = run.job.lease;
    a.state = v.state;
    if (x.signal)
        a.exit_signal = x.signal;
    else
        a.exit_code = x.code;
    a.run_at_us = v.run_at_us;
    a.reason = v.reason;
    a.host = opt_.host_name;
    a.outcome = v.outcome;
    const std::string ids = std::to_string(id);
    if (auto cp = read_tail(opt_.state_dir + "/jobs/checkpoints/" + ids, kCheckpointMax + 1)) {
        if (cp->size() <= kCheckpointMax && (!cp->empty() || run.job.checkpoint) &&
            cp != run.job.checkpoint)
            a.checkpoint = std::move(*cp);
    }
    unlink((opt_.state_dir + "/jobs/checkpoints/" + ids).c_str());
    proc.reset();  // closes the output file before its tail is read
    a.output_tail =
        read_tail(jobs::job_output_path(opt_.state_dir, static_cast<jobs::JobId>(id)), kTailBytes);
    end_run(id, run.queue, std::move(a));
    // Pipelined after the finish, so it sees the slot freed; under a global limit a host at
    // its share waits (fairness, pg_queue_wake.cpp).
    if (q) wake(run.queue, true);
    maybe_stopped();  // the last run of a stop: the stop's deadline for unacknowledged finishes
}

}  // namespace tend::pg
