// tend.toml -> Config with toml++; every problem is collected, none stops the walk.
#include "supervisor/config/config_parser.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <functional>
#include <set>

#include "supervisor/config/config_walker.hpp"
#include "supervisor/config/program_keys.hpp"
#include "supervisor/config/queue_store_config.hpp"
#include "supervisor/config/toml_guard.hpp"
#include "supervisor/config/value_parsers.hpp"
#include "supervisor/util/names.hpp"
#include "supervisor/util/signals.hpp"

namespace tend {
namespace config_detail {

void Walker::daemon(const toml::table& t, DaemonConfig& d) {
    parse_keys(*this, t, "daemon", daemon_keys(), d, ParseOptions{});
    for (const std::string& e : queue_store_errors(d.store)) error_at(t.source(), "[daemon]: " + e);
}

std::optional<std::vector<std::string>> Walker::string_array(const toml::node& node,
                                                             const std::string& key) {
    auto arr = node.as_array();
    if (!arr) {
        error_at(node.source(), "\"" + key + "\" must be an array of strings");
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool good = true;
    for (auto&& el : *arr) {
        if (auto s = el.as_string())
            out.push_back(s->get());
        else {
            error_at(el.source(), "\"" + key + "\" must contain only strings");
            good = false;
        }
    }
    if (!good) return std::nullopt;
    return out;
}

void Walker::rollout(const toml::table& t, RolloutConfig& r, const std::string& section) {
    parse_keys(*this, t, section, rollout_keys(), r, ParseOptions{});
    if (r.max_unavailable == 0 && r.max_surge == 0)
        error_at(t.source(), "[" + section +
                                 "]: max_unavailable and max_surge cannot both be 0 (the "
                                 "rollout could never make progress)");
}

std::optional<std::vector<std::string>> Walker::command(const toml::node& n) {
    if (n.is_string()) {
        if (n.as_string()->get().empty()) error_at(n.source(), "\"command\" is empty");
        return std::vector<std::string>{"/bin/sh", "-c", n.as_string()->get()};
    }
    if (n.is_array()) {
        auto v = string_array(n, "command");
        if (v && (v->empty() || (*v)[0].empty()))
            error_at(n.source(), "\"command\" needs at least a program to run");
        return v;
    }
    error_at(n.source(), "\"command\" must be a string (run by /bin/sh -c) or an array (argv)");
    return std::nullopt;
}

std::optional<std::string> Walker::directory(const toml::node& n) {
    const std::string* s = as_string(n, "directory");
    if (!s) return std::nullopt;
    if (s->empty() || (*s)[0] != '/')
        error_at(n.source(), "\"directory\" must be an absolute path");
    return *s;
}

void Walker::environment(const toml::node& n, std::map<std::string, std::string>& out) {
    auto env = n.as_table();
    if (!env) return error_at(n.source(), "\"environment\" must be a table of strings");
    for (auto&& [k, v] : *env) {
        std::string key(k.str());
        if (key.empty() || key.find('=') != std::string::npos)
            error_at(k.source(), "invalid environment variable name \"" + key + "\"");
        if (auto str = v.as_string())
            out[key] = str->get();
        else
            error_at(v.source(), "environment value of \"" + key + "\" must be a string");
    }
}

void Walker::program(const std::string& name, const toml::table& t, ProgramConfig& p,
                     const ParseOptions& options) {
    const std::string section = "program." + name;
    p.name = name;
    p.pos = pos_of(t);
    if (auto e = name_error(name, NameKind::program)) error_at(t.source(), *e);
    parse_keys(*this, t, section, program_keys(), p, options);
    // What involves several keys, once all are read.
    if (!t.get("command")) error_at(t.source(), "[" + section + "] has no \"command\"");
    if (p.restart.restart_delay > p.restart.restart_delay_max)
        error_at(t.source(), "[" + section + "]: restart_delay is larger than restart_delay_max");
    if (auto n = t.get("pidfile"); n && p.pidfile && p.pidfile->starts_with('/') &&
                                   p.instances > 1 &&
                                   p.pidfile->find("{instance}") == std::string::npos)
        error_at(n->source(), "\"pidfile\" must contain {instance} when instances > 1");
    if (auto n = t.get("log_file"); n && p.log_file) {
        // Two instances appending to one file would interleave and rotate each other's lines.
        if (p.instances > 1 && p.log_file->find("{instance}") == std::string::npos)
            error_at(n->source(), "\"log_file\" must contain {instance} when instances > 1");
        if (p.output == OutputMode::journal || p.output == OutputMode::null)
            error_at(n->source(), "\"log_file\" needs output = \"file\" or \"auto\" (output is \"" +
                                      std::string(to_string(p.output)) + "\")");
    }
}

}  // namespace config_detail

namespace {

// socket_group, admin_group: a group name, resolved by the loader (config_loader.cpp).
void parse_group(const KeyInput& in, std::optional<std::string>& name, SourcePos& pos) {
    if (auto s = in.w.as_string(in.node, in.key)) {
        if (s->empty()) in.w.error_at(in.node.source(), "\"" + in.key + "\" must not be empty");
        name = *s;
        pos = in.w.pos_of(in.node);
    }
}

}  // namespace

const std::vector<KeyRow<DaemonConfig>>& daemon_keys() {
    static const std::vector<KeyRow<DaemonConfig>> keys = {
        {"log_level",
         [](const KeyInput& in, DaemonConfig& d) {
             if (auto v = in.w.parsed<LogLevel>(in.node, "log_level", parse_log_level))
                 d.log_level = *v;
         }},
        {"log_target",
         [](const KeyInput& in, DaemonConfig& d) {
             if (auto v = in.w.parsed<LogTarget>(in.node, "log_target", parse_log_target))
                 d.log_target = *v;
         }},
        {"socket_group",
         [](const KeyInput& in, DaemonConfig& d) {
             parse_group(in, d.socket_group, d.socket_group_pos);
         }},
        {"admin_group", [](const KeyInput& in,
                           DaemonConfig& d) { parse_group(in, d.admin_group, d.admin_group_pos); }},
        {"shutdown_timeout",
         [](const KeyInput& in, DaemonConfig& d) {
             if (auto v = in.w.duration(in.node, "shutdown_timeout")) d.shutdown_timeout = *v;
         }},
        {"max_running_jobs",
         [](const KeyInput& in, DaemonConfig& d) {
             if (auto v = in.w.as_int(in.node, "max_running_jobs", 0, 100000))
                 d.max_running_jobs = int(*v);
         }},
    };
    // The queue store's rows (queue_store_config.cpp) follow the supervisor's own.
    static const std::vector<KeyRow<DaemonConfig>> all = [] {
        std::vector<KeyRow<DaemonConfig>> v = keys;
        v.insert(v.end(), queue_store_keys().begin(), queue_store_keys().end());
        return v;
    }();
    return all;
}

using config_detail::Walker;

ConfigParseResult parse_config(std::string_view text, const std::string& file,
                               const ParseOptions& options) {
    return parse_config(text, file, options, {});
}

ConfigParseResult parse_config(std::string_view text, const std::string& file,
                               const ParseOptions& options,
                               const std::vector<ExtraSection>& extra) {
    ConfigParseResult result;
    result.config.file = file;
    // toml++ must not see what takes it to undefined behaviour (toml_guard.hpp says what).
    if (auto bad = check_toml_text(text)) {
        result.errors.push_back(file + ":" + std::to_string(bad->line) + ":" +
                                std::to_string(bad->column) + ": " + bad->message);
        return result;
    }
    if (text.starts_with("\xef\xbb\xbf")) text.remove_prefix(3);  // a BOM alone is one of those
    toml::table root;
    try {
        root = toml::parse(text, file);
    } catch (const toml::parse_error& e) {
        result.errors.push_back(file + ":" + std::to_string(e.source().begin.line) + ":" +
                                std::to_string(e.source().begin.column) + ": " +
                                std::string(e.description()));
        return result;
    }
    Walker w(file);
    std::set<std::string> top_level = {"daemon", "program"};
    for (const auto& x : extra) top_level.insert(x.name);
    w.check_keys(root, "top level", top_level);
    if (auto n = root.get("daemon")) {
        if (auto t = n->as_table())
            w.daemon(*t, result.config.daemon);
        else
            w.error_at(n->source(), "\"daemon\" must be a table");
    }
    if (auto n = root.get("program")) {
        if (auto programs = n->as_table()) {
            // Programs keep the order of the file: status lists and autostart follow it.
            for (auto [kp, vp] : Walker::in_file_order(*programs)) {
                const toml::key& k = *kp;
                const toml::node& v = *vp;
                std::string name(k.str());
                if (auto t = v.as_table()) {
                    ProgramConfig p;
                    w.program(name, *t, p, options);
                    result.config.programs.push_back(std::move(p));
                } else {
                    w.error_at(v.source(), "\"program." + name + "\" must be a table");
                }
            }
        } else {
            w.error_at(n->source(), "\"program\" must be a table of [program.NAME] tables");
        }
    }
    for (const auto& x : extra) x.parse(root.get(x.name), w);
    result.errors = w.sorted_errors();
    return result;
}

}  // namespace tend
