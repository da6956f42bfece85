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
    parse_keys(w, t, section, cron_keys(), c, ParseOptions{});
    // What needs more than one key's value, once all are read.
    if (!t.get("schedule")) w.error_at(t.source(), "[" + section + "] has no \"schedule\"");
    if (!t.get("command")) w.error_at(t.source(), "[" + section + "] has no \"command\"");
    if (auto n = t.get("queue"); n && n->is_string())
        if (std::none_of(queues.begin(), queues.end(),
                         [&](const QueueConfig& q) { return q.name == d.queue; }))
            w.error_at(n->source(), "\"queue\": no [queue." + d.queue + "] in this file");
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

namespace tend {

const std::vector<KeyRow<CronConfig>>& cron_keys() {
    using C = CronConfig;
    static const std::vector<KeyRow<CronConfig>> keys = {
        {"schedule",
         [](const KeyInput& in, C& c) {
             if (auto s = in.w.as_string(in.node, "schedule")) {
                 c.def.schedule = *s;
                 if (auto e = cron::parse_cron(*s); !e)
                     in.w.error_at(in.node.source(), "\"schedule\": \"" + *s + "\": " + e.error());
             }
         }},
        {"timezone",
         [](const KeyInput& in, C& c) {
             if (auto s = in.w.as_string(in.node, "timezone")) {
                 c.def.timezone = *s;
                 if (!cron::zone_known(*s))
                     in.w.error_at(in.node.source(),
                                   "\"timezone\": unknown time zone \"" + *s +
                                       "\" (not in the tz database, /usr/share/zoneinfo)");
             }
         }},
        {"command",
         [](const KeyInput& in, C& c) {
             cron::CronDef& d = c.def;
             if (in.node.is_string()) {
                 d.shell = true;
                 d.argv = {in.node.as_string()->get()};
                 if (d.argv[0].empty()) in.w.error_at(in.node.source(), "\"command\" is empty");
             } else if (auto argv = in.w.command(in.node)) {
                 d.argv = std::move(*argv);
             }
         }},
        // Checked against the file's queues once all sections are read (cron_entry).
        {"queue",
         [](const KeyInput& in, C& c) {
             if (auto s = in.w.as_string(in.node, "queue")) c.def.queue = *s;
         }},
        {"overlap",
         [](const KeyInput& in, C& c) {
             if (auto s = in.w.as_string(in.node, "overlap")) {
                 if (auto o = cron::parse_overlap(*s))
                     c.def.overlap = *o;
                 else
                     in.w.error_at(in.node.source(), "\"overlap\" must be skip, allow or replace");
             }
         }},
        {"catch_up",
         [](const KeyInput& in, C& c) {
             if (auto s = in.w.as_string(in.node, "catch_up")) {
                 if (auto cu = cron::parse_catch_up(*s))
                     c.def.catch_up = *cu;
                 else
                     in.w.error_at(in.node.source(), "\"catch_up\" must be none, latest or all");
             }
         }},
        {"catch_up_window",
         [](const KeyInput& in, C& c) {
             if (auto v = in.w.duration(in.node, "catch_up_window"))
                 c.def.catch_up_window_us = v->count();
         }},
        {"jitter",
         [](const KeyInput& in, C& c) {
             if (auto v = in.w.duration(in.node, "jitter")) c.def.jitter_us = v->count();
         }},
        {"directory",
         [](const KeyInput& in, C& c) {
             if (auto dir = in.w.directory(in.node)) c.def.cwd = std::move(*dir);
         }},
        {"environment",
         [](const KeyInput& in, C& c) {
             std::map<std::string, std::string> env;
             in.w.environment(in.node, env);
             for (const auto& [k, v] : env) c.def.env.push_back(k + "=" + v);
         }},
    };
    return keys;
}

}  // namespace tend
