// What the job log knows about cron: entries added by `tend cron add` and every entry's last
// tick and job. Filled by replay, written back whole at compaction. Pure.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "queue/cron/cron_records.hpp"

namespace tend::cron {

struct CronState {
    std::int64_t last_tick_s = 0;  // 0: never fired, skipped or dropped a tick
    std::uint64_t last_job = 0;    // 0: no job yet
    bool operator==(const CronState&) const = default;
};

class CronBook {
  public:
    // Replay, in log order: the last definition record per name wins; a state record or a
    // committed tick job moves the last tick forward only (so records are idempotent and a
    // torn batch can never move it back).
    void apply(const CronDefRecord& r);
    void apply(const CronStateRecord& r);
    void apply_tick_job(const std::string& name, std::int64_t tick_s, std::uint64_t job);

    const std::map<std::string, CronDef>& cli_defs() const { return cli_defs_; }
    const std::map<std::string, CronState>& states() const { return states_; }
    CronState state(const std::string& name) const;
    void set_state(const std::string& name, CronState s) { states_[name] = s; }
    // Forgets the state of entries that no longer exist (neither in the config nor added).
    void forget(const std::string& name) { states_.erase(name); }

    // Frames (RecordType cron_def, cron_state) that rebuild this book: the head of a
    // compacted log.
    std::string snapshot_frames() const;

  private:
    std::map<std::string, CronDef> cli_defs_;
    std::map<std::string, CronState> states_;
};

}  // namespace tend::cron
