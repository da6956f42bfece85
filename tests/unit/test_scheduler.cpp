// Scheduler dispatch: priority and FIFO, weights, concurrency, pause, delays, yields, retries.
#include <catch2/catch.hpp>

#include "queue/core/backoff.hpp"
#include "tests/unit/test_scheduler_fixtures.hpp"

using namespace tend;
using namespace tend::jobs;
using namespace tend::jobs::test;

TEST_CASE("a queue runs higher priorities first, then FIFO", "[scheduler]") {
    Scheduler s({queue_named("default", 10)}, 0);
    JobSpec low = spec_in();
    JobSpec high = spec_in();
    high.priority = 5;
    const JobId a = submit(s, low);
    const JobId b = submit(s, high);
    const JobId c = submit(s, low);
    const JobId d = submit(s, high);
    JobSpec urgent = spec_in();
    urgent.priority = 9;
    const JobId e = submit(s, urgent);
    CHECK(s.why_waiting(c, T0) == "waiting to be started (position 5)");
    CHECK(s.take_runnable(T0) == std::vector<JobId>{e, b, d, a, c});
    const JobStatus& st = status_of(s, a);
    CHECK(st.state == JobState::running);
    CHECK(st.attempt == 1);
    CHECK(st.runs == 1);
    CHECK(st.started_at == T0);
}

TEST_CASE("concurrency bounds running jobs per queue", "[scheduler]") {
    Scheduler s({queue_named("default", 2)}, 0);
    std::vector<JobId> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(submit(s));
    CHECK(s.take_runnable(T0) == std::vector<JobId>{ids[0], ids[1]});
    CHECK(s.take_runnable(T0).empty());
    CHECK(s.why_waiting(ids[3], T0) ==
          "waiting for a slot: 2 of 2 running in queue default (position 2)");
    succeed(s, ids[1]);
    CHECK(s.take_runnable(T0) == std::vector<JobId>{ids[2]});
    QueueStats st = s.stats(0);
    CHECK(st.running == 2);
    CHECK(st.pending == 2);
    CHECK(st.runnable == 2);
    CHECK(st.finished_ok == 1);
    CHECK(st.oldest_pending_submitted == T0);
}

TEST_CASE("max_running bounds running jobs over all queues", "[scheduler]") {
    Scheduler s({queue_named("default", 5), queue_named("batch", 5)}, 3);
    for (int i = 0; i < 4; ++i) {
        submit(s);
        submit(s, spec_in("batch"));
    }
    CHECK(s.take_runnable(T0).size() == 3);
    CHECK(s.take_runnable(T0).empty());
    CHECK(s.why_waiting(s.list(JobState::pending, std::nullopt, 0).back()->id, T0)
              .starts_with("waiting for a slot: 3 of 3 running in all queues"));
}

TEST_CASE("queues share a scarce slot in proportion to their weights", "[scheduler]") {
    Scheduler s({queue_named("default", 10, 3), queue_named("batch", 10, 1)}, 1);
    for (int i = 0; i < 500; ++i) {
        submit(s);
        submit(s, spec_in("batch"));
    }
    int starts[2] = {0, 0};
    for (int i = 0; i < 400; ++i) {
        std::vector<JobId> started = s.take_runnable(T0);
        REQUIRE(started.size() == 1);
        ++starts[s.find(started[0])->queue];
        succeed(s, started[0]);
    }
    CHECK(starts[0] >= 285);
    CHECK(starts[0] <= 315);
    CHECK(starts[0] + starts[1] == 400);
}

TEST_CASE("a queue that was idle does not bank credit", "[scheduler]") {
    Scheduler s({queue_named("default", 10), queue_named("batch", 10)}, 1);
    for (int i = 0; i < 100; ++i) {
        const JobId id = submit(s);
        start_one(s, id);
        succeed(s, id);
    }
    for (int i = 0; i < 10; ++i) {
        submit(s);
        submit(s, spec_in("batch"));
    }
    int batch = 0;
    for (int i = 0; i < 10; ++i) {
        std::vector<JobId> started = s.take_runnable(T0);
        REQUIRE(started.size() == 1);
        batch += s.find(started[0])->queue;
        succeed(s, started[0]);
    }
    CHECK(batch >= 4);
    CHECK(batch <= 6);
}

