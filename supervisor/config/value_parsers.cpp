// Enumerated and structured config values; each error lists what is accepted.
#include "supervisor/config/value_parsers.hpp"

#include <cctype>
#include <utility>

namespace tend {
namespace {

template <typename T, size_t N>
Result<T> pick(const std::string& s, const std::pair<const char*, T> (&choices)[N]) {
    std::string accepted;
    for (const auto& [name, value] : choices) {
        if (s == name) return value;
        accepted += (accepted.empty() ? "" : " | ") + std::string(name);
    }
    return make_error("unknown value \"" + s + "\" (accepted: " + accepted + ")");
}

bool valid_port(const std::string& port) {
    if (port.empty() || port.size() > 5) return false;
    int n = 0;
    for (char c : port) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
        n = n * 10 + (c - '0');
    }
    return n >= 1 && n <= 65535;
}

// Splits "HOST:PORT" (HOST may be "[v6]"); false when either part is missing. A readiness
// probe's port may hold {instance} (a port per instance, "19{instance}00"): it is checked as
// instance 0 would have it; the probe of an instance whose port is out of range never connects.
bool split_host_port(const std::string& s, std::string& host, std::string& port,
                     bool per_instance = false) {
    size_t colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0) return false;
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return !host.empty() && valid_port(per_instance ? expand_instance(port, 0) : port);
}

}  // namespace

Result<LogLevel> parse_log_level(const std::string& s) {
    static constexpr std::pair<const char*, LogLevel> c[] = {{"trace", LogLevel::trace},
                                                             {"debug", LogLevel::debug},
                                                             {"info", LogLevel::info},
                                                             {"warn", LogLevel::warn},
                                                             {"error", LogLevel::error}};
    return pick(s, c);
}

Result<LogTarget> parse_log_target(const std::string& s) {
    static constexpr std::pair<const char*, LogTarget> c[] = {{"auto", LogTarget::automatic},
                                                              {"journal", LogTarget::journal},
                                                              {"stderr", LogTarget::stderr_}};
    return pick(s, c);
}

Result<RestartMode> parse_restart_mode(const std::string& s) {
    static constexpr std::pair<const char*, RestartMode> c[] = {
        {"always", RestartMode::always},
        {"on-failure", RestartMode::on_failure},
        {"never", RestartMode::never}};
    return pick(s, c);
}

Result<OutputMode> parse_output_mode(const std::string& s) {
    static constexpr std::pair<const char*, OutputMode> c[] = {{"auto", OutputMode::automatic},
                                                               {"file", OutputMode::file},
                                                               {"journal", OutputMode::journal},
                                                               {"null", OutputMode::null}};
    return pick(s, c);
}

Result<RolloutFailure> parse_rollout_failure(const std::string& s) {
    static constexpr std::pair<const char*, RolloutFailure> c[] = {
        {"pause", RolloutFailure::pause}, {"rollback", RolloutFailure::rollback}};
    return pick(s, c);
}

const char* to_string(RestartMode m) {
    switch (m) {
        case RestartMode::always:
            return "always";
        case RestartMode::on_failure:
            return "on-failure";
        case RestartMode::never:
            return "never";
    }
    return "?";
}

const char* to_string(OutputMode m) {
    switch (m) {
        case OutputMode::automatic:
            return "auto";
        case OutputMode::file:
            return "file";
        case OutputMode::journal:
            return "journal";
        case OutputMode::null:
            return "null";
    }
    return "?";
}

Result<ReadySpec> parse_ready(const std::string& s) {
    ReadySpec r;
    r.text = s;
    if (s == "exec") return r;
    if (s == "notify") {
        r.kind = ReadyKind::notify;
        return r;
    }
    if (s.rfind("tcp:", 0) == 0) {
        r.kind = ReadyKind::tcp;
        if (!split_host_port(s.substr(4), r.host, r.port, true))
            return make_error("\"" + s +
                              "\" is not tcp:HOST:PORT (example: \"tcp:127.0.0.1:8000\")");
        return r;
    }
    if (s.rfind("http://", 0) == 0) {
        r.kind = ReadyKind::http;
        std::string rest = s.substr(7);
        size_t slash = rest.find('/');
        r.path = slash == std::string::npos ? "/" : rest.substr(slash);
        if (!split_host_port(rest.substr(0, slash), r.host, r.port, true))
            return make_error("\"" + s +
                              "\" is not http://HOST:PORT/PATH (example: "
                              "\"http://127.0.0.1:8000/health\")");
        return r;
    }
    if (s.rfind("uptime:", 0) == 0) {
        r.kind = ReadyKind::uptime;
        auto d = parse_duration(std::string_view(s).substr(7));
        if (!d || d->count() <= 0)
            return make_error("\"" + s +
                              "\" is not uptime:DURATION with a duration above 0 (example: "
                              "\"uptime:5s\")");
        r.uptime = *d;
        return r;
    }
    if (s.rfind("command:", 0) == 0) {
        r.kind = ReadyKind::command;
        r.command = s.substr(8);
        if (r.command.empty()) return make_error("\"command:\" needs a command after the colon");
        return r;
    }
    return make_error("unknown readiness \"" + s +
                      "\" (accepted: exec | notify | uptime:DURATION | tcp:HOST:PORT | "
                      "http://HOST:PORT/PATH | command:CMD)");
}

Result<Unit> validate_socket_spec(const std::string& s) {
    std::string host, port;
    if (s.rfind("tcp://", 0) == 0 && split_host_port(s.substr(6), host, port)) return Unit{};
    if (s.rfind("unix://", 0) == 0 && s.size() > 8 && s[7] == '/') return Unit{};
    return make_error("\"" + s +
                      "\" is not tcp://HOST:PORT or unix:///PATH (example: "
                      "\"tcp://0.0.0.0:8000\")");
}

}  // namespace tend
