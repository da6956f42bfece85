// The cron commands of tendd: list, add, remove, run and next (SPEC §4, §7).
#include <algorithm>

#include "queue/cron/cron_records.hpp"
#include "queue/daemon/cron_service.hpp"
#include "supervisor/util/names.hpp"
#include "supervisor/util/signals.hpp"

namespace tend::jobs {

namespace {
using json = nlohmann::json;
using Kind = JobReply::Kind;
}  // namespace

json CronService::entry_json(const Entry& e) const {
    json last_job = nullptr;
    if (e.state.last_job != 0) {
        last_job = {{"id", e.state.last_job}};
        if (const auto j = opt_.jobs->job_brief(e.state.last_job)) {
            last_job["state"] = to_string(j->state);
            const auto& x = j->last_exit;
            last_job["exit_status"] = !x          ? json(nullptr)
                                      : x->signal ? json{{"signal", signal_name(x->signal)}}
                                                  : json{{"code", x->code}};
        } else {
            last_job["state"] = "pruned";
            last_job["exit_status"] = nullptr;
        }
    }
    json command = e.def.argv;
    return {
        {"name", e.def.name},
        {"schedule", e.def.schedule},
        {"timezone", cron::zone_name(e.zone)},
        {"source", e.def.from_config ? "config" : "cli"},
        {"uid", e.def.uid},
        {"queue", e.def.queue},
        {"command", command},
        {"shell", e.def.shell},
        {"overlap", cron::to_string(e.def.overlap)},
        {"catch_up", cron::to_string(e.def.catch_up)},
        {"last_tick", e.state.last_tick_s
                          ? json(cron::format_iso(cron::sys_at(e.state.last_tick_s), e.zone))
                          : json(nullptr)},
        {"last_fire", e.last_fire_s ? json(cron::format_iso(cron::sys_at(e.last_fire_s), e.zone))
                                    : json(nullptr)},
        {"next_fire",
         e.next_s ? json(cron::format_iso(cron::sys_at(e.next_s), e.zone)) : json(nullptr)},
        {"last_job", last_job}};
}

JobReply CronService::list() const {
    json out = json::array();
    for (const auto& [name, e] : entries_) out.push_back(entry_json(e));
    return JobReply::ok(out);
}

void CronService::add(CronAddRequest r, JobReplier reply) {
    cron::CronDef& d = r.def;
    if (auto e = name_error(d.name, NameKind::cron_entry))
        return reply(JobReply::error(Kind::bad_request, *e));
    if (entries_.count(d.name))
        return reply(JobReply::error(
            Kind::failed, "cron entry " + d.name + " already exists (" +
                              (entries_.at(d.name).def.from_config ? "in the config"
                                                                   : "added with tend cron add") +
                              ")"));
    if (d.argv.empty() || d.argv[0].empty())
        return reply(JobReply::error(Kind::bad_request, "\"argv\" must name a command"));
    if (d.cwd.empty() || d.cwd[0] != '/')
        return reply(JobReply::error(Kind::bad_request, "\"cwd\" must be an absolute path"));
    if (d.catch_up_window_us < 0 || d.jitter_us < 0)
        return reply(JobReply::error(Kind::bad_request, "durations must not be negative"));
    if (!opt_.jobs->has_queue(d.queue))
        return reply(JobReply::error(Kind::invalid, "no queue named " + d.queue));
    auto entry = make_entry(d);
    if (!entry) return reply(JobReply::error(Kind::invalid, entry.error()));
    d.from_config = false;
    d.created_at_us = opt_.jobs->now();
    CronRecords records{{cron::CronDefRecord{d, false}}, {}};
    cron::CronDef def = d;
    opt_.jobs->write_cron(std::move(records), true, [this, def, reply](Status st) {
        if (!st) return reply(JobReply::error(Kind::failed, "entry not stored: " + st.error()));
        if (entries_.count(def.name))
            return reply(
                JobReply::error(Kind::failed, "cron entry " + def.name + " already exists"));
        auto e = make_entry(def);
        if (!e) return reply(JobReply::error(Kind::invalid, e.error()));
        opt_.jobs->cron_book().apply(cron::CronDefRecord{def, false});
        adopt(std::move(*e), true);
        Entry& en = entries_.at(def.name);
        auto next = cron::next_fire(en.expr, en.zone, cron::sys_at(en.state.last_tick_s));
        en.next_s = next ? next->time_since_epoch().count() : 0;
        arm();
        reply(JobReply::ok(entry_json(en)));
    });
}

std::optional<CronService::Owner> CronService::owner_of(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) return std::nullopt;
    return Owner{it->second.def.uid, it->second.def.from_config};
}

void CronService::remove(const std::string& name, JobReplier reply) {
    auto it = entries_.find(name);
    if (it == entries_.end())
        return reply(JobReply::error(Kind::not_found, "no cron entry named " + name));
    if (it->second.def.from_config)
        return reply(JobReply::error(
            Kind::failed, "cron entry " + name + " is defined in " +
                              (opt_.config_file.empty() ? "the config" : opt_.config_file) +
                              "; remove it there (tend cron remove only removes entries added "
                              "with tend cron add)"));
    cron::CronDefRecord rec;
    rec.def.name = name;
    rec.removed = true;
    opt_.jobs->write_cron({{rec}, {}}, true, [this, name, rec, reply](Status st) {
        if (!st) return reply(JobReply::error(Kind::failed, "not removed: " + st.error()));
        opt_.jobs->cron_book().apply(rec);
        entries_.erase(name);
        arm();
        reply(JobReply::ok({{"name", name}, {"removed", true}}));
    });
}

void CronService::run(const std::string& name, JobReplier reply) {
    auto it = entries_.find(name);
    if (it == entries_.end())
        return reply(JobReply::error(Kind::not_found, "no cron entry named " + name));
    Entry& e = it->second;
    const std::string iso = cron::format_iso(cron::sys_at(now_s()), e.zone);
    opt_.jobs->submit_internal(
        {job_spec(e)}, job_env(e, iso), [this, name, reply](Result<std::vector<JobId>> ids) {
            if (!ids) return reply(JobReply::error(Kind::failed, "job not stored: " + ids.error()));
            if (auto it = entries_.find(name); it != entries_.end()) {
                it->second.state.last_job = ids->front();
                opt_.jobs->cron_book().set_state(name, it->second.state);
                save_state(it->second);
            }
            reply(JobReply::ok({{"id", ids->front()}, {"name", name}}));
        });
}

JobReply CronService::next(const std::string& name, std::int64_t from_s, std::size_t n) const {
    auto it = entries_.find(name);
    if (it == entries_.end())
        return JobReply::error(Kind::not_found, "no cron entry named " + name);
    const Entry& e = it->second;
    json times = json::array();
    for (auto t : cron::next_fires(e.expr, e.zone, cron::sys_at(from_s != 0 ? from_s : now_s()), n))
        times.push_back(cron::format_iso(t, e.zone));
    return JobReply::ok({{"name", name}, {"timezone", cron::zone_name(e.zone)}, {"times", times}});
}

}  // namespace tend::jobs