TEST_CASE("a paused queue keeps its jobs and starts none", "[scheduler]") {
    Scheduler s({queue_named("default", 2)}, 0);
    const JobId a = submit(s);
    REQUIRE(s.set_paused("default", true).ok());
    CHECK(s.paused(0));
    CHECK(s.take_runnable(T0).empty());
    CHECK(state_of(s, a) == JobState::pending);
    CHECK(s.why_waiting(a, T0) == "queue default is paused");
    CHECK(s.stats(0).paused);
    REQUIRE(s.set_paused("default", false).ok());
    CHECK(s.take_runnable(T0) == std::vector<JobId>{a});
    Status unknown = s.set_paused("nope", true);
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error() == "no queue named \"nope\"");
}

TEST_CASE("a delayed job becomes pending at exactly its time", "[scheduler]") {
    Scheduler s({}, 0);
    JobSpec later = spec_in();
    later.run_at = T0 + 10 * kSec;
    JobSpec sooner = spec_in();
    sooner.run_at = T0 + 5 * kSec;
    const JobId a = submit(s, later);
    const JobId b = submit(s, sooner);
    CHECK(state_of(s, a) == JobState::scheduled);
    CHECK(status_of(s, a).run_at == T0 + 10 * kSec);
    CHECK(s.next_due() == T0 + 5 * kSec);
    CHECK(s.why_waiting(a, T0) == "waiting until 2026-11-22T10:00:10Z");
    CHECK(s.take_runnable(T0).empty());
    s.promote_due(T0 + 5 * kSec - 1);
    CHECK(state_of(s, b) == JobState::scheduled);
    s.promote_due(T0 + 5 * kSec);
    CHECK(state_of(s, b) == JobState::pending);
    CHECK(state_of(s, a) == JobState::scheduled);
    CHECK(s.next_due() == T0 + 10 * kSec);
    s.promote_due(T0 + 10 * kSec);
    CHECK(state_of(s, a) == JobState::pending);
    CHECK_FALSE(s.next_due());
    CHECK(s.take_runnable(T0 + 10 * kSec) == std::vector<JobId>{b});
}

TEST_CASE("a run_at in the past is pending at once", "[scheduler]") {
    Scheduler s({}, 0);
    JobSpec past = spec_in();
    past.run_at = T0 - kSec;
    const JobId a = submit(s, past);
    CHECK(state_of(s, a) == JobState::pending);
    CHECK_FALSE(s.next_due());
}

TEST_CASE("exit 75 yields: pending again, same attempt, at the back", "[scheduler]") {
    Scheduler s({}, 0);
    const JobId a = submit(s);
    start_one(s, a);
    const JobId b = submit(s);
    s.finished(a, ExitStatus{75, 0}, T0 + kSec, kMidJitter);
    const JobStatus& st = status_of(s, a);
    CHECK(st.state == JobState::pending);
    CHECK(st.attempt == 1);
    CHECK(st.repeat_attempt);
    CHECK(st.reason == "yielded (exit 75)");
    CHECK(st.last_exit == ExitStatus{75, 0});
    start_one(s, b);
    succeed(s, b);
    start_one(s, a, T0 + 2 * kSec);
    CHECK(st.attempt == 1);
    CHECK(st.runs == 2);
    CHECK_FALSE(st.repeat_attempt);
    CHECK(st.reason.empty());
}

TEST_CASE("a failure is retried after the backoff, then the job is dead", "[scheduler]") {
    QueueSettings q = queue_named("default");
    q.max_attempts = 3;
    q.retry_delay = 10s;
    Scheduler s({q}, 0);
    const JobId a = submit(s);
    start_one(s, a);
    fail(s, a, T0 + kSec);
    const JobStatus& st = status_of(s, a);
    const WallUs first_retry = T0 + kSec + retry_backoff(10s, 1h, 1, kMidJitter).count();
    CHECK(st.state == JobState::scheduled);
    CHECK(st.run_at == first_retry);
    CHECK(st.reason == "attempt 1 of 3 failed (exit code 1); retrying");
    CHECK(st.finished_at == 0);
    CHECK(s.next_due() == first_retry);
    s.promote_due(first_retry);
    start_one(s, a, first_retry);
    CHECK(st.attempt == 2);
    s.finished(a, ExitStatus{0, 9}, first_retry, kMidJitter);
    CHECK(st.reason == "attempt 2 of 3 failed (killed by signal KILL); retrying");
    CHECK(st.run_at == first_retry + retry_backoff(10s, 1h, 2, kMidJitter).count());
    s.promote_due(st.run_at);
    start_one(s, a, st.run_at);
    s.finished(a, ExitStatus{0, 15}, T0 + 100 * kSec, kMidJitter, "timed out after 5s");
    CHECK(st.state == JobState::dead);
    CHECK(st.reason == "timed out after 5s");
    CHECK(st.finished_at == T0 + 100 * kSec);
    CHECK(st.attempt == 3);
    CHECK(st.last_exit == ExitStatus{0, 15});
    CHECK(s.stats(0).finished_bad == 1);
}

