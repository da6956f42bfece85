// [cron.NAME] tables of tend.toml (SPEC §3, §7): schedule, zone, command and policies.
#include <sys/stat.h>

#include <algorithm>

#include "queue/cron/cron_expr.hpp"
#include "supervisor/config/config_walker.hpp"

namespace tend::config_detail {

void Walker::crons(const toml::table& t, Config& config) {
    for (auto [k, v] : in_file_order(t)) {
        std::string name(k->str());
        if (auto table = v->as_table()) {
            CronConfig c;
            cron(name, *table, config, c);
            config.crons.push_back(std::move(c));
        } else {
            error_at(v->source(), "\"cron." + name + "\" must be a table");
        }
    }
}

void Walker::cron(const std::string& name, const toml::table& t, const Config& config,
                  CronConfig& c) {
    const std::string section = "cron." + name;
    cron::CronDef& d = c.def;
    d.name = name;
    d.from_config = true;
    c.pos = pos_of(t);
    if (!cron::valid_cron_name(name))
        error_at(t.source(), "invalid cron entry name \"" + name +
                                 "\": use letters, digits, '-', '_' and '.', at most 64");
    check_keys(t, section,
               {"schedule", "timezone", "command", "queue", "overlap", "catch_up",
                "catch_up_window", "jitter", "directory", "environment"});
    if (auto n = t.get("schedule")) {
        if (auto s = as_string(*n, "schedule")) {
            d.schedule = *s;
            if (auto e = cron::parse_cron(*s); !e)
                error_at(n->source(), "\"schedule\": \"" + *s + "\": " + e.error());
        }
    } else {
        error_at(t.source(), "[" + section + "] has no \"schedule\"");
    }
    if (auto n = t.get("timezone")) {
        if (auto s = as_string(*n, "timezone")) {
            d.timezone = *s;
            if (!cron::zone_known(*s))
                error_at(n->source(), "\"timezone\": unknown time zone \"" + *s +
                                          "\" (not in the tz database, /usr/share/zoneinfo)");
        }
    }
    if (auto n = t.get("command")) {
        if (n->is_string()) {
            d.shell = true;
            d.argv = {n->as_string()->get()};
            if (d.argv[0].empty()) error_at(n->source(), "\"command\" is empty");
        } else if (auto argv = command(*n)) {
            d.argv = std::move(*argv);
        }
    } else {
        error_at(t.source(), "[" + section + "] has no \"command\"");
    }
    if (auto n = t.get("queue")) {
        if (auto s = as_string(*n, "queue")) {
            d.queue = *s;
            if (std::none_of(config.queues.begin(), config.queues.end(),
                             [&](const QueueConfig& q) { return q.name == *s; }))
                error_at(n->source(), "\"queue\": no [queue." + *s + "] in this file");
        }
    }
    if (auto n = t.get("overlap")) {
        if (auto s = as_string(*n, "overlap")) {
            if (auto o = cron::parse_overlap(*s))
                d.overlap = *o;
            else
                error_at(n->source(), "\"overlap\" must be skip, allow or replace");
        }
    }
    if (auto n = t.get("catch_up")) {
        if (auto s = as_string(*n, "catch_up")) {
            if (auto cu = cron::parse_catch_up(*s))
                d.catch_up = *cu;
            else
                error_at(n->source(), "\"catch_up\" must be none, latest or all");
        }
    }
    if (auto n = t.get("catch_up_window"))
        if (auto v = duration(*n, "catch_up_window")) d.catch_up_window_us = v->count();
    if (auto n = t.get("jitter"))
        if (auto v = duration(*n, "jitter")) d.jitter_us = v->count();
    if (auto n = t.get("directory"))
        if (auto dir = directory(*n)) d.cwd = std::move(*dir);
    if (auto n = t.get("environment")) {
        std::map<std::string, std::string> env;
        environment(*n, env);
        for (const auto& [k, v] : env) d.env.push_back(k + "=" + v);
    }
}

}  // namespace tend::config_detail
