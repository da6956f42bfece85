// The overview page's data in one object (GET /api/summary), built by a pure function from the
// data of the CLI's own replies, so the page and `tend status`/`queues`/`cron list`/`jobs`
// cannot disagree.
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

namespace tend::web {

// How many of the newest jobs the overview looks through for recent failures: bounded work
// per poll whatever the size of the table (tendd(8) DASHBOARD).
inline constexpr std::size_t kRecentJobsScanned = 500;
inline constexpr std::size_t kRecentFailuresShown = 10;
inline constexpr std::size_t kNextCronShown = 5;

struct SummaryInputs {
    nlohmann::json status;  // `tend status --json`
    nlohmann::json queues;  // `tend queues --json`
    nlohmann::json cron;    // `tend cron list --json` (null: no cron in this tendd)
    nlohmann::json recent;  // `tend jobs --json --limit kRecentJobsScanned` as the caller sees it
    double now_s = 0;       // wall time, seconds since the epoch
};

// {"time": S,
//  "instances": {"total": N, "up": N, "ready": N, "down": N, "by_state": {STATE: N}},
//  "programs": [{"name", "instances", "up", "ready", "generation", "by_state"}],
//  "attention": [status entries that are down, in backoff or in cooldown],
//  "queues": the queues, as `tend queues --json`,
//  "jobs": {"pending", "running", "succeeded", "failed"} summed over the queues,
//  "cron_next": the kNextCronShown entries that fire next ({name, schedule, next_fire,
//               next_fire_s}),
//  "recent_failures": failed and dead jobs among the newest kRecentJobsScanned, newest first,
//  "scanned": how many jobs that looked at}
// Entries of an unexpected shape are skipped, never thrown on.
nlohmann::json summary_json(const SummaryInputs& in);

}  // namespace tend::web
