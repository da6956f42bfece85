// The dashboard's 10 s sampler (dashboard_sampler.hpp).
#include "cmd/tendd/dashboard_sampler.hpp"

#include <spdlog/spdlog.h>
#include <chrono>

#include "supervisor/daemon/event_loop.hpp"

namespace tend {
namespace {
constexpr uint64_t kStepUsec = uint64_t(web::kSeriesStepS) * 1'000'000;
constexpr uint64_t kAccuracyUsec = 1'000'000;
}  // namespace

Result<std::unique_ptr<DashboardSampler>> DashboardSampler::start(sd_event* loop, Source queues,
                                                                  Source instances,
                                                                  LoopLag* activity) {
    std::unique_ptr<DashboardSampler> s(
        new DashboardSampler(std::move(queues), std::move(instances)));
    s->activity_ = activity;
    if (activity) activity->set_activity_listener([p = s.get()] { p->wake(); });
    auto t = ev::add_time_relative(loop, CLOCK_MONOTONIC, kStepUsec, kAccuracyUsec,
                                   &DashboardSampler::on_timer, s.get(),
                                   "arm the dashboard's sampling timer");
    if (!t) return make_error(t.error());
    s->timer_ = std::move(*t);
    s->sample();
    return s;
}

DashboardSampler::~DashboardSampler() {
    if (activity_) activity_->set_activity_listener({});
}

int DashboardSampler::on_timer(sd_event_source* src, uint64_t, void* self) {
    auto* s = static_cast<DashboardSampler*>(self);
    if (s->activity_) s->activity_->own_dispatch();  // a sample is not activity
    s->sample();
    // Nothing changed: sleep (the one-shot timer stays off) until tendd does something.
    if (s->activity_ && !s->book_.last_sample_changed()) {
        s->asleep_ = true;
        return 0;
    }
    // The next step from now: a loop that was busy shifts the samples, never bunches them.
    if (auto ok = ev::rearm_after(src, kStepUsec, "rearm the dashboard's sampling timer"); !ok)
        spdlog::warn("{}: the dashboard's history stops here", ok.error());
    return 0;
}

void DashboardSampler::wake() {
    if (!asleep_) return;
    asleep_ = false;
    // The next sample one step from now; the steps slept through are filled then.
    if (auto ok = ev::rearm_after(timer_.get(), kStepUsec, "wake the dashboard's sampler"); !ok)
        spdlog::warn("{}: the dashboard's history stops here", ok.error());
}

void DashboardSampler::sample() {
    const double now_s =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    book_.sample(now_s, queues_ ? queues_() : nlohmann::json(),
                 instances_ ? instances_() : nlohmann::json());
}

}  // namespace tend
