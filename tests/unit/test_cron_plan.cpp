// The catch-up decision (plan_ticks) with time injected: on-time ticks, none / latest / all,
// the window, the caps, and a clock that went back.
#include <catch2/catch.hpp>

#include "queue/cron/cron_plan.hpp"

using namespace tend::cron;

namespace {
// 2026-11-22T10:00:00Z, a whole minute.
constexpr std::int64_t kPlanT0 = 1795341600;

struct Fixture {
    CronExpr expr;
    const date::time_zone* zone = nullptr;
    explicit Fixture(const char* schedule) {
        auto e = parse_cron(schedule);
        REQUIRE(e);
        expr = *e;
        zone = *find_zone("Etc/UTC");
    }
    TickPlan plan(CatchUp c, std::int64_t last, std::int64_t now, bool all_missed,
                  std::int64_t window = 24 * 3600) const {
        PlanInput in;
        in.expr = &expr;
        in.zone = zone;
        in.catch_up = c;
        in.window_s = window;
        in.last_tick_s = last;
        in.now_s = now;
        in.all_missed = all_missed;
        return plan_ticks(in);
    }
};
using Ticks = std::vector<std::int64_t>;
}  // namespace

TEST_CASE("an on-time tick fires whatever catch_up says", "[cron]") {
    Fixture f("* * * * *");  // every minute
    for (CatchUp c : {CatchUp::none, CatchUp::latest, CatchUp::all}) {
        auto p = f.plan(c, kPlanT0, kPlanT0 + 60 + 2, false);  // the timer fired 2 s late
        CHECK(p.fire == Ticks{kPlanT0 + 60});
        CHECK(p.last_tick_s == kPlanT0 + 60);
        CHECK(p.notes.empty());
    }
}

TEST_CASE("nothing due: nothing fires and the last tick stays", "[cron]") {
    Fixture f("* * * * *");
    auto p = f.plan(CatchUp::all, kPlanT0, kPlanT0 + 59, false);
    CHECK(p.fire.empty());
    CHECK(p.last_tick_s == kPlanT0);
}

TEST_CASE("three ticks missed while tendd was down", "[cron]") {
    Fixture f("* * * * *");
    const std::int64_t now = kPlanT0 + 3 * 60 + 30;  // ticks kPlanT0+60, +120, +180 were missed
    auto none = f.plan(CatchUp::none, kPlanT0, now, true);
    CHECK(none.fire.empty());
    CHECK(none.last_tick_s == kPlanT0 + 180);
    REQUIRE(none.notes.size() == 1);
    CHECK(none.notes[0] ==
          "3 missed tick(s) dropped (catch_up = none), the last at 2026-11-22T10:03:00+00:00");
    auto latest = f.plan(CatchUp::latest, kPlanT0, now, true);
    CHECK(latest.fire == Ticks{kPlanT0 + 180});
    CHECK(latest.last_tick_s == kPlanT0 + 180);
    auto all = f.plan(CatchUp::all, kPlanT0, now, true);
    CHECK(all.fire == Ticks{kPlanT0 + 60, kPlanT0 + 120, kPlanT0 + 180});
}

TEST_CASE("a tick at the very second of start counts as missed", "[cron]") {
    Fixture f("* * * * *");
    CHECK(f.plan(CatchUp::none, kPlanT0, kPlanT0 + 60, true).fire.empty());
    CHECK(f.plan(CatchUp::latest, kPlanT0, kPlanT0 + 60, true).fire == Ticks{kPlanT0 + 60});
}

TEST_CASE("a late timer: ticks beyond the grace are missed ones", "[cron]") {
    Fixture f("* * * * *");
    // Suspended for 10 minutes: the timer fires at kPlanT0+600+1; kPlanT0+600 is on time, the nine
    // before it were missed.
    const std::int64_t now = kPlanT0 + 601;
    CHECK(f.plan(CatchUp::none, kPlanT0, now, false).fire == Ticks{kPlanT0 + 600});
    CHECK(f.plan(CatchUp::latest, kPlanT0, now, false).fire == Ticks{kPlanT0 + 600});
    auto all = f.plan(CatchUp::all, kPlanT0, now, false);
    REQUIRE(all.fire.size() == 10);
    CHECK(all.fire.front() == kPlanT0 + 60);
    CHECK(all.fire.back() == kPlanT0 + 600);
}

TEST_CASE("missed ticks older than the window are dropped", "[cron]") {
    Fixture f("0 * * * *");                            // hourly
    const std::int64_t now = kPlanT0 + 10 * 3600 + 5;  // 10 hourly ticks missed
    auto all = f.plan(CatchUp::all, kPlanT0, now, true, 3 * 3600);
    CHECK(all.fire == Ticks{kPlanT0 + 8 * 3600, kPlanT0 + 9 * 3600, kPlanT0 + 10 * 3600});
    CHECK(all.last_tick_s == kPlanT0 + 10 * 3600);
    auto latest = f.plan(CatchUp::latest, kPlanT0, now, true, 30 * 60);  // the last tick is 5 s old
    CHECK(latest.fire == Ticks{kPlanT0 + 10 * 3600});
    // Down for longer than the window after the last tick: nothing is caught up, and the
    // entry is caught up to the window's start (no tick lies between the two).
    auto late = f.plan(CatchUp::latest, kPlanT0, kPlanT0 + 10 * 3600 + 3000, true, 30 * 60);
    CHECK(late.fire.empty());
    CHECK(late.last_tick_s >= kPlanT0 + 10 * 3600);
    CHECK(late.last_tick_s < kPlanT0 + 11 * 3600);
    CHECK(late.notes ==
          std::vector<std::string>{"missed ticks older than the catch_up_window are dropped"});
}

TEST_CASE("catch-up all enqueues at most kMaxCatchUpTicks, the newest", "[cron]") {
    Fixture f("* * * * * *");  // every second
    const std::int64_t now = kPlanT0 + 5000;
    auto all = f.plan(CatchUp::all, kPlanT0, now, true);
    REQUIRE(all.fire.size() == kMaxCatchUpTicks);
    CHECK(all.fire.back() == now);
    CHECK(all.fire.front() == now - static_cast<std::int64_t>(kMaxCatchUpTicks) + 1);
    CHECK(all.last_tick_s == now);
}

TEST_CASE("a very long downtime of an every-second entry stays bounded", "[cron]") {
    Fixture f("* * * * * *");
    const std::int64_t now = kPlanT0 + 30 * 24 * 3600;  // 30 days, window 30 days
    auto latest = f.plan(CatchUp::latest, kPlanT0, now, true, 30 * 24 * 3600);
    REQUIRE(latest.fire.size() == 1);
    CHECK(latest.last_tick_s == now);
}

TEST_CASE("the clock went back: nothing is due", "[cron]") {
    Fixture f("* * * * *");
    auto p = f.plan(CatchUp::all, kPlanT0 + 3600, kPlanT0, true);
    CHECK(p.fire.empty());
    CHECK(p.last_tick_s == kPlanT0 + 3600);
}
