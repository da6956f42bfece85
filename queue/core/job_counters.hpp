// Counters of the job queue since tendd started (the tend_jobs_* and tend_job_* metrics):
// incremented where the thing happens, never computed from the job table (scrapes cost
// O(queues), not O(jobs)).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "supervisor/util/prom_text.hpp"

namespace tend::jobs {

enum class SubmitSource { cli, cron, spool };
inline constexpr const char* kSubmitSources[] = {"cli", "cron", "spool"};
enum class RefuseReason { full, invalid, io };
inline constexpr const char* kRefuseReasons[] = {"full", "invalid", "io"};
enum class RunOutcome { succeeded, failed, timed_out, yielded, interrupted, cancelled };
inline constexpr const char* kRunOutcomes[] = {"succeeded", "failed",      "timed_out",
                                               "yielded",   "interrupted", "cancelled"};

struct QueueCounters {
    std::array<std::uint64_t, 3> submitted{};  // by SubmitSource
    std::uint64_t deduplicated = 0;
    std::array<std::uint64_t, 3> refused{};  // by RefuseReason
    std::array<std::uint64_t, 6> runs{};     // by RunOutcome
    prom::Histogram wait{prom::wait_buckets()};
    prom::Histogram run{prom::run_buckets()};
};

class JobCounters {
  public:
    QueueCounters& queue(const std::string& name) { return queues_[name]; }
    const std::map<std::string, QueueCounters>& queues() const { return queues_; }
    void submitted(const std::string& q, SubmitSource s, std::uint64_t n = 1) {
        queues_[q].submitted[static_cast<std::size_t>(s)] += n;
    }
    void refused(const std::string& q, RefuseReason r) {
        ++queues_[q].refused[static_cast<std::size_t>(r)];
    }
    // A run ended after `seconds`.
    void run_ended(const std::string& q, RunOutcome o, double seconds) {
        QueueCounters& c = queues_[q];
        ++c.runs[static_cast<std::size_t>(o)];
        c.run.observe(seconds);
    }

  private:
    std::map<std::string, QueueCounters> queues_;
};

}  // namespace tend::jobs
