// The end of a run on the PostgreSQL store is judged by the file store's rules (pg_model_exit).
#include <catch2/catch.hpp>

#include "queue/pg/pg_model_exit.hpp"

using namespace tend;
using namespace tend::pg;
using jobs::JobState;
using jobs::RunOutcome;

namespace {
jobs::QueueSettings queue() {
    jobs::QueueSettings q;
    q.name = "default";
    q.retry_delay = std::chrono::seconds(2);
    q.retry_delay_max = std::chrono::seconds(60);
    return q;
}
RunEnd ended(int code, int signal = 0, int attempt = 1, int max = 1) {
    RunEnd e;
    e.exit = jobs::ExitStatus{code, signal};
    e.attempt = attempt;
    e.max_attempts = max;
    return e;
}
constexpr std::int64_t kNow = 1'800'000'000'000'000;
}  // namespace

TEST_CASE("a run's end: success, failure, death", "[pg][exit]") {
    auto v = judge_run(ended(0), queue(), kNow, 0.5);
    CHECK(v.state == JobState::succeeded);
    CHECK(v.outcome == "succeeded");
    CHECK(v.reason.empty());
    CHECK_FALSE(v.run_at_us);

    v = judge_run(ended(3), queue(), kNow, 0.5);
    CHECK(v.state == JobState::failed);
    CHECK(v.reason == "exit code 3");
    CHECK(v.counted == RunOutcome::failed);

    // The last of several attempts: dead, as the file store says.
    v = judge_run(ended(0, 9, 3, 3), queue(), kNow, 0.5);
    CHECK(v.state == JobState::dead);
    CHECK(v.reason == "killed by signal KILL");
}

TEST_CASE("a failed attempt with attempts left is retried after the backoff", "[pg][exit]") {
    auto v = judge_run(ended(1, 0, 1, 3), queue(), kNow, 0.0);
    CHECK(v.state == JobState::scheduled);
    REQUIRE(v.run_at_us);
    // Equal jitter: between half and all of 2 s for the first retry.
    CHECK(*v.run_at_us >= kNow + 1'000'000);
    CHECK(*v.run_at_us <= kNow + 2'000'000);
    CHECK(v.reason == "attempt 1 of 3 failed (exit code 1); retrying");
    CHECK(v.outcome == "failed");
}

TEST_CASE("timeout, yield, cancel and shutdown", "[pg][exit]") {
    RunEnd t = ended(0, 15);
    t.timed_out = true;
    t.reason = "timed out after 1s";
    auto v = judge_run(t, queue(), kNow, 0.5);
    CHECK(v.state == JobState::failed);
    CHECK(v.reason == "timed out after 1s");
    CHECK(v.outcome == "timeout");
    CHECK(v.counted == RunOutcome::timed_out);

    v = judge_run(ended(75), queue(), kNow, 0.5);
    CHECK(v.state == JobState::pending);
    CHECK(v.outcome == "yielded");

    RunEnd c = ended(0, 15);
    c.cancel_requested = true;
    v = judge_run(c, queue(), kNow, 0.5);
    CHECK(v.state == JobState::cancelled);
    CHECK(v.outcome == "cancelled");

    // TERM from the shutdown: back to pending, no attempt used.
    RunEnd s = ended(0, 15, 1, 1);
    s.stopping = true;
    v = judge_run(s, queue(), kNow, 0.5);
    CHECK(v.state == JobState::pending);
    CHECK(v.outcome == "interrupted");
    // A job that succeeds during the shutdown still succeeded.
    s.exit = jobs::ExitStatus{0, 0};
    CHECK(judge_run(s, queue(), kNow, 0.5).state == JobState::succeeded);
}
