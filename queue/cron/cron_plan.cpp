// The catch-up decision: which due ticks fire and which are dropped.
#include "queue/cron/cron_plan.hpp"

#include <algorithm>
#include <deque>

namespace tend::cron {

namespace {
std::string iso(std::int64_t t, const date::time_zone* zone) {
    return format_iso(sys_at(t), zone);
}
}  // namespace

TickPlan plan_ticks(const PlanInput& in) {
    TickPlan plan;
    plan.last_tick_s = in.last_tick_s;
    if (in.now_s <= in.last_tick_s) return plan;  // the clock went back: nothing is due
    const std::int64_t window_start = in.now_s - in.window_s;  // missed ticks before it drop
    const std::int64_t on_time_from = in.all_missed ? in.now_s + 1 : in.now_s - kOnTimeGraceS;
    // Ticks before the window are dropped without being enumerated one by one.
    std::int64_t from = std::max(in.last_tick_s, std::min(window_start, on_time_from) - 1);
    bool dropped_old = false;
    if (from > in.last_tick_s) {
        auto first = next_fire(*in.expr, in.zone, sys_at(in.last_tick_s));
        dropped_old = first && first->time_since_epoch().count() <= from;
    }
    std::deque<std::int64_t> missed;  // newest kMaxCatchUpTicks within the window
    std::vector<std::int64_t> on_time;
    std::size_t missed_count = 0, examined = 0;
    std::int64_t cursor = from;
    while (true) {
        if (++examined > kMaxTicksExamined) {
            plan.notes.push_back("more than " + std::to_string(kMaxTicksExamined) +
                                 " ticks were due; those after " + iso(cursor, in.zone) +
                                 " are dropped");
            break;
        }
        auto next = next_fire(*in.expr, in.zone, sys_at(cursor));
        if (!next) break;
        const std::int64_t t = next->time_since_epoch().count();
        if (t > in.now_s) break;
        cursor = t;
        plan.last_tick_s = t;
        if (t >= on_time_from) {
            on_time.push_back(t);
        } else if (t >= window_start) {
            ++missed_count;
            missed.push_back(t);
            if (missed.size() > kMaxCatchUpTicks) missed.pop_front();
        } else {
            dropped_old = true;
        }
    }
    // Ticks up to `from` were dropped unseen; no tick lies between the last one and `from`, so
    // the entry is caught up to `from`.
    if (cursor > plan.last_tick_s) plan.last_tick_s = cursor;
    if (examined > kMaxTicksExamined) plan.last_tick_s = std::max(plan.last_tick_s, in.now_s);
    if (dropped_old)
        plan.notes.push_back("missed ticks older than the catch_up_window are dropped");
    switch (in.catch_up) {
        case CatchUp::none:
            if (missed_count > 0)
                plan.notes.push_back(std::to_string(missed_count) +
                                     " missed tick(s) dropped (catch_up = none), the last at " +
                                     iso(missed.back(), in.zone));
            break;
        case CatchUp::latest:
            if (!missed.empty() && on_time.empty()) {
                plan.fire.push_back(missed.back());
                if (missed_count > 1)
                    plan.notes.push_back(std::to_string(missed_count) +
                                         " missed ticks run once, as " +
                                         iso(missed.back(), in.zone) + " (catch_up = latest)");
            } else if (missed_count > 0) {
                plan.notes.push_back(std::to_string(missed_count) +
                                     " missed tick(s) folded into the on-time tick "
                                     "(catch_up = latest)");
            }
            break;
        case CatchUp::all:
            if (missed_count > missed.size())
                plan.notes.push_back(std::to_string(missed_count - missed.size()) +
                                     " missed tick(s) dropped: catch-up runs at most " +
                                     std::to_string(kMaxCatchUpTicks));
            plan.fire.assign(missed.begin(), missed.end());
            break;
    }
    plan.fire.insert(plan.fire.end(), on_time.begin(), on_time.end());
    return plan;
}

}  // namespace tend::cron
