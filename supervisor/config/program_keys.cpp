// The [program.NAME] key table (program_keys.hpp) and the [program.NAME.rollout] one.
#include "supervisor/config/program_keys.hpp"

#include <algorithm>

#include "supervisor/config/config_walker.hpp"
#include "supervisor/config/value_parsers.hpp"
#include "supervisor/util/signals.hpp"

namespace tend {
namespace {

using P = const ProgramConfig&;

template <auto M>
bool same(P a, P b) {
    return a.*M == b.*M;
}
template <auto M>
void take(ProgramConfig& to, P from) {
    to.*M = from.*M;
}
template <auto M>
bool same_restart(P a, P b) {
    return a.restart.*M == b.restart.*M;
}
template <auto M>
void take_restart(ProgramConfig& to, P from) {
    to.restart.*M = from.restart.*M;
}

template <auto M>
void parse_duration(const KeyInput& in, ProgramConfig& p) {
    if (auto v = in.w.duration(in.node, in.key)) p.*M = *v;
}
template <auto M>
void parse_restart_duration(const KeyInput& in, ProgramConfig& p) {
    if (auto v = in.w.duration(in.node, in.key)) p.restart.*M = *v;
}
template <auto M>
void parse_signal_key(const KeyInput& in, ProgramConfig& p) {
    if (auto s = in.w.as_string(in.node, in.key)) {
        if (auto sig = parse_signal(*s))
            p.*M = *sig;
        else
            in.w.error_at(in.node.source(), "\"" + in.key + "\": unknown signal \"" + *s +
                                                "\" (examples: \"TERM\", \"INT\", \"HUP\")");
    }
}

void parse_command(const KeyInput& in, ProgramConfig& p) {
    if (auto c = in.w.command(in.node)) p.command = std::move(*c);
}
void parse_environment(const KeyInput& in, ProgramConfig& p) {
    in.w.environment(in.node, p.environment);
}
void parse_directory(const KeyInput& in, ProgramConfig& p) {
    if (auto d = in.w.directory(in.node)) p.directory = std::move(*d);
}
void parse_user(const KeyInput& in, ProgramConfig& p) {
    if (auto s = in.w.as_string(in.node, "user")) {
        p.user = *s;
        p.user_pos = in.w.pos_of(in.node);
        if (!in.options.running_as_root)
            in.w.error_at(in.node.source(), "\"user\" needs tendd to run as root (it runs as uid " +
                                                std::to_string(in.options.uid) + ")");
    }
}
void parse_sockets(const KeyInput& in, ProgramConfig& p) {
    if (auto v = in.w.string_array(in.node, "sockets")) {
        for (const auto& s : *v) {
            auto r = validate_socket_spec(s);
            if (!r) in.w.error_at(in.node.source(), "\"sockets\": " + r.error());
        }
        p.sockets = *v;
    }
}
// {instance} with instances > 1 is checked once every key is read (program_section).
void parse_pidfile(const KeyInput& in, ProgramConfig& p) {
    if (auto s = in.w.as_string(in.node, "pidfile")) {
        if (s->empty() || (*s)[0] != '/')
            in.w.error_at(in.node.source(), "\"pidfile\" must be an absolute path");
        p.pidfile = *s;
    }
}
// Relative paths and {instance} with instances > 1 are checked in program_section, like pidfile.
void parse_log_file(const KeyInput& in, ProgramConfig& p) {
    if (auto s = in.w.as_string(in.node, "log_file")) {
        if (s->empty() || (*s)[0] != '/' || s->back() == '/')
            in.w.error_at(in.node.source(), "\"log_file\" must be an absolute path to a file");
        else if (s->find('\0') != std::string::npos || s->size() > 4000)
            in.w.error_at(in.node.source(), "\"log_file\" is not a usable path");
        p.log_file = *s;
    }
}
void parse_instance_offset(const KeyInput& in, ProgramConfig& p) {
    if (auto v = in.w.as_int(in.node, "instance_offset", 0, 100000)) p.instance_offset = int(*v);
}
// An array of exit codes 0..255, at least one; kept sorted and unique.
void parse_success_exit_codes(const KeyInput& in, ProgramConfig& p) {
    const auto* arr = in.node.as_array();
    if (!arr || arr->empty()) {
        in.w.error_at(
            in.node.source(),
            "\"success_exit_codes\" must be a non-empty array of exit codes, e.g. [0, 3]");
        return;
    }
    std::vector<int> codes;
    for (const auto& n : *arr) {
        auto c = in.w.as_int(n, "success_exit_codes", 0, 255);
        if (!c) return;
        codes.push_back(int(*c));
    }
    std::sort(codes.begin(), codes.end());
    codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
    p.restart.success_exit_codes = std::move(codes);
}
void parse_output(const KeyInput& in, ProgramConfig& p) {
    if (auto v = in.w.parsed<OutputMode>(in.node, "output", parse_output_mode)) p.output = *v;
}
void parse_log_max_size(const KeyInput& in, ProgramConfig& p) {
    if (auto v = in.w.parsed<std::uint64_t>(in.node, "log_max_size", parse_size)) {
        if (*v < 4096)
            in.w.error_at(in.node.source(), "\"log_max_size\" must be at least 4KB");
        else
            p.log_max_size = *v;
    }
}
void parse_log_keep(const KeyInput& in, ProgramConfig& p) {
    if (auto v = in.w.as_int(in.node, "log_keep", 0, 1000)) p.log_keep = int(*v);
}
void parse_ready(const KeyInput& in, ProgramConfig& p) {
    if (auto v = in.w.parsed<ReadySpec>(in.node, "ready", tend::parse_ready)) p.ready = *v;
}
bool same_ready(P a, P b) {
    return a.ready.kind == b.ready.kind && a.ready.text == b.ready.text;
}
void parse_autostart(const KeyInput& in, ProgramConfig& p) {
    if (auto v = in.w.as_bool(in.node, "autostart")) p.autostart = *v;
}
void parse_restart(const KeyInput& in, ProgramConfig& p) {
    if (auto v = in.w.parsed<RestartMode>(in.node, "restart", parse_restart_mode))
        p.restart.mode = *v;
}
void parse_crash_limit(const KeyInput& in, ProgramConfig& p) {
    if (auto v = in.w.as_int(in.node, "crash_limit", 1, 1000000)) p.restart.crash_limit = int(*v);
}
void parse_rollout(const KeyInput& in, ProgramConfig& p) {
    if (auto r = in.node.as_table())
        in.w.rollout(*r, p.rollout, in.section + ".rollout");
    else
        in.w.error_at(in.node.source(), "\"rollout\" must be a table");
}
void parse_instances(const KeyInput& in, ProgramConfig& p) {
    if (auto v = in.w.as_int(in.node, "instances", 0, 10000)) p.instances = int(*v);
}

using R = KeyReload;
using PC = ProgramConfig;
using RP = RestartPolicy;

}  // namespace

const std::vector<ProgramKey>& program_keys() {
    // Keys that roll change argv, environment, files, user or inherited fds: only new
    // processes can take them. A switch to or from ready = "notify" rolls too (it adds or
    // removes NOTIFY_SOCKET): config_diff.cpp checks that beside the table.
    static const std::vector<ProgramKey> keys = {
        {"command", parse_command, R::roll, "command", same<&PC::command>, nullptr},
        {"environment", parse_environment, R::roll, "environment", same<&PC::environment>, nullptr},
        {"directory", parse_directory, R::roll, "directory", same<&PC::directory>, nullptr},
        {"user", parse_user, R::roll, "user", same<&PC::user>, nullptr},
        {"sockets", parse_sockets, R::roll, "sockets", same<&PC::sockets>, nullptr},
        {"pidfile", parse_pidfile, R::roll, "pidfile", same<&PC::pidfile>, nullptr},
        {"output", parse_output, R::roll, "output", same<&PC::output>, nullptr},
        {"instance_offset", parse_instance_offset, R::roll, "instance_offset",
         same<&PC::instance_offset>, nullptr},
        // The output pipes stay; each instance writes its next line to the new file.
        {"log_file", parse_log_file, R::live, "log_file", same<&PC::log_file>, take<&PC::log_file>},
        {"log_max_size", parse_log_max_size, R::roll, "log_max_size", same<&PC::log_max_size>,
         nullptr},
        {"log_keep", parse_log_keep, R::roll, "log_keep", same<&PC::log_keep>, nullptr},
        {"ready", parse_ready, R::live, "ready", same_ready, take<&PC::ready>},
        {"autostart", parse_autostart, R::live, "autostart", same<&PC::autostart>,
         take<&PC::autostart>},
        {"restart", parse_restart, R::live, "restart", same_restart<&RP::mode>,
         take_restart<&RP::mode>},
        {"restart_delay", parse_restart_duration<&RP::restart_delay>, R::live, "restart",
         same_restart<&RP::restart_delay>, take_restart<&RP::restart_delay>},
        {"restart_delay_max", parse_restart_duration<&RP::restart_delay_max>, R::live, "restart",
         same_restart<&RP::restart_delay_max>, take_restart<&RP::restart_delay_max>},
        {"healthy_after", parse_restart_duration<&RP::healthy_after>, R::live, "restart",
         same_restart<&RP::healthy_after>, take_restart<&RP::healthy_after>},
        {"crash_limit", parse_crash_limit, R::live, "restart", same_restart<&RP::crash_limit>,
         take_restart<&RP::crash_limit>},
        {"crash_window", parse_restart_duration<&RP::crash_window>, R::live, "restart",
         same_restart<&RP::crash_window>, take_restart<&RP::crash_window>},
        {"cooldown", parse_restart_duration<&RP::cooldown>, R::live, "restart",
         same_restart<&RP::cooldown>, take_restart<&RP::cooldown>},
        {"success_exit_codes", parse_success_exit_codes, R::live, "success_exit_codes",
         same_restart<&RP::success_exit_codes>, take_restart<&RP::success_exit_codes>},
        {"ready_timeout", parse_duration<&PC::ready_timeout>, R::live, "ready_timeout",
         same<&PC::ready_timeout>, take<&PC::ready_timeout>},
        {"stop_signal", parse_signal_key<&PC::stop_signal>, R::live, "stop_signal",
         same<&PC::stop_signal>, take<&PC::stop_signal>},
        {"stop_timeout", parse_duration<&PC::stop_timeout>, R::live, "stop_timeout",
         same<&PC::stop_timeout>, take<&PC::stop_timeout>},
        {"reload_signal", parse_signal_key<&PC::reload_signal>, R::live, "reload_signal",
         same<&PC::reload_signal>, take<&PC::reload_signal>},
        {"rollout", parse_rollout, R::live, "rollout", same<&PC::rollout>, take<&PC::rollout>},
        {"instances", parse_instances, R::scale, "instances", same<&PC::instances>,
         take<&PC::instances>},
    };
    return keys;
}

const std::vector<KeyRow<RolloutConfig>>& rollout_keys() {
    static const std::vector<KeyRow<RolloutConfig>> keys = {
        {"max_unavailable",
         [](const KeyInput& in, RolloutConfig& r) {
             if (auto v = in.w.as_int(in.node, "max_unavailable", 0, 100000))
                 r.max_unavailable = int(*v);
         }},
        {"max_surge",
         [](const KeyInput& in, RolloutConfig& r) {
             if (auto v = in.w.as_int(in.node, "max_surge", 0, 100000)) r.max_surge = int(*v);
         }},
        {"on_failure",
         [](const KeyInput& in, RolloutConfig& r) {
             if (auto v = in.w.parsed<RolloutFailure>(in.node, "on_failure", parse_rollout_failure))
                 r.on_failure = *v;
         }},
        {"min_ready",
         [](const KeyInput& in, RolloutConfig& r) {
             if (auto v = in.w.duration(in.node, "min_ready")) r.min_ready = *v;
         }},
    };
    return keys;
}

}  // namespace tend
