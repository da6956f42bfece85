// Which ticks of an entry to fire now (SPEC §7 catch-up), given its last tick and the time.
// Pure: time and the zone come in as parameters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "queue/cron/cron_entry.hpp"
#include "queue/cron/cron_schedule.hpp"

namespace tend::cron {

// A tick due by more than this when the timer fires was missed (suspend, a stalled loop): it
// is handled by the catch-up policy instead of firing as if on time.
inline constexpr std::int64_t kOnTimeGraceS = 10;
// Catch-up `all` enqueues at most this many ticks at once; older ones are dropped (logged).
inline constexpr std::size_t kMaxCatchUpTicks = 1000;
// At most this many ticks are looked at per entry and decision, so that an every-second entry
// with a long window cannot stall the loop: beyond it, older ticks count as dropped.
inline constexpr std::size_t kMaxTicksExamined = 100000;

struct TickPlan {
    std::vector<std::int64_t> fire;  // ticks to enqueue, oldest first (seconds since the epoch)
    std::int64_t last_tick_s = 0;    // the new last tick: the latest tick <= now, fired or not
    std::vector<std::string> notes;  // ticks dropped, and why (for the daemon's log)
};

struct PlanInput {
    const CronExpr* expr = nullptr;
    const date::time_zone* zone = nullptr;
    CatchUp catch_up = CatchUp::latest;
    std::int64_t window_s = 24 * 3600;
    std::int64_t last_tick_s = 0;  // ticks after it and up to now are due
    std::int64_t now_s = 0;
    // True at start and after the wall clock was set: every due tick was missed. False when
    // the timer fired: ticks within kOnTimeGraceS are on time and always fire.
    bool all_missed = false;
};

// On-time ticks fire. Missed ticks follow catch_up: none drops them; latest fires the newest
// one within the window unless an on-time tick fires anyway; all fires each one within the
// window (at most kMaxCatchUpTicks). Ticks older than the window are dropped.
TickPlan plan_ticks(const PlanInput& in);

}  // namespace tend::cron
