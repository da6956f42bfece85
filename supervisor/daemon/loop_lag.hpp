// tend_event_loop_lag_seconds: the lateness of a 100 ms timer, sampled only while the loop has
// other work, so that an idle tendd sleeps (no wake-ups) and a busy one is measured.
#pragma once

#include <systemd/sd-event.h>
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
    bool self_tick_ = false;  // the post that follows our own tick is not activity
};

}  // namespace tend
