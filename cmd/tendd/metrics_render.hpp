// tendd's /metrics: every family of design observability.md §4 that this build has, rendered
// from the services' own state and counters in O(programs + instances + queues + cron entries).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "supervisor/util/prom_text.hpp"

namespace tend {

class Supervisor;
struct DaemonControl;
struct HttpContext;
namespace jobs {
class JobQueue;
class CronService;
}  // namespace jobs

struct MetricsSources {
    std::string version;
    const Supervisor* supervisor = nullptr;
    const jobs::JobQueue* jobs = nullptr;
    const jobs::CronService* cron = nullptr;
    const DaemonControl* control = nullptr;
    std::size_t control_connections = 0;
    const HttpContext* http = nullptr;
    std::size_t http_connections = 0;
    const prom::Histogram* loop_lag = nullptr;
    double process_start_time_s = 0;  // seconds since the epoch
    std::int64_t wall_now_us = 0;     // CLOCK_REALTIME
    std::int64_t mono_now_us = 0;     // CLOCK_MONOTONIC (instance start times)
};

std::string render_metrics(const MetricsSources& s);

}  // namespace tend
