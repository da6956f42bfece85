// The dashboard's history at run time: a 10 s timer on the loop that samples the queues and the
// instances into a SeriesBook (dashboard_series.hpp). It runs only while [http] is configured,
// and sleeps while tendd is idle (a sample that changed nothing), so an idle tendd has no
// wake-ups; the loop's activity detector (LoopLag) wakes it, and the book fills the steps it
// slept through.
#pragma once

#include <systemd/sd-event.h>
#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

#include "cmd/tendd/dashboard_series.hpp"
#include "supervisor/daemon/event_source.hpp"
#include "supervisor/daemon/loop_lag.hpp"
#include "supervisor/util/result.hpp"

namespace tend {

class DashboardSampler {
  public:
    // The data of `tend queues --json` and `tend status --json`, now: O(queues), O(instances).
    using Source = std::function<nlohmann::json()>;

    // Takes a first sample now, then one every 10 s (the timer may fire up to 1 s late, so
    // that the loop can coalesce it with other wake-ups).
    // `activity`: null samples every 10 s whatever happens.
    static Result<std::unique_ptr<DashboardSampler>> start(sd_event* loop, Source queues,
                                                           Source instances, LoopLag* activity);
    ~DashboardSampler();
    DashboardSampler(const DashboardSampler&) = delete;
    DashboardSampler& operator=(const DashboardSampler&) = delete;
    const web::SeriesBook& book() const { return book_; }
    bool asleep() const { return asleep_; }

  private:
    DashboardSampler(Source queues, Source instances)
        : queues_(std::move(queues)), instances_(std::move(instances)) {}
    static int on_timer(sd_event_source* s, uint64_t usec, void* self);
    void sample();
    void wake();

    Source queues_, instances_;
    web::SeriesBook book_;
    EventSource timer_;
    LoopLag* activity_ = nullptr;
    bool asleep_ = false;
};

}  // namespace tend
