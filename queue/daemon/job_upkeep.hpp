// Keeping storage bounded: finished jobs are pruned after their queue's `keep`.
#pragma once

#include <string>
#include <vector>

#include "queue/daemon/job_context.hpp"
#include "supervisor/daemon/event_source.hpp"

namespace tend::jobs {

// Owns the prune timer and the files of pruned jobs still to be removed. Pruned jobs leave the
// table, then the store (which decides when to compact).
class JobUpkeep {
  public:
    explicit JobUpkeep(JobContext& c) : c_(c) {}
    // Sets the timer for the next job to expire (after every turn).
    void arm_prune_timer();

  private:
    static int on_prune(sd_event_source*, uint64_t, void* self);
    void forget_job_files(JobId id);

    JobContext& c_;
    EventSource prune_timer_;
    std::vector<std::string> to_unlink_;
};

}  // namespace tend::jobs
