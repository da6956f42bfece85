// tend.toml -> Config with toml++; every problem is collected, none stops the walk.
#include "supervisor/config/config_parser.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <functional>
#include <set>

#include "supervisor/config/config_walker.hpp"
#include "supervisor/config/toml_guard.hpp"
#include "supervisor/config/value_parsers.hpp"
#include "supervisor/util/names.hpp"
#include "supervisor/util/signals.hpp"

namespace tend {
namespace config_detail {

void Walker::daemon(const toml::table& t, DaemonConfig& d) {
    check_keys(t, "daemon",
               {"log_level", "log_target", "socket_group", "admin_group", "shutdown_timeout",
                "max_running_jobs"});
    if (auto n = t.get("log_level"))
        if (auto v = parsed<LogLevel>(*n, "log_level", parse_log_level)) d.log_level = *v;
    if (auto n = t.get("log_target"))
        if (auto v = parsed<LogTarget>(*n, "log_target", parse_log_target)) d.log_target = *v;
    if (auto n = t.get("socket_group")) {
        if (auto s = as_string(*n, "socket_group")) {
            if (s->empty()) error_at(n->source(), "\"socket_group\" must not be empty");
            d.socket_group = *s;
            d.socket_group_pos = pos_of(*n);
        }
    }
    if (auto n = t.get("admin_group")) {
        if (auto s = as_string(*n, "admin_group")) {
            if (s->empty()) error_at(n->source(), "\"admin_group\" must not be empty");
            d.admin_group = *s;
            d.admin_group_pos = pos_of(*n);
        }
    }
    if (auto n = t.get("shutdown_timeout"))
        if (auto v = duration(*n, "shutdown_timeout")) d.shutdown_timeout = *v;
    if (auto n = t.get("max_running_jobs"))
        if (auto v = as_int(*n, "max_running_jobs", 0, 100000)) d.max_running_jobs = int(*v);
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
    check_keys(t, section, {"max_unavailable", "max_surge", "on_failure"});
    if (auto n = t.get("max_unavailable"))
        if (auto v = as_int(*n, "max_unavailable", 0, 100000)) r.max_unavailable = int(*v);
    if (auto n = t.get("max_surge"))
        if (auto v = as_int(*n, "max_surge", 0, 100000)) r.max_surge = int(*v);
    if (auto n = t.get("on_failure"))
        if (auto v = parsed<RolloutFailure>(*n, "on_failure", parse_rollout_failure))
            r.on_failure = *v;
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
    check_keys(t, section, {"command",       "instances",     "directory",
                            "environment",   "user",          "autostart",
                            "restart",       "restart_delay", "restart_delay_max",
                            "healthy_after", "crash_limit",   "crash_window",
                            "cooldown",      "ready",         "ready_timeout",
                            "stop_signal",   "stop_timeout",  "reload_signal",
                            "pidfile",       "sockets",       "output",
                            "log_max_size",  "log_keep",      "rollout"});

    if (auto n = t.get("command")) {
        if (auto c = command(*n)) p.command = std::move(*c);
    } else {
        error_at(t.source(), "[" + section + "] has no \"command\"");
    }
    if (auto n = t.get("instances"))
        if (auto v = as_int(*n, "instances", 0, 10000)) p.instances = int(*v);
    if (auto n = t.get("directory"))
        if (auto d = directory(*n)) p.directory = std::move(*d);
    if (auto n = t.get("environment")) environment(*n, p.environment);
    if (auto n = t.get("user")) {
        if (auto s = as_string(*n, "user")) {
            p.user = *s;
            p.user_pos = pos_of(*n);
            if (!options.running_as_root)
                error_at(n->source(), "\"user\" needs tendd to run as root (it runs as uid " +
                                          std::to_string(options.uid) + ")");
        }
    }
    if (auto n = t.get("autostart"))
        if (auto v = as_bool(*n, "autostart")) p.autostart = *v;
    if (auto n = t.get("restart"))
        if (auto v = parsed<RestartMode>(*n, "restart", parse_restart_mode)) p.restart.mode = *v;
    struct DurationKey {
        const char* key;
        Usec* field;
    };
    for (auto [key, field] : {DurationKey{"restart_delay", &p.restart.restart_delay},
                              {"restart_delay_max", &p.restart.restart_delay_max},
                              {"healthy_after", &p.restart.healthy_after},
                              {"crash_window", &p.restart.crash_window},
                              {"cooldown", &p.restart.cooldown},
                              {"ready_timeout", &p.ready_timeout},
                              {"stop_timeout", &p.stop_timeout}}) {
        if (auto n = t.get(key))
            if (auto v = duration(*n, key)) *field = *v;
    }
    if (p.restart.restart_delay > p.restart.restart_delay_max)
        error_at(t.source(), "[" + section + "]: restart_delay is larger than restart_delay_max");
    if (auto n = t.get("crash_limit"))
        if (auto v = as_int(*n, "crash_limit", 1, 1000000)) p.restart.crash_limit = int(*v);
    if (auto n = t.get("ready"))
        if (auto v = parsed<ReadySpec>(*n, "ready", parse_ready)) p.ready = *v;
    for (auto [key, field] :
         {std::pair{"stop_signal", &p.stop_signal}, std::pair{"reload_signal", &p.reload_signal}}) {
        if (auto n = t.get(key)) {
            if (auto s = as_string(*n, key)) {
                if (auto sig = parse_signal(*s))
                    *field = *sig;
                else
                    error_at(n->source(), std::string("\"") + key + "\": unknown signal \"" + *s +
                                              "\" (examples: \"TERM\", \"INT\", \"HUP\")");
            }
        }
    }
    if (auto n = t.get("pidfile")) {
        if (auto s = as_string(*n, "pidfile")) {
            if (s->empty() || (*s)[0] != '/')
                error_at(n->source(), "\"pidfile\" must be an absolute path");
            else if (p.instances > 1 && s->find("{instance}") == std::string::npos)
                error_at(n->source(), "\"pidfile\" must contain {instance} when instances > 1");
            p.pidfile = *s;
        }
    }
    if (auto n = t.get("sockets")) {
        if (auto v = string_array(*n, "sockets")) {
            for (const auto& s : *v) {
                auto r = validate_socket_spec(s);
                if (!r) error_at(n->source(), "\"sockets\": " + r.error());
            }
            p.sockets = *v;
        }
    }
    if (auto n = t.get("output"))
        if (auto v = parsed<OutputMode>(*n, "output", parse_output_mode)) p.output = *v;
    if (auto n = t.get("log_max_size")) {
        if (auto v = parsed<std::uint64_t>(*n, "log_max_size", parse_size)) {
            if (*v < 4096)
                error_at(n->source(), "\"log_max_size\" must be at least 4KB");
            else
                p.log_max_size = *v;
        }
    }
    if (auto n = t.get("log_keep"))
        if (auto v = as_int(*n, "log_keep", 0, 1000)) p.log_keep = int(*v);
    if (auto n = t.get("rollout")) {
        if (auto r = n->as_table())
            rollout(*r, p.rollout, section + ".rollout");
        else
            error_at(n->source(), "\"rollout\" must be a table");
    }
}

}  // namespace config_detail

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
