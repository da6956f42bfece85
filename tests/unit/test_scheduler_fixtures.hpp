// Shared helpers of the Scheduler tests: queues, specs, submitting, running and ending jobs.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "queue/core/scheduler.hpp"

namespace tend::jobs::test {

using namespace std::chrono_literals;

constexpr WallUs kSec = 1000000;
constexpr WallUs T0 = 1795341600LL * kSec;  // 2026-11-22T10:00:00Z
constexpr double kMidJitter = 0.5;

inline QueueSettings queue_named(std::string name, int concurrency = 1, int weight = 1) {
    QueueSettings q;
    q.name = std::move(name);
    q.concurrency = concurrency;
    q.weight = weight;
    return q;
}

inline JobSpec spec_in(std::string queue = "default") {
    JobSpec s;
    s.queue = std::move(queue);
    s.argv = {"true"};
    s.submitted_at = T0;
    return s;
}

// Submits like the daemon: an allocated id, then add().
inline JobId submit(Scheduler& s, JobSpec spec = spec_in(), WallUs now = T0) {
    spec.id = s.allocate_id();
    s.add(spec, 10, now);
    return spec.id;
}

inline JobSpec after(std::vector<JobId> deps, std::string queue = "default") {
    JobSpec s = spec_in(std::move(queue));
    s.after = std::move(deps);
    return s;
}

inline JobState state_of(const Scheduler& s, JobId id) {
    const JobEntry* e = s.find(id);
    REQUIRE(e != nullptr);
    return e->status.state;
}

inline const JobStatus& status_of(const Scheduler& s, JobId id) {
    const JobEntry* e = s.find(id);
    REQUIRE(e != nullptr);
    return e->status;
}

inline void succeed(Scheduler& s, JobId id, WallUs now = T0) {
    s.finished(id, ExitStatus{0, 0}, now, kMidJitter);
}

inline void fail(Scheduler& s, JobId id, WallUs now = T0, int code = 1) {
    s.finished(id, ExitStatus{code, 0}, now, kMidJitter);
}

// Starts exactly `id` (it must be the next job dispatched).
inline void start_one(Scheduler& s, JobId id, WallUs now = T0) {
    std::vector<JobId> started = s.take_runnable(now);
    REQUIRE(started == std::vector<JobId>{id});
}

}  // namespace tend::jobs::test
