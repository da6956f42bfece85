// One running job's process: spawn, output capture, timeout, and TERM-then-KILL (SPEC §6.2).
#pragma once

#include <sys/types.h>
#include <systemd/sd-event.h>
#include <functional>
#include <memory>
#include <string>

#include "queue/core/job.hpp"
#include "queue/daemon/job_output_log.hpp"
#include "supervisor/daemon/child_reaper.hpp"
#include "supervisor/daemon/event_source.hpp"
#include "supervisor/daemon/instance_output.hpp"
#include "supervisor/daemon/spawner.hpp"

namespace tend::jobs {

struct JobLaunch {
    SpawnSpec spawn;  // argv, env, cwd, credentials; the output fds are filled in here
    std::string output_path;
    std::uint64_t output_cap = 0;
    Usec timeout{0};  // 0: none
    Usec stop_timeout = std::chrono::seconds(30);
    // The PostgreSQL store's fence (tendd(8) MULTI-HOST): the path of tend-shim, run in place
    // of the job so that the job's group dies with this tendd. Empty (the file store): the job
    // itself, which outlives a restart of tendd on purpose (recovery deals with it). The
    // parent-death signal follows the *thread* that forked: spawn only from the loop's thread.
    std::string shim;
    int shim_fd = -1;  // tend-shim opened by tendd (SpawnSpec::exec_fd), or -1: run by path
};

// tend-shim beside this process's executable (a build tree), else
// ../libexec/tend/tend-shim from its directory (an installed tendd); fails naming both.
Result<std::string> locate_shim();

// Turns `spec` into the shim's: `SHIM PARENT --exec PATH -- ARGV...`, where PATH is argv[0]
// found in the job's own PATH now, so a missing command fails here, without a process, as it
// does without the shim.
Status wrap_in_shim(SpawnSpec& spec, const std::string& shim, pid_t parent);

class JobProcess {
  public:
    // `reason` is set for a timeout ("timed out after 5s") or a failed exec; `timed_out` tells
    // the first apart.
    using OnExit = std::function<void(ExitStatus exit, const std::string& reason, bool timed_out)>;

    // Spawns the job in its own session (its process group is the kill boundary). Fails without
    // a process when the command cannot be found or the system refuses a process.
    static Result<std::unique_ptr<JobProcess>> start(sd_event* loop, ChildReaper& reaper,
                                                     JobLaunch launch, OnExit on_exit);
    ~JobProcess();

    pid_t pid() const { return pid_; }
    // The process's start time (/proc/PID/stat field 22), recorded so that a later tendd can
    // tell this process from an unrelated one that reused the pid.
    std::uint64_t start_time() const { return start_time_; }
    // TERM to the process group now, KILL after `stop_timeout` (cancel, timeout, shutdown);
    // KILL at once, noted in its output, if that deadline cannot be armed.
    void terminate(Usec stop_timeout);
    void kill_now();
    void note(std::string_view text) { log_->note(text); }

  private:
    JobProcess() = default;
    void on_exit(const ExitInfo& e);
    static int on_timeout(sd_event_source*, uint64_t, void* self);
    static int on_kill(sd_event_source*, uint64_t, void* self);

    sd_event* loop_ = nullptr;
    ChildReaper* reaper_ = nullptr;
    pid_t pid_ = 0;
    std::uint64_t start_time_ = 0;
    UniqueFd pidfd_;
    JobOutputLog* log_ = nullptr;  // owned by output_
    std::unique_ptr<InstanceOutput> output_;
    EventSource timeout_timer_, kill_timer_;
    Usec timeout_{0}, stop_timeout_{0};
    bool timed_out_ = false;
    OnExit on_exit_;
};

// Field 22 of /proc/PID/stat, or 0 when the process does not exist.
std::uint64_t process_start_time(pid_t pid);

}  // namespace tend::jobs
