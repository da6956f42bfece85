// Scheduler dependencies (--after), cancel and retry, including a 100,000-job cascade.
#include <catch2/catch.hpp>

#include "tests/unit/test_scheduler_fixtures.hpp"

using namespace tend;
using namespace tend::jobs;
using namespace tend::jobs::test;

TEST_CASE("a job is blocked until all its --after jobs succeed", "[scheduler]") {
    Scheduler s({queue_named("default", 5)}, 0);
    const JobId a = submit(s);
    const JobId b = submit(s);
    const JobId c = submit(s, after({a, b}));
    CHECK(state_of(s, c) == JobState::blocked);
    CHECK(s.find(c)->unmet_deps == 2);
    CHECK(s.why_waiting(c, T0) == "waiting for jobs 1, 2 to succeed");
    CHECK(s.take_runnable(T0) == std::vector<JobId>{a, b});
    succeed(s, a);
    CHECK(state_of(s, c) == JobState::blocked);
    CHECK(s.why_waiting(c, T0) == "waiting for job 2 to succeed");
    succeed(s, b);
    CHECK(state_of(s, c) == JobState::pending);
    CHECK(s.take_runnable(T0) == std::vector<JobId>{c});
}

TEST_CASE("an --after job that already succeeded is met at submit", "[scheduler]") {
    Scheduler s({}, 0);
    const JobId a = submit(s);
    start_one(s, a);
    succeed(s, a);
    const JobId b = submit(s, after({a}));
    CHECK(state_of(s, b) == JobState::pending);
}

TEST_CASE("a delayed job with dependencies waits for both", "[scheduler]") {
    Scheduler s({}, 0);
    const JobId a = submit(s);
    JobSpec later = after({a});
    later.run_at = T0 + 60 * kSec;
    const JobId b = submit(s, later);
    CHECK(state_of(s, b) == JobState::blocked);
    CHECK(status_of(s, b).run_at == T0 + 60 * kSec);
    CHECK_FALSE(s.next_due());
    start_one(s, a);
    succeed(s, a, T0 + kSec);
    CHECK(state_of(s, b) == JobState::scheduled);
    CHECK(s.next_due() == T0 + 60 * kSec);
    s.promote_due(T0 + 60 * kSec);
    CHECK(state_of(s, b) == JobState::pending);
}

TEST_CASE("a failed dependency cancels its dependents transitively", "[scheduler]") {
    Scheduler s({}, 0);
    const JobId a = submit(s);
    const JobId b = submit(s, after({a}));
    const JobId c = submit(s, after({b}));
    start_one(s, a);
    fail(s, a, T0 + kSec);
    CHECK(state_of(s, a) == JobState::failed);
    CHECK(state_of(s, b) == JobState::cancelled);
    CHECK(status_of(s, b).reason == "dependency 1 failed");
    CHECK(status_of(s, b).finished_at == T0 + kSec);
    CHECK(state_of(s, c) == JobState::cancelled);
    CHECK(status_of(s, c).reason == "dependency 2 was cancelled");
    CHECK(s.live_count() == 0);
}

TEST_CASE("a dead or cancelled dependency cancels its dependents", "[scheduler]") {
    Scheduler s({}, 0);
    JobSpec twice = spec_in();
    twice.max_attempts = 2;
    const JobId a = submit(s, twice);
    const JobId b = submit(s, after({a}));
    start_one(s, a);
    fail(s, a);
    s.promote_due(status_of(s, a).run_at);
    start_one(s, a);
    fail(s, a);
    CHECK(state_of(s, a) == JobState::dead);
    CHECK(status_of(s, b).reason == "dependency 1 is dead");

    const JobId c = submit(s);
    const JobId d = submit(s, after({c}));
    REQUIRE(s.cancel(c, T0).ok());
    CHECK(state_of(s, d) == JobState::cancelled);
    CHECK(status_of(s, d).reason == "dependency 3 was cancelled");
}

TEST_CASE("a submit after a failed or missing job is cancelled at once", "[scheduler]") {
    Scheduler s({}, 0);
    const JobId a = submit(s);
    start_one(s, a);
    fail(s, a);
    s.take_changes();
    const JobId b = submit(s, after({a}));
    CHECK(state_of(s, b) == JobState::cancelled);
    CHECK(status_of(s, b).reason == "dependency 1 failed");
    CHECK(status_of(s, b).finished_at == T0);
    const JobId c = submit(s, after({77}));
    CHECK(status_of(s, c).reason == "dependency 77 does not exist");
    CHECK(s.take_changes() == std::vector<JobId>{b, c});
}

