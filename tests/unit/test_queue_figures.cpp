// Queue figures, the store-neutral shape of `tend queues`, /metrics and the dashboard: which
// queues are listed and the JSON each becomes.
#include <catch2/catch.hpp>

#include "queue/core/queue_figures.hpp"
#include "tests/unit/test_scheduler_fixtures.hpp"

using namespace tend::jobs;
using namespace tend::jobs::test;

TEST_CASE("queue figures list configured queues and unconfigured ones while they hold jobs",
          "[queue_figures]") {
    Scheduler s({queue_named("default"), queue_named("batch", 3, 2)}, 0);
    s.ensure_queue("old");  // named only by jobs in the log: listed while it holds some
    auto names = [&] {
        std::vector<std::string> out;
        for (const auto& f : listed_queue_figures(s)) out.push_back(f.settings.name);
        return out;
    };
    CHECK(names() == std::vector<std::string>{"default", "batch"});
    JobSpec spec = spec_in("old");
    spec.id = s.allocate_id();
    s.restore_submit(spec, 1, 10);
    s.finish_restore(T0);
    CHECK(names() == std::vector<std::string>{"default", "batch", "old"});
    const auto figs = listed_queue_figures(s);
    CHECK(figs[1].settings.concurrency == 3);
    CHECK(figs[2].stats.pending == 1);
    CHECK_FALSE(figs[2].settings.configured);
}

TEST_CASE("queue figures become tend queues' JSON", "[queue_figures]") {
    Scheduler s({queue_named("default", 2, 5)}, 0);
    submit(s, spec_in("default"), T0);
    const auto figs = listed_queue_figures(s);
    REQUIRE(figs.size() == 1);
    const auto j = queue_figures_json(figs[0], T0 + 3 * kSec, T0 - 10 * kSec);
    CHECK(j["name"] == "default");
    CHECK(j["pending"] == 1);
    CHECK(j["runnable"] == 1);
    CHECK(j["running"] == 0);
    CHECK(j["concurrency"] == 2);
    CHECK(j["weight"] == 5);
    CHECK(j["paused"] == false);
    CHECK(j["configured"] == true);
    CHECK(j["oldest_pending_age_s"].get<double>() == Approx(3.0));
    CHECK(j["uptime_s"].get<double>() == Approx(13.0));
    // No pending job: the age is null, as `tend queues --json` has always shown it.
    Scheduler empty({queue_named("default")}, 0);
    CHECK(queue_figures_json(listed_queue_figures(empty)[0], T0, T0)["oldest_pending_age_s"]
              .is_null());
}
