// The loop-lag sampler: a 100 ms timer kept armed while other event sources run (a post source
// notices them) and disarmed after a quiet tick, so an idle loop has no wake-ups from it.
#include "supervisor/daemon/loop_lag.hpp"

#include "supervisor/daemon/event_loop.hpp"

namespace tend {
namespace {
constexpr uint64_t kPeriodUs = 100'000;
}

Result<std::unique_ptr<LoopLag>> LoopLag::start(sd_event* loop) {
    std::unique_ptr<LoopLag> l(new LoopLag(loop));
    auto t = ev::add_time(loop, CLOCK_MONOTONIC, UINT64_MAX, 1, &LoopLag::on_tick, l.get(),
                          "arm the loop-lag timer");
    if (!t) return make_error(t.error());
    l->timer_ = std::move(*t);
    if (auto st = ev::set_enabled(l->timer_.get(), SD_EVENT_OFF, "pause the loop-lag timer"); !st)
        return make_error(st.error());
    sd_event_source* post = nullptr;
    if (int r = sd_event_add_post(loop, &post, &LoopLag::on_post, l.get()); r < 0)
        return make_error(ev::failure("watch the loop's activity", r).message);
    l->post_.reset(post);
    l->arm();  // measure the start, then fall quiet
    return l;
}

void LoopLag::arm() {
    if (auto st = ev::rearm_after(timer_.get(), kPeriodUs, "arm the loop-lag timer"); st)
        armed_ = true;
}

int LoopLag::on_tick(sd_event_source*, uint64_t usec, void* self) {
    auto* l = static_cast<LoopLag*>(self);
    const uint64_t now = ev::now(l->loop_, CLOCK_MONOTONIC);
    l->lag_.observe(now > usec ? double(now - usec) / 1e6 : 0.0);
    l->armed_ = false;
    l->self_tick_ = true;
    if (l->active_) {
        l->active_ = false;
        l->arm();
    }
    return 0;
}

int LoopLag::on_post(sd_event_source*, void* self) {
    auto* l = static_cast<LoopLag*>(self);
    if (l->self_tick_) {  // the post after our own tick
        l->self_tick_ = false;
        return 0;
    }
    l->active_ = true;
    if (!l->armed_) l->arm();
    if (l->listener_) l->listener_();
    return 0;
}

}  // namespace tend
