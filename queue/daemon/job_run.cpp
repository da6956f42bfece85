// Running jobs: spawning from the stored spec, exits, waiters, cancel, retry and pause.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "queue/daemon/job_service.hpp"
#include "supervisor/core/environment.hpp"
#include "supervisor/daemon/safe_dir.hpp"
#include "supervisor/util/signals.hpp"

namespace tend::jobs {

namespace {
using Kind = JobReply::Kind;

std::string exit_text(const ExitStatus& x) {
    if (x.signal) return "killed by signal " + signal_name(x.signal);
    return "exited with code " + std::to_string(x.code);
}
}  // namespace

void JobService::note(JobId id, const std::string& text) {
    if (auto it = processes_.find(id); it != processes_.end())
        it->second->note(text);
    else
        append_job_note(job_output_path(opt_.state_dir, id), text);
}

void JobService::spawn(JobId id) {
    const JobEntry* e = sched_.find(id);
    if (!e || e->status.state != JobState::running || processes_.count(id)) return;
    const WallUs t = now();
    if (stopping_) {
        sched_.interrupt(id, "interrupted: tendd shut down before it started");
        return pump();
    }
    if (e->status.cancel_requested) {
        sched_.finished(id, ExitStatus{0, SIGTERM}, t, random01(), "cancelled before it started");
        return pump();
    }
    auto fail = [&](const std::string& why) {
        note(id, "attempt " + std::to_string(e->status.attempt) + " could not start: " + why);
        sched_.finished(id, ExitStatus{127, 0}, t, random01(), "cannot start: " + why);
        pump();
    };
    auto spec = store_->read_spec(SpecRef{e->spec_offset, e->spec_length});
    if (!spec) return fail(spec.error());
    auto env = store_->read_env(spec->env_id);
    if (!env) return fail(env.error());
    std::vector<std::string> vars = std::move(env.value());
    const QueueSettings& q = sched_.queues()[e->queue];
    JobLaunch launch;
    if (spec->shell)
        launch.spawn.argv = {"/bin/sh", "-c", spec->argv.empty() ? "" : spec->argv[0]};
    else
        launch.spawn.argv = spec->argv;
    const std::string ids = std::to_string(id);
    std::string checkpoint = opt_.state_dir + "/jobs/checkpoints/" + ids;
    UniqueFd checkpoint_fd;
    if (geteuid() == 0 && spec->uid != 0) {
        // A job of another user cannot reach into the private state dir: it gets its checkpoint
        // file, owned by it, as fd 3 and reaches it through /proc/self/fd/3.
        // Never through a link planted at the name, and chowned on the fd (SPEC §2): the job's
        // user can reach this file only through the fd, and nothing else through it.
        auto opened = open_regular(checkpoint, O_RDWR | O_CREAT, 0600);
        if (!opened) return fail("cannot prepare its checkpoint file: " + opened.error());
        checkpoint_fd = std::move(opened.value());
        if (fchown(checkpoint_fd.get(), spec->uid, spec->gid) != 0)
            return fail("cannot prepare its checkpoint file " + checkpoint + ": " +
                        std::strerror(errno));
        launch.spawn.fd3 = checkpoint_fd.get();
        checkpoint = "/proc/self/fd/3";
    }
    launch.spawn.env = merge_environment(
        vars,
        {{"TEND_JOB_ID", ids},
         {"TEND_ATTEMPT", std::to_string(e->status.attempt)},
         {"TEND_QUEUE", q.name},
         {"TEND_CHECKPOINT", checkpoint},
         // Lets a later tendd find this job's processes after a crash (job_recovery.cpp).
         {"TEND_JOB_MARK", opt_.state_dir + ":" + ids + ":" + std::to_string(e->status.runs)}});
    if (!spec->cwd.empty()) launch.spawn.cwd = spec->cwd;
    if (geteuid() == 0 && spec->uid != 0) {
        Credentials c{spec->uid, spec->gid, {}};
        for (auto g : spec->groups) c.groups.push_back(g);
        launch.spawn.credentials = c;
    }
    launch.spawn.nofile_soft = opt_.nofile_soft;
    launch.output_path = job_output_path(opt_.state_dir, id);
    launch.output_cap = q.output_max;
    launch.timeout = e->timeout_us < 0 ? q.timeout : Usec(e->timeout_us);
    launch.stop_timeout = q.stop_timeout;
    auto proc =
        JobProcess::start(opt_.loop, *opt_.reaper, std::move(launch),
                          [this, id](ExitStatus x, const std::string& reason, bool timed_out) {
                              on_exit(id, x, reason, timed_out);
                          });
    if (!proc) return fail(proc.error());
    (*proc)->note("attempt " + std::to_string(e->status.attempt) + " of " +
                  std::to_string(e->status.max_attempts) + " started (pid " +
                  std::to_string((*proc)->pid()) + ")");
    sched_.set_process(id, (*proc)->pid(), (*proc)->start_time());
    processes_[id] = std::move(proc.value());
    flush_changes(false);
}

void JobService::on_exit(JobId id, ExitStatus x, const std::string& reason, bool timed_out) {
    auto it = processes_.find(id);
    if (it == processes_.end()) return;
    std::unique_ptr<JobProcess> proc = std::move(it->second);
    processes_.erase(it);
    const JobEntry* e = sched_.find(id);
    if (!e) return;
    const std::uint32_t attempt = e->status.attempt;
    const bool failure = timed_out || x.signal != 0 || (x.code != 0 && x.code != 75);
    if (stopping_ && failure && !timed_out && !e->status.cancel_requested) {
        // Stopped by the shutdown, not by its own fault: no attempt is used (SPEC §6.5).
        sched_.interrupt(id, "interrupted by the shutdown of tendd; re-queued");
    } else {
        sched_.finished(id, x, now(), random01(), reason, timed_out);
    }
    std::string text = "attempt " + std::to_string(attempt) + " " + exit_text(x);
    if (!reason.empty()) text += " (" + reason + ")";
    text += ": now ";
    text += to_string(e->status.state);
    if (e->status.state == JobState::scheduled)
        text += ", retry in " +
                format_duration(Usec(std::max<WallUs>(0, e->status.run_at - now()) / 1000 * 1000));
    proc->note(text);
    pump();
}

void JobService::answer_waiters() {
    // Replies may run user callbacks that add waiters; take the list first.
    std::vector<Waiter> keep;
    auto waiters = std::move(waiters_);
    waiters_.clear();
    for (auto& w : waiters) {
        bool done = true;
        for (JobId id : w.ids) {
            const JobEntry* e = sched_.find(id);
            if (e && !is_finished(e->status.state)) done = false;
        }
        if (!done) {
            keep.push_back(std::move(w));
            continue;
        }
        nlohmann::json arr = nlohmann::json::array();
        for (JobId id : w.ids) {
            JobReply one = show(id);
            arr.push_back(one.kind == Kind::ok ? one.data : nlohmann::json{{"id", id}});
        }
        w.reply(JobReply::ok(std::move(arr)));
    }
    for (auto& w : waiters_) keep.push_back(std::move(w));
    waiters_ = std::move(keep);
}

void JobService::wait(std::vector<JobId> ids, std::uint64_t client, JobReplier reply) {
    for (JobId id : ids)
        if (!sched_.find(id))
            return reply(JobReply::error(Kind::not_found, "no job " + std::to_string(id)));
    waiters_.push_back(Waiter{std::move(ids), client, std::move(reply)});
    // Answered once nothing about these jobs is still on its way to the disk.
    after_durable([this] { answer_waiters(); });
    flush_changes();
}

Result<bool> JobService::cancel_job(JobId id, const std::string& reason) {
    if (auto st = sched_.cancel(id, now(), reason); !st) return make_error(st.error());
    const JobEntry* e = sched_.find(id);
    const bool running = e && e->status.state == JobState::running;
    if (running && processes_.count(id)) {
        const Usec grace = sched_.queues()[e->queue].stop_timeout;
        // The cancel is on disk before the job hears of it.
        after_durable([this, id, grace] {
            if (auto it = processes_.find(id); it != processes_.end()) {
                it->second->note("cancelled: sending TERM");
                it->second->terminate(grace);
            }
        });
    } else if (!running) {
        note(id, reason);
    }
    return running;
}

void JobService::cancel(const std::vector<JobId>& ids, JobReplier reply) {
    nlohmann::json results = nlohmann::json::array();
    for (JobId id : ids) {
        auto running = cancel_job(id, "cancelled by user");
        if (!running) {
            results.push_back({{"id", id}, {"ok", false}, {"error", running.error()}});
            continue;
        }
        results.push_back({{"id", id},
                           {"ok", true},
                           {"state", *running ? "running" : "cancelled"},
                           {"signalled", *running}});
    }
    after_durable([reply, results] { reply(JobReply::ok({{"results", results}})); });
    pump();
}

void JobService::retry(const std::vector<JobId>& ids, JobReplier reply) {
    nlohmann::json results = nlohmann::json::array();
    for (JobId id : ids) {
        auto st = sched_.retry(id, now());
        if (!st) {
            results.push_back({{"id", id}, {"ok", false}, {"error", st.error()}});
            continue;
        }
        note(id, "retried by user");
        results.push_back(
            {{"id", id}, {"ok", true}, {"state", to_string(sched_.find(id)->status.state)}});
    }
    after_durable([reply, results] { reply(JobReply::ok({{"results", results}})); });
    pump();
}

// The new state takes effect once its record is on disk, and only then: on a full disk the
// record is dropped, the reply says why, and the queue stays as it was (SPEC §8).
void JobService::set_paused(const std::string& queue, bool paused, JobReplier reply) {
    auto q = sched_.queue_index(queue);
    if (!q) return reply(JobReply::error(Kind::not_found, "no queue named \"" + queue + "\""));
    store_->set_paused(queue, paused, [this, queue, paused, q, reply](Status st) {
        if (!st)
            return reply(JobReply::error(Kind::failed, std::string("cannot ") +
                                                           (paused ? "pause" : "resume") +
                                                           " queue " + queue + ": " + st.error()));
        // (The commit's turn then runs pump(): a resumed queue starts jobs.)
        (void)sched_.set_paused(queue, paused);
        reply(JobReply::ok(queue_json(*q)));
    });
}

}  // namespace tend::jobs
