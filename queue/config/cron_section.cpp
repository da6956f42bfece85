// [cron.NAME] tables of tend.toml (SPEC §3, §7): schedule, zone, command and policies.
#include <sys/stat.h>

#include <algorithm>

#include "queue/config/section_parsers.hpp"
#include "queue/cron/cron_expr.hpp"
#include "supervisor/util/names.hpp"

namespace tend::queue_config {
namespace {

using config_detail::Walker;

void cron_entry(Walker& w, const std::string& name, const toml::table& t,
                const std::vector<QueueConfig>& queues, CronConfig& c) {
    const std::string section = "cron." + name;
    cron::CronDef& d = c.def;
    d.name = name;
    d.from_config = true;
    c.pos = w.pos_of(t);
    if (auto e = name_error(name, NameKind::cron_entry)) w.error_at(t.source(), *e);
    w.check_keys(t, section,
                 {"schedule", "timezone", "command", "queue", "overlap", "catch_up",
                  "catch_up_window", "jitter", "directory", "environment"});
    if (auto n = t.get("schedule")) {
        if (auto s = w.as_string(*n, "schedule")) {
            d.schedule = *s;
            if (auto e = cron::parse_cron(*s); !e)
                w.error_at(n->source(), "\"schedule\": \"" + *s + "\": " + e.error());
        }
    } else {
        w.error_at(t.source(), "[" + section + "] has no \"schedule\"");
    }
    if (auto n = t.get("timezone")) {
        if (auto s = w.as_string(*n, "timezone")) {
            d.timezone = *s;
            if (!cron::zone_known(*s))
                w.error_at(n->source(), "\"timezone\": unknown time zone \"" + *s +
                                            "\" (not in the tz database, /usr/share/zoneinfo)");
        }
    }
    if (auto n = t.get("command")) {
        if (n->is_string()) {
            d.shell = true;
            d.argv = {n->as_string()->get()};
            if (d.argv[0].empty()) w.error_at(n->source(), "\"command\" is empty");
        } else if (auto argv = w.command(*n)) {
            d.argv = std::move(*argv);
        }
    } else {
        w.error_at(t.source(), "[" + section + "] has no \"command\"");
    }
    if (auto n = t.get("queue")) {
        if (auto s = w.as_string(*n, "queue")) {
            d.queue = *s;
            if (std::none_of(queues.begin(), queues.end(),
                             [&](const QueueConfig& q) { return q.name == *s; }))
                w.error_at(n->source(), "\"queue\": no [queue." + *s + "] in this file");
        }
    }
    if (auto n = t.get("overlap")) {
        if (auto s = w.as_string(*n, "overlap")) {
            if (auto o = cron::parse_overlap(*s))
                d.overlap = *o;
            else
                w.error_at(n->source(), "\"overlap\" must be skip, allow or replace");
        }
    }
    if (auto n = t.get("catch_up")) {
        if (auto s = w.as_string(*n, "catch_up")) {
            if (auto cu = cron::parse_catch_up(*s))
                d.catch_up = *cu;
            else
                w.error_at(n->source(), "\"catch_up\" must be none, latest or all");
        }
    }
    if (auto n = t.get("catch_up_window"))
        if (auto v = w.duration(*n, "catch_up_window")) d.catch_up_window_us = v->count();
    if (auto n = t.get("jitter"))
        if (auto v = w.duration(*n, "jitter")) d.jitter_us = v->count();
    if (auto n = t.get("directory"))
        if (auto dir = w.directory(*n)) d.cwd = std::move(*dir);
    if (auto n = t.get("environment")) {
        std::map<std::string, std::string> env;
        w.environment(*n, env);
        for (const auto& [k, v] : env) d.env.push_back(k + "=" + v);
    }
}

}  // namespace

void parse_crons(const toml::node* node, Walker& w, const std::vector<QueueConfig>& queues,
                 std::vector<CronConfig>& out) {
    if (!node) return;
    auto t = node->as_table();
    if (!t) return w.error_at(node->source(), "\"cron\" must be a table of [cron.NAME] tables");
    for (auto [k, v] : Walker::in_file_order(*t)) {
        std::string name(k->str());
        if (auto table = v->as_table()) {
            CronConfig c;
            cron_entry(w, name, *table, queues, c);
            out.push_back(std::move(c));
        } else {
            w.error_at(v->source(), "\"cron." + name + "\" must be a table");
        }
    }
}

}  // namespace tend::queue_config
