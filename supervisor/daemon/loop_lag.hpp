// tend_event_loop_lag_seconds: the lateness of a 100 ms timer, sampled only while the loop has
// other work, so that an idle tendd sleeps (no wake-ups) and a busy one is measured. It is also
// the loop's one detector of activity, for other instruments that must sleep while tendd idles.
#pragma once

#include <systemd/sd-event.h>
#include <functional>
#include <memory>

#include "supervisor/daemon/event_source.hpp"
#include "supervisor/util/prom_text.hpp"
#include "supervisor/util/result.hpp"

namespace tend {

class LoopLag {
  public:
    static Result<std::unique_ptr<LoopLag>> start(sd_event* loop);
    const prom::Histogram& histogram() const { return lag_; }
    std::uint64_t ticks() const { return lag_.count(); }
    // `f` runs after every dispatch that was not an instrument's own timer; one listener (the
    // dashboard's sampler), an empty function removes it.
    void set_activity_listener(std::function<void()> f) { listener_ = std::move(f); }
    // Called by an instrument's timer (the dashboard's sampler): this dispatch is not activity.
    // Without it, two instruments would wake each other up forever.
    void own_dispatch() { self_tick_ = true; }

  private:
    explicit LoopLag(sd_event* loop) : loop_(loop) {}
    static int on_tick(sd_event_source*, uint64_t usec, void* self);
    static int on_post(sd_event_source*, void* self);
    void arm();

    sd_event* loop_;
    EventSource timer_, post_;
    prom::Histogram lag_{prom::short_buckets()};
    bool armed_ = false;
    bool active_ = false;     // another source ran since the last tick
    bool self_tick_ = false;  // the post that follows an instrument's tick is not activity
    std::function<void()> listener_;
};

}  // namespace tend
