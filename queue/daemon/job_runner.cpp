// Running jobs: spawning from the stored spec, exits, and TERM at cancel and shutdown.
#include "queue/daemon/job_runner.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "supervisor/core/environment.hpp"
#include "supervisor/daemon/log_writer.hpp"
#include "supervisor/daemon/safe_dir.hpp"
#include "supervisor/util/signals.hpp"

namespace tend::jobs {

namespace {
std::string exit_text(const ExitStatus& x) {
    if (x.signal) return "killed by signal " + signal_name(x.signal);
    return "exited with code " + std::to_string(x.code);
}
}  // namespace

void JobRunner::note(JobId id, const std::string& text) {
    if (auto it = processes_.find(id); it != processes_.end())
        it->second->note(text);
    else
        append_job_note(job_output_path(c_.opt.state_dir, id), text);
}

void JobRunner::spawn(JobId id) {
    const JobEntry* e = c_.sched.find(id);
    if (!e || e->status.state != JobState::running || processes_.count(id)) return;
    const WallUs t = c_.now();
    if (c_.stopping) {
        c_.sched.interrupt(id, "interrupted: tendd shut down before it started");
        return d_.pump();
    }
    if (e->status.cancel_requested) {
        c_.sched.finished(id, ExitStatus{0, SIGTERM}, t, c_.random01(),
                          "cancelled before it started");
        return d_.pump();
    }
    auto fail = [&](const std::string& why) {
        note(id, "attempt " + std::to_string(e->status.attempt) + " could not start: " + why);
        c_.sched.finished(id, ExitStatus{127, 0}, t, c_.random01(), "cannot start: " + why);
        d_.pump();
    };
    auto spec = c_.store->read_spec(SpecRef{e->spec_offset, e->spec_length});
    if (!spec) return fail(spec.error());
    auto env = c_.store->read_env(spec->env_id);
    if (!env) return fail(env.error());
    std::vector<std::string> vars = std::move(env.value());
    const QueueSettings& q = c_.sched.queues()[e->queue];
    JobLaunch launch;
    if (spec->shell)
        launch.spawn.argv = {"/bin/sh", "-c", spec->argv.empty() ? "" : spec->argv[0]};
    else
        launch.spawn.argv = spec->argv;
    const std::string ids = std::to_string(id);
    std::string checkpoint = c_.opt.state_dir + "/jobs/checkpoints/" + ids;
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
         {"TEND_JOB_MARK", c_.opt.state_dir + ":" + ids + ":" + std::to_string(e->status.runs)}});
    if (!spec->cwd.empty()) launch.spawn.cwd = spec->cwd;
    if (geteuid() == 0 && spec->uid != 0) {
        Credentials c{spec->uid, spec->gid, {}};
        for (auto g : spec->groups) c.groups.push_back(g);
        launch.spawn.credentials = c;
    }
    launch.spawn.nofile_soft = c_.opt.nofile_soft;
    launch.output_path = job_output_path(c_.opt.state_dir, id);
    launch.output_cap = q.output_max;
    launch.timeout = e->timeout_us < 0 ? q.timeout : Usec(e->timeout_us);
    launch.stop_timeout = q.stop_timeout;
    auto proc =
        JobProcess::start(c_.opt.loop, *c_.opt.reaper, std::move(launch),
                          [this, id](ExitStatus x, const std::string& reason, bool timed_out) {
                              on_exit(id, x, reason, timed_out);
                          });
    if (!proc) return fail(proc.error());
    (*proc)->note("attempt " + std::to_string(e->status.attempt) + " of " +
                  std::to_string(e->status.max_attempts) + " started (pid " +
                  std::to_string((*proc)->pid()) + ")");
    c_.sched.set_process(id, (*proc)->pid(), (*proc)->start_time());
    processes_[id] = std::move(proc.value());
    // Waiting since it was submitted, or since its time came (--at, --in, a retry delay).
    c_.counters.queue(q.name).wait.observe(
        double(std::max<WallUs>(0, t - std::max(e->submitted_at, e->status.run_at))) / 1e6);
    d_.flush_changes(false);
}

void JobRunner::on_exit(JobId id, ExitStatus x, const std::string& reason, bool timed_out) {
    auto it = processes_.find(id);
    if (it == processes_.end()) return;
    std::unique_ptr<JobProcess> proc = std::move(it->second);
    processes_.erase(it);
    const JobEntry* e = c_.sched.find(id);
    if (!e) return;
    const std::uint32_t attempt = e->status.attempt;
    const bool failure = timed_out || x.signal != 0 || (x.code != 0 && x.code != 75);
    const WallUs now = c_.now();
    const double ran = double(std::max<WallUs>(0, now - e->status.started_at)) / 1e6;
    const std::string& queue = c_.sched.queues()[e->queue].name;
    if (c_.stopping && failure && !timed_out && !e->status.cancel_requested) {
        // Stopped by the shutdown, not by its own fault: no attempt is used (SPEC §6.5).
        c_.counters.run_ended(queue, RunOutcome::interrupted, ran);
        c_.sched.interrupt(id, "interrupted by the shutdown of tendd; re-queued");
    } else {
        c_.counters.run_ended(queue,
                              timed_out                    ? RunOutcome::timed_out
                              : e->status.cancel_requested ? RunOutcome::cancelled
                              : !failure && x.code == 75   ? RunOutcome::yielded
                              : !failure                   ? RunOutcome::succeeded
                                                           : RunOutcome::failed,
                              ran);
        c_.sched.finished(id, x, now, c_.random01(), reason, timed_out);
    }
    std::string text = "attempt " + std::to_string(attempt) + " " + exit_text(x);
    if (!reason.empty()) text += " (" + reason + ")";
    text += ": now ";
    text += to_string(e->status.state);
    if (e->status.state == JobState::scheduled)
        text +=
            ", retry in " +
            format_duration(Usec(std::max<WallUs>(0, e->status.run_at - c_.now()) / 1000 * 1000));
    proc->note(text);
    d_.pump();
}

void JobRunner::terminate(JobId id, Usec grace, const std::string& why) {
    if (auto it = processes_.find(id); it != processes_.end()) {
        it->second->note(why);
        it->second->terminate(grace);
    }
}

void JobRunner::stop_all(bool drain) {
    for (auto& [id, proc] : processes_) {
        if (drain) break;
        const JobEntry* e = c_.sched.find(id);
        const Usec grace = e ? c_.sched.queues()[e->queue].stop_timeout : std::chrono::seconds(30);
        proc->note("tendd is shutting down: sending TERM");
        proc->terminate(grace);
    }
    // Jobs marked running whose process was not spawned yet go back to pending at once.
    for (JobId id : c_.sched.running_jobs())
        if (!processes_.count(id))
            c_.sched.interrupt(id, "interrupted: tendd shut down before it started");
}

void JobRunner::kill_all() {
    for (auto& [id, proc] : processes_) proc->kill_now();
}

}  // namespace tend::jobs
