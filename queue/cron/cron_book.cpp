// Replay and snapshot of the cron records.
#include "queue/cron/cron_book.hpp"

#include "queue/core/record_format.hpp"

namespace tend::cron {

void CronBook::apply(const CronDefRecord& r) {
    if (r.removed) {
        cli_defs_.erase(r.def.name);
        states_.erase(r.def.name);
    } else {
        cli_defs_[r.def.name] = r.def;
    }
}

void CronBook::apply(const CronStateRecord& r) {
    CronState& s = states_[r.name];
    if (r.last_tick_s >= s.last_tick_s) s.last_tick_s = r.last_tick_s;
    if (r.last_job > s.last_job) s.last_job = r.last_job;
}

void CronBook::apply_tick_job(const std::string& name, std::int64_t tick_s, std::uint64_t job) {
    CronState& s = states_[name];
    if (tick_s >= s.last_tick_s) s.last_tick_s = tick_s;
    if (job > s.last_job) s.last_job = job;
}

CronState CronBook::state(const std::string& name) const {
    auto it = states_.find(name);
    return it == states_.end() ? CronState{} : it->second;
}

std::string CronBook::snapshot_frames() const {
    std::string out;
    for (const auto& [name, def] : cli_defs_)
        jobs::append_frame(out, jobs::RecordType::cron_def, encode_cron_def({def, false}));
    for (const auto& [name, s] : states_)
        jobs::append_frame(out, jobs::RecordType::cron_state,
                           encode_cron_state({name, s.last_tick_s, s.last_job}));
    return out;
}

}  // namespace tend::cron
