// The end of a run as the file store judges it (pg_model_exit.hpp).
#include "queue/pg/pg_model_exit.hpp"

#include "queue/core/backoff.hpp"
#include "supervisor/util/signals.hpp"

namespace tend::pg {

namespace {
constexpr int kYieldCode = 75;  // EX_TEMPFAIL: run the same attempt again
}  // namespace

std::string describe_exit(jobs::ExitStatus exit) {
    if (exit.signal != 0) return "killed by signal " + signal_name(exit.signal);
    return "exit code " + std::to_string(exit.code);
}

RunVerdict judge_run(const RunEnd& e, const jobs::QueueSettings& q, std::int64_t now_us,
                     double random01) {
    using jobs::JobState;
    using jobs::RunOutcome;
    RunVerdict v;
    const bool clean = e.exit.signal == 0 && !e.timed_out;
    const bool failure = !clean || (e.exit.code != 0 && e.exit.code != kYieldCode);
    if (e.stopping && failure && !e.timed_out && !e.cancel_requested) {
        // Stopped by the shutdown, not by its own fault: no attempt is used (SPEC §6.5).
        v.state = JobState::pending;
        v.reason = "interrupted by the shutdown of tendd; re-queued";
        v.outcome = "interrupted";
        v.counted = RunOutcome::interrupted;
        return v;
    }
    if (e.cancel_requested) {
        // The database keeps the cancel's own reason (finish: cancel_requested wins).
        v.state = JobState::cancelled;
        v.reason = "cancelled by user";
        v.outcome = "cancelled";
        v.counted = RunOutcome::cancelled;
        return v;
    }
    if (!failure && e.exit.code == 0) {
        v.state = JobState::succeeded;
        v.outcome = "succeeded";
        v.counted = RunOutcome::succeeded;
        return v;
    }
    if (!failure) {  // exit 75
        v.state = JobState::pending;
        v.reason = "yielded (exit 75)";
        v.outcome = "yielded";
        v.counted = RunOutcome::yielded;
        return v;
    }
    const std::string why = e.reason.empty() ? describe_exit(e.exit) : e.reason;
    v.outcome = e.timed_out ? "timeout" : "failed";
    v.counted = e.timed_out ? RunOutcome::timed_out : RunOutcome::failed;
    if (e.attempt < e.max_attempts) {
        const Usec delay =
            jobs::retry_backoff(q.retry_delay, q.retry_delay_max,
                                static_cast<std::uint32_t>(std::max(1, e.attempt)), random01);
        v.state = JobState::scheduled;
        v.run_at_us = now_us + delay.count();
        v.reason = "attempt " + std::to_string(e.attempt) + " of " +
                   std::to_string(e.max_attempts) + " failed (" + why + "); retrying";
        return v;
    }
    v.state = e.max_attempts <= 1 ? JobState::failed : JobState::dead;
    v.reason = why;
    return v;
}

}  // namespace tend::pg
