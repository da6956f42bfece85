// Running jobs: their processes, from spawn to exit, timeouts, TERM at cancel and shutdown, and
// the survivors of a crash.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "queue/daemon/job_context.hpp"
#include "queue/daemon/job_dispatcher.hpp"
#include "queue/daemon/job_process.hpp"

namespace tend::jobs {

// Owns every job process. A job is spawned from its stored spec once the scheduler's decision
// to run it is durable; its exit goes back to the scheduler.
class JobRunner {
  public:
    JobRunner(JobContext& c, Dispatcher& d) : c_(c), d_(d) {}

    void spawn(JobId id);
    // A line in the job's output file ("attempt 2 of 3 started", "cancelled: sending TERM").
    void note(JobId id, const std::string& text);
    bool has_process(JobId id) const { return processes_.count(id) != 0; }
    std::size_t running_count() const { return processes_.size(); }
    // TERM now, KILL after `grace`, with a note saying why.
    void terminate(JobId id, Usec grace, const std::string& why);
    // Shutdown: TERM to every process (none with `drain`), and jobs marked running whose
    // process was not spawned yet go back to pending.
    void stop_all(bool drain);
    void kill_all();
    // At start (job_recovery.cpp): kills what is left of jobs that were running when tendd
    // stopped and re-queues them without using an attempt.
    void settle_survivors();

  private:
    void on_exit(JobId id, ExitStatus exit, const std::string& reason, bool timed_out);

    JobContext& c_;
    Dispatcher& d_;
    std::unordered_map<JobId, std::unique_ptr<JobProcess>> processes_;
};

}  // namespace tend::jobs
