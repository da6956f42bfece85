// The turn of the job queue: decide in memory, write every change, then act once it is durable.
#pragma once

#include <functional>
#include <vector>

#include "queue/daemon/job_context.hpp"
#include "supervisor/daemon/event_source.hpp"

namespace tend::jobs {

// Owns the actions waiting for the next commit and the timer for the next scheduled job.
// Everything that changes the table calls pump() (or flush_changes()) so the change is
// written before anything reports or acts on it.
class Dispatcher {
  public:
    // `start`: spawns a job the scheduler marked running (once that is durable).
    // `after_pump`: what else follows a turn (the prune timer).
    Dispatcher(JobContext& c, std::function<void(JobId)> start, std::function<void()> after_pump)
        : c_(c), start_(std::move(start)), after_pump_(std::move(after_pump)) {}

    // Promotes due jobs, picks the jobs to start, writes the changes, re-arms the timers.
    void pump();
    // Writes the scheduler's changes (and queues the actions waiting on them). `urgent` false:
    // the records ride on the next commit, at the latest after a short while (a running job's
    // pid: a crash before it is written is covered by the TEND_JOB_MARK scan at recovery).
    void flush_changes(bool urgent = true);
    // Runs `action` once everything written so far is durable.
    void after_durable(std::function<void()> action);
    // Shutdown: no more wake-ups for scheduled jobs.
    void stop_timer() { due_timer_.reset(); }

  private:
    static int on_due(sd_event_source*, uint64_t, void* self);
    void arm_due_timer();

    JobContext& c_;
    std::function<void(JobId)> start_;
    std::function<void()> after_pump_;
    std::vector<std::function<void()>> after_commit_;
    EventSource due_timer_;
};

}  // namespace tend::jobs