TEST_CASE("cancelling the head of a 100,000-job chain does not overflow", "[scheduler]") {
    Scheduler s({}, 0);
    const JobId head = submit(s);
    JobId prev = head;
    for (int i = 0; i < 100000; ++i) prev = submit(s, after({prev}));
    REQUIRE(s.cancel(head, T0).ok());
    CHECK(state_of(s, prev) == JobState::cancelled);
    CHECK(status_of(s, prev).reason == "dependency " + std::to_string(prev - 1) + " was cancelled");
    CHECK(s.live_count() == 0);
    CHECK(s.take_changes().size() == 100001);
}

TEST_CASE("cancel ends waiting jobs and asks running ones to stop", "[scheduler]") {
    Scheduler s({}, 0);
    const JobId a = submit(s);
    const JobId b = submit(s);
    JobSpec later = spec_in();
    later.run_at = T0 + kSec;
    const JobId c = submit(s, later);
    start_one(s, a);
    REQUIRE(s.cancel(b, T0 + 1).ok());
    CHECK(state_of(s, b) == JobState::cancelled);
    CHECK(status_of(s, b).finished_at == T0 + 1);
    CHECK(status_of(s, b).reason == "cancelled by user");
    REQUIRE(s.cancel(c, T0 + 1, "replaced").ok());
    CHECK(status_of(s, c).reason == "replaced");
    s.promote_due(T0 + kSec);
    CHECK(state_of(s, c) == JobState::cancelled);

    REQUIRE(s.cancel(a, T0 + 2, "cancelled by user").ok());
    CHECK(state_of(s, a) == JobState::running);
    CHECK(status_of(s, a).cancel_requested);
    CHECK(s.cancel(a, T0 + 3).ok());  // a second request is not an error
    s.finished(a, ExitStatus{0, 15}, T0 + 4, kMidJitter);
    CHECK(state_of(s, a) == JobState::cancelled);
    CHECK(status_of(s, a).finished_at == T0 + 4);
    CHECK(status_of(s, a).last_exit == ExitStatus{0, 15});

    Status again = s.cancel(a, T0 + 5);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error() == "job 1 has already been cancelled");
    CHECK(s.cancel(99, T0).error() == "no job 99");
}

TEST_CASE("a cancelled pending job keeps no second place when retried", "[scheduler]") {
    Scheduler s({queue_named("default", 5)}, 0);
    const JobId a = submit(s);
    const JobId b = submit(s);
    REQUIRE(s.cancel(a, T0).ok());
    REQUIRE(s.retry(a, T0).ok());
    CHECK(s.why_waiting(b, T0) == "waiting to be started (position 2)");
    CHECK(s.take_runnable(T0) == std::vector<JobId>{a, b});
    CHECK(s.take_runnable(T0).empty());
}

TEST_CASE("retry runs a failed job again from its first attempt", "[scheduler]") {
    Scheduler s({}, 0);
    const JobId a = submit(s);
    start_one(s, a);
    fail(s, a);
    REQUIRE(s.retry(a, T0 + kSec).ok());
    const JobStatus& st = status_of(s, a);
    CHECK(st.state == JobState::pending);
    CHECK(st.attempt == 0);
    CHECK(st.finished_at == 0);
    CHECK(st.reason == "retried");
    start_one(s, a);
    CHECK(st.attempt == 1);
    CHECK(st.runs == 2);

    Status running = s.retry(a, T0);
    REQUIRE_FALSE(running.ok());
    CHECK(running.error() ==
          "job 1 is running; only failed, dead or cancelled jobs can be retried");
    CHECK(s.retry(42, T0).error() == "no job 42");
    succeed(s, a, T0 + 1);
    CHECK(s.retry(a, T0 + 2).error() ==
          "job 1 has already succeeded; only failed, dead or cancelled jobs can be retried");
    CHECK(s.cancel(a, T0 + 2).error() == "job 1 has already succeeded");
}

TEST_CASE("retry re-evaluates dependencies", "[scheduler]") {
    Scheduler s({queue_named("default", 5)}, 0);
    const JobId a = submit(s);
    const JobId b = submit(s, after({a}));
    start_one(s, a);
    fail(s, a);
    Status first = s.retry(b, T0);
    REQUIRE_FALSE(first.ok());
    CHECK(first.error() == "dependency 1 failed; retry it first");
    REQUIRE(s.retry(a, T0).ok());
    REQUIRE(s.retry(b, T0).ok());
    CHECK(state_of(s, b) == JobState::blocked);
    start_one(s, a);
    succeed(s, a);
    CHECK(state_of(s, b) == JobState::pending);
}

