// Scheduler listings: paging by id cursor, and queue positions kept exact through changes.
#include <catch2/catch.hpp>

#include <algorithm>

#include "tests/unit/test_scheduler_fixtures.hpp"

using namespace tend;
using namespace tend::jobs;
using namespace tend::jobs::test;

namespace {

std::vector<JobId> ids_of(const std::vector<const JobEntry*>& entries) {
    std::vector<JobId> out;
    for (const JobEntry* e : entries) out.push_back(e->id);
    return out;
}

// Every pending job's position, the slow way: dispatch order from a copy of the table.
std::vector<JobId> dispatch_order(const Scheduler& s, std::size_t pending) {
    std::vector<std::pair<std::size_t, JobId>> by_position;
    for (const JobEntry* e : s.list(JobState::pending, std::nullopt, 0))
        by_position.emplace_back(s.position(e->id), e->id);
    std::sort(by_position.begin(), by_position.end());
    std::vector<JobId> out;
    for (std::size_t i = 0; i < by_position.size(); ++i) {
        REQUIRE(by_position[i].first == i + 1);  // 1..N, no gaps, no repeats
        out.push_back(by_position[i].second);
    }
    REQUIRE(out.size() == pending);
    return out;
}

}  // namespace

TEST_CASE("a listing is paged newest first with an id cursor", "[scheduler][listing]") {
    Scheduler s({queue_named("default"), queue_named("batch")}, 0);
    std::vector<JobId> all;
    // Across several chunks of the table, with holes: pruned chunks and other queues.
    for (int i = 0; i < 1300; ++i) all.push_back(submit(s, spec_in(i % 3 ? "default" : "batch")));
    std::reverse(all.begin(), all.end());

    std::vector<JobId> paged;
    JobId before = 0;
    while (true) {
        auto page = ids_of(s.list(std::nullopt, std::nullopt, 100, before));
        paged.insert(paged.end(), page.begin(), page.end());
        if (page.size() < 100) break;
        before = page.back();
    }
    CHECK(paged == all);

    // With a filter, pages hold only matching jobs and still cover all of them.
    const auto batch = s.queue_index("batch");
    std::vector<JobId> expected;
    for (JobId id : all)
        if (s.find(id)->queue == *batch) expected.push_back(id);
    paged.clear();
    before = 0;
    while (true) {
        auto page = ids_of(s.list(std::nullopt, batch, 64, before));
        paged.insert(paged.end(), page.begin(), page.end());
        if (page.size() < 64) break;
        before = page.back();
    }
    CHECK(paged == expected);

    // A cursor below every id, or in a gap of the table, is fine.
    CHECK(s.list(std::nullopt, std::nullopt, 10, 1).empty());
    CHECK(ids_of(s.list(std::nullopt, std::nullopt, 2, 100000)) ==
          std::vector<JobId>{all[0], all[1]});
}

TEST_CASE("queue positions follow dispatch order through every change", "[scheduler][listing]") {
    Scheduler s({queue_named("default", 1)}, 0);
    std::vector<JobId> ids;
    for (int i = 0; i < 600; ++i) {
        JobSpec spec = spec_in();
        spec.priority = i % 7 == 0 ? 5 : 0;  // some jump ahead
        ids.push_back(submit(s, spec));
    }
    CHECK(s.why_waiting(ids[1], T0) == "waiting to be started (position 87)");
    CHECK(s.position(ids[0]) == 1);
    CHECK(s.position(ids[7]) == 2);

    // Cancels in the middle, a yield to the back, a retry: positions close up and move.
    for (int i = 10; i < 600; i += 10) REQUIRE(s.cancel(ids[i], T0).ok());
    start_one(s, ids[0]);
    s.finished(ids[0], ExitStatus{75, 0}, T0, kMidJitter);  // yields: pending at the back
    REQUIRE(s.retry(ids[10], T0).ok());
    JobSpec urgent = spec_in();
    urgent.priority = 9;
    const JobId u = submit(s, urgent);
    const std::size_t pending = s.stats(0).runnable;
    std::vector<JobId> order = dispatch_order(s, pending);
    CHECK(order.front() == u);

    // The positions are what dispatch then does.
    std::vector<JobId> started;
    while (true) {
        auto now = s.take_runnable(T0);
        if (now.empty()) break;
        REQUIRE(now.size() == 1);
        started.push_back(now[0]);
        succeed(s, now[0]);
        if (started.size() % 50 == 0) {  // still exact midway
            auto rest = dispatch_order(s, pending - started.size());
            REQUIRE(std::equal(rest.begin(), rest.end(), order.begin() + long(started.size())));
        }
    }
    CHECK(started == order);
    CHECK(s.position(ids[1]) == 0);  // no longer pending
}

TEST_CASE("positions of a paused queue and after a restore", "[scheduler][listing]") {
    Scheduler s({queue_named("default", 1)}, 0);
    const JobId a = submit(s);
    const JobId b = submit(s);
    REQUIRE(s.set_paused("default", true).ok());
    CHECK(s.why_waiting(b, T0) == "queue default is paused");
    CHECK(s.position(b) == 2);
    REQUIRE(s.cancel(a, T0).ok());
    CHECK(s.position(b) == 1);
    s.finish_restore(T0);  // rebuilds every index: positions too
    CHECK(s.position(b) == 1);
    const JobId c = submit(s);
    CHECK(s.position(c) == 2);
}
