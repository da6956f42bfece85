// Keeping storage bounded: pruning finished jobs after `keep` (the store compacts).
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "queue/daemon/job_output_log.hpp"
#include "queue/daemon/job_upkeep.hpp"
#include "supervisor/daemon/event_loop.hpp"

namespace tend::jobs {

namespace {
constexpr std::size_t kUnlinksPerEvent = 1000;
}  // namespace

void JobUpkeep::arm_prune_timer() {
    auto at = c_.sched.next_prune();
    if (!at && to_unlink_.empty()) {
        prune_timer_.reset();
        return;
    }
    const uint64_t when = to_unlink_.empty() ? static_cast<uint64_t>(std::max<WallUs>(*at, 1)) : 1;
    constexpr const char* what = "arm the pruning of expired jobs";
    Status armed = ok_status();
    if (prune_timer_) {
        armed = ev::rearm_at(prune_timer_.get(), when, what);
    } else if (auto t = ev::add_time(c_.opt.loop, CLOCK_REALTIME, when, 1000000,
                                     &JobUpkeep::on_prune, this, what);
               !t) {
        armed = make_error(t.error());
    } else {
        prune_timer_ = std::move(*t);
        armed = ev::set_priority(prune_timer_.get(), ev::kBulkPriority, what);
    }
    // Every pump tries again; until then finished jobs are kept longer than keep_finished.
    if (!armed) c_.opt.warn(armed.error() + "; pruning waits for the next change");
}

int JobUpkeep::on_prune(sd_event_source*, uint64_t, void* self) {
    auto* s = static_cast<JobUpkeep*>(self);
    std::uint64_t spec_bytes = 0;
    const auto pruned = s->c_.sched.prune(s->c_.now(), &spec_bytes);
    s->c_.store->forget_jobs(pruned, spec_bytes);
    for (JobId id : pruned) s->forget_job_files(id);
    // File removal is spread over loop turns: a week of jobs can expire at once.
    std::size_t n = std::min(kUnlinksPerEvent, s->to_unlink_.size());
    for (std::size_t i = 0; i < n; ++i) unlink(s->to_unlink_[s->to_unlink_.size() - 1 - i].c_str());
    s->to_unlink_.resize(s->to_unlink_.size() - n);
    s->arm_prune_timer();
    // Pruning is what makes a log worth compacting; an idle daemon would not look otherwise.
    s->c_.store->maybe_checkpoint();
    return 0;
}

void JobUpkeep::forget_job_files(JobId id) {
    to_unlink_.push_back(job_output_path(c_.opt.state_dir, id));
    to_unlink_.push_back(c_.opt.state_dir + "/jobs/checkpoints/" + std::to_string(id));
}

}  // namespace tend::jobs
