// How the end of a run becomes the PostgreSQL store's finish (design postgres.md §4.6): the
// file store's rules (Scheduler::finished and interrupt, SPEC §6.2, §6.5) as a pure function,
// so a job ends in the same state, with the same reason, whichever store ran it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "queue/core/job.hpp"
#include "queue/core/job_counters.hpp"
#include "queue/core/queue_settings.hpp"

namespace tend::pg {

struct RunEnd {
    jobs::ExitStatus exit;
    std::string reason;  // the process's own: "timed out after 5s", a failed exec
    bool timed_out = false;
    bool cancel_requested = false;  // a cancel of this run reached this host
    bool stopping = false;          // tendd is shutting down (TERM came from it)
    int attempt = 1, max_attempts = 1;
};

struct RunVerdict {
    jobs::JobState state = jobs::JobState::succeeded;  // FinishArgs::state
    std::optional<std::int64_t> run_at_us;             // a retry's due time (wall clock)
    std::string reason;
    std::string outcome;                                     // tend.run.outcome
    jobs::RunOutcome counted = jobs::RunOutcome::succeeded;  // tend_job_runs_total
};

// `now_us` the wall clock, `random01` in [0, 1) for the retry backoff's jitter.
RunVerdict judge_run(const RunEnd& e, const jobs::QueueSettings& q, std::int64_t now_us,
                     double random01);

// "exit code 3" / "killed by signal TERM", as the file store words it.
std::string describe_exit(jobs::ExitStatus exit);

}  // namespace tend::pg