TEST_CASE("a job with one attempt ends failed", "[scheduler]") {
    Scheduler s({}, 0);
    JobSpec twice = spec_in();
    twice.max_attempts = 2;
    const JobId a = submit(s);
    const JobId b = submit(s, twice);
    CHECK(status_of(s, a).max_attempts == 1);
    CHECK(status_of(s, b).max_attempts == 2);
    start_one(s, a);
    fail(s, a, T0, 127);
    CHECK(state_of(s, a) == JobState::failed);
    CHECK(status_of(s, a).reason == "exit code 127");
}

TEST_CASE("interrupt re-queues a running job without using an attempt", "[scheduler]") {
    Scheduler s({}, 0);
    const JobId a = submit(s);
    start_one(s, a);
    s.set_process(a, 4242, 99);
    CHECK(status_of(s, a).pid == 4242);
    s.interrupt(a, "tendd stopped");
    const JobStatus& st = status_of(s, a);
    CHECK(st.state == JobState::pending);
    CHECK(st.interrupted);
    CHECK(st.repeat_attempt);
    CHECK(st.pid == 0);
    CHECK(st.reason == "tendd stopped");
    start_one(s, a, T0 + kSec);
    CHECK(st.attempt == 1);
    CHECK(st.runs == 2);
    CHECK_FALSE(st.interrupted);
}

TEST_CASE("interrupting a job whose cancel was requested ends it cancelled", "[scheduler]") {
    Scheduler s({}, 0);
    const JobId a = submit(s);
    start_one(s, a);
    REQUIRE(s.cancel(a, T0 + kSec).ok());
    s.interrupt(a, "tendd stopped");
    CHECK(state_of(s, a) == JobState::cancelled);
    CHECK(status_of(s, a).reason == "cancelled by user");
    CHECK(s.take_runnable(T0).empty());
}

TEST_CASE("a moved scheduler keeps working", "[scheduler]") {
    Scheduler s({queue_named("default", 2)}, 0);
    const JobId a = submit(s);
    Scheduler moved(std::move(s));
    const JobId b = submit(moved);
    CHECK(moved.take_runnable(T0) == std::vector<JobId>{a, b});
    Scheduler assigned({}, 0);
    assigned = std::move(moved);
    succeed(assigned, a);
    CHECK(state_of(assigned, a) == JobState::succeeded);
}

TEST_CASE("lazy indexes stay exact through many cancels and retries", "[scheduler]") {
    Scheduler s({queue_named("default", 3)}, 0);
    std::vector<JobId> now_ids;
    std::vector<JobId> later_ids;
    JobSpec later = spec_in();
    later.run_at = T0 + kSec;
    for (int i = 0; i < 5000; ++i) {
        now_ids.push_back(submit(s));
        later_ids.push_back(submit(s, later));
    }
    for (int i = 0; i < 5000; ++i) {
        if (i % 1000 == 0) continue;
        REQUIRE(s.cancel(now_ids[i], T0).ok());
        REQUIRE(s.cancel(later_ids[i], T0).ok());
    }
    REQUIRE(s.retry(now_ids[4999], T0).ok());
    CHECK(s.stats(0).pending == 11);
    CHECK(s.next_due() == T0 + kSec);
    s.promote_due(T0 + kSec);
    CHECK(s.why_waiting(now_ids[4999], T0) == "waiting to be started (position 6)");
    std::vector<JobId> order;
    for (int round = 0; round < 10; ++round)
        for (JobId id : s.take_runnable(T0 + kSec)) {
            order.push_back(id);
            succeed(s, id, T0 + kSec);
        }
    const std::vector<JobId> expected = {now_ids[0],      now_ids[1000],   now_ids[2000],
                                         now_ids[3000],   now_ids[4000],   now_ids[4999],
                                         later_ids[0],    later_ids[1000], later_ids[2000],
                                         later_ids[3000], later_ids[4000]};
    CHECK(order == expected);
    CHECK(s.live_count() == 0);
}