TEST_CASE("a dependent retried while its dependencies run counts each once", "[scheduler]") {
    Scheduler s({queue_named("default", 5)}, 0);
    const JobId a = submit(s);
    const JobId b = submit(s);
    const JobId c = submit(s, after({a, b}));
    REQUIRE(s.cancel(c, T0).ok());
    REQUIRE(s.retry(c, T0).ok());
    CHECK(s.find(c)->unmet_deps == 2);
    CHECK(s.take_runnable(T0) == std::vector<JobId>{a, b});
    succeed(s, a);
    CHECK(state_of(s, c) == JobState::blocked);
    succeed(s, b);
    CHECK(state_of(s, c) == JobState::pending);
}

TEST_CASE("a key is held while its job is unfinished", "[scheduler]") {
    Scheduler s({}, 0);
    JobSpec keyed = spec_in();
    keyed.key = "nightly";
    const JobId a = submit(s, keyed);
    CHECK(s.find_key(0, "nightly") == a);
    start_one(s, a);
    CHECK(s.find_key(0, "nightly") == a);
    fail(s, a);
    CHECK_FALSE(s.find_key(0, "nightly"));
    const JobId b = submit(s, keyed);
    CHECK(s.find_key(0, "nightly") == b);
    Status held = s.retry(a, T0);
    REQUIRE_FALSE(held.ok());
    CHECK(held.error() == "key nightly is held by job 2");
    REQUIRE(s.cancel(b, T0).ok());
    CHECK_FALSE(s.find_key(0, "nightly"));
    REQUIRE(s.retry(a, T0).ok());
    CHECK(s.find_key(0, "nightly") == a);
}

TEST_CASE("keys are per user: one user's key never holds another's", "[scheduler]") {
    Scheduler s({}, 0);
    JobSpec mine = spec_in();
    mine.key = "deploy";
    mine.uid = 1001;
    const JobId a = submit(s, mine);
    CHECK(s.find_key(1001, "deploy") == a);
    CHECK_FALSE(s.find_key(0, "deploy"));
    CHECK_FALSE(s.find_key(1002, "deploy"));
    JobSpec roots = spec_in();
    roots.key = "deploy";
    roots.uid = 0;
    const JobId b = submit(s, roots);
    CHECK(b != a);
    CHECK(s.find_key(0, "deploy") == b);
    CHECK(s.find_key(1001, "deploy") == a);
    CHECK(s.find(a)->uid == 1001);
    CHECK(s.find(b)->uid == 0);
}

TEST_CASE("check_submit refuses unknown queues and jobs and full queues", "[scheduler]") {
    QueueSettings q = queue_named("default");
    q.max_pending = 3;
    Scheduler s({q}, 0);
    CHECK_FALSE(s.check_submit(spec_in(), 3));
    auto full = s.check_submit(spec_in(), 4);
    REQUIRE(full);
    CHECK(full->full);
    CHECK_FALSE(full->unknown);
    const JobId a = submit(s);
    submit(s);
    JobSpec later = spec_in();
    later.run_at = T0 + kSec;
    submit(s, later);
    full = s.check_submit(spec_in(), 1);
    REQUIRE(full);
    CHECK(full->message == "queue default is full: 3 jobs waiting (max_pending)");
    start_one(s, a);  // a running job does not count
    CHECK_FALSE(s.check_submit(spec_in(), 1));

    auto unknown = s.check_submit(spec_in("nope"), 1);
    REQUIRE(unknown);
    CHECK(unknown->unknown);
    CHECK(unknown->message == "no queue named \"nope\"");
    s.ensure_queue("old");
    CHECK(s.check_submit(spec_in("old"), 1)->message == "no queue named \"old\"");
    auto missing = s.check_submit(after({42}), 1);
    REQUIRE(missing);
    CHECK(missing->unknown);
    CHECK(missing->message == "no job 42 (--after)");
}

TEST_CASE("a default queue is added when the settings lack one", "[scheduler]") {
    Scheduler s({queue_named("batch")}, 0);
    REQUIRE(s.queue_index("default"));
    CHECK(s.queues().size() == 2);
    CHECK(s.ensure_queue("batch") == 0);
    const std::uint16_t old = s.ensure_queue("old");
    CHECK_FALSE(s.queues()[old].configured);
}
