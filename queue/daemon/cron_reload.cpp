// Cron at a reload (SPEC §5.6): entries of the config added, removed or changed while tendd runs.
#include <algorithm>

#include "queue/daemon/cron_service.hpp"

namespace tend::jobs {

void CronService::plan_next(Entry& e, std::int64_t now) {
    auto next = cron::next_fire(e.expr, e.zone, cron::sys_at(std::max(now, e.state.last_tick_s)));
    e.next_s = next ? next->time_since_epoch().count() : 0;
}

void CronService::reconfigure(const std::vector<CronConfig>& config) {
    if (opt_.jobs->stopping()) return;
    // What is due under the old schedules fires now: a schedule changed at its tick loses none.
    evaluate(false);
    cron::CronBook& book = opt_.jobs->cron_book();
    const std::int64_t now = now_s();
    auto in_config = [&](const std::string& name) {
        return std::any_of(config.begin(), config.end(),
                           [&](const CronConfig& c) { return c.def.name == name; });
    };
    std::vector<std::string> removed;
    for (const auto& [name, e] : entries_)
        if (e.def.from_config && !in_config(name)) removed.push_back(name);
    for (const auto& name : removed) {
        entries_.erase(name);  // a tick job being stored finds no entry and is left alone
        opt_.info("cron " + name + ": removed from the config; it no longer fires");
        // As at start: an entry of `tend cron add` of that name was hidden by the config's.
        auto cli = book.cli_defs().find(name);
        if (cli != book.cli_defs().end()) {
            if (auto e = make_entry(cli->second)) {
                adopt(std::move(*e), book.states().count(name) == 0);
                plan_next(entries_.at(name), now);
                continue;
            }
        }
        book.forget(name);  // dropped from the log at the next compaction
    }
    for (const auto& cc : config) {
        const std::string& name = cc.def.name;
        auto e = make_entry(config_def(cc));
        if (!e) {  // tend check's rules passed; only the tz library can still refuse
            opt_.warn("cron " + name + ": not changed by the reload: " + e.error());
            continue;
        }
        auto it = entries_.find(name);
        if (it != entries_.end() && it->second.def.from_config) {
            Entry& old = it->second;
            if (old.def == e->def) continue;
            e->state = old.state;
            e->in_flight = old.in_flight;
            e->last_fire_s = old.last_fire_s;
            plan_next(*e, now);
            old = std::move(*e);
            opt_.info("cron " + name + ": changed by a reload");
            continue;
        }
        if (it != entries_.end())
            opt_.warn("cron entry " + name + " added with `tend cron add` is ignored: " +
                      "the config now defines an entry of the same name");
        adopt(std::move(*e), book.states().count(name) == 0);
        plan_next(entries_.at(name), now);
        opt_.info("cron " + name + ": added by a reload");
    }
    arm();
}

}  // namespace tend::jobs
