// The cron records of the job log (tend-state(5), format 2): entries added by `tend cron add`
// and the last fired tick of every entry.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "queue/cron/cron_entry.hpp"
#include "supervisor/util/result.hpp"

namespace tend::cron {

// An entry added by `tend cron add` (removed = false, the whole definition), or removed by
// `tend cron remove` (removed = true; only the name matters). The last record per name wins.
struct CronDefRecord {
    CronDef def;
    bool removed = false;
    bool operator==(const CronDefRecord&) const = default;
};

// The last tick of an entry that fired, was skipped or was dropped, and the job of the last
// tick that enqueued one. Ticks that enqueued a job are also known from that job's key, which
// is written in the same record as the job itself; this record covers the rest (skips, drops)
// and carries the state through compaction.
struct CronStateRecord {
    std::string name;
    std::int64_t last_tick_s = 0;  // 0: never
    std::uint64_t last_job = 0;    // 0: none
    bool operator==(const CronStateRecord&) const = default;
};

std::string encode_cron_def(const CronDefRecord& r);
Result<CronDefRecord> decode_cron_def(std::string_view payload);
std::string encode_cron_state(const CronStateRecord& r);
Result<CronStateRecord> decode_cron_state(std::string_view payload);

}  // namespace tend::cron
