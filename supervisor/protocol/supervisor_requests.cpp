// Decoding of the supervisor commands' arguments into their typed structs.
#include "supervisor/protocol/supervisor_requests.hpp"

#include <limits>

#include "supervisor/protocol/arg_reader.hpp"
#include "supervisor/util/signals.hpp"

namespace tend::protocol {
namespace {

// The bound of a rollout's max_unavailable / max_surge (instances).
constexpr std::int64_t kMaxRolloutStep = 100000;

TargetArgs target_args(ArgReader& r) {
    TargetArgs t;
    t.targets = r.texts("targets");
    t.all = r.flag("all");
    return t;
}

template <typename T>
Result<SupervisorArgs> done(ArgReader& r, T value) {
    if (!r.ok()) return make_error(r.error());
    return SupervisorArgs{std::move(value)};
}

Result<SupervisorArgs> signal_args(ArgReader& r, const nlohmann::json& args) {
    SignalArgs s;
    s.target = target_args(r);
    s.reload = r.flag("reload");
    // A name ("TERM", "SIGHUP") or a number.
    if (args.is_object()) {
        auto it = args.find("signal");
        if (it != args.end() && !it->is_null()) {
            if (it->is_string()) {
                s.signal = parse_signal(it->get_ref<const std::string&>());
            } else if (auto n = r.optional_integer("signal", 1, 64)) {
                s.signal = parse_signal(std::to_string(*n));
            } else {
                return make_error(r.error());
            }
            if (!s.signal) return make_error("\"signal\" is not a signal name or number");
        }
    }
    if (!s.signal && !s.reload) return make_error("\"signal\" is missing");
    return done(r, std::move(s));
}

// The bound of one answer of `events` (every instance keeps 100).
constexpr std::int64_t kMaxEventsPage = 100000;

Result<SupervisorArgs> events_args(ArgReader& r) {
    EventsArgs e;
    if (auto target = r.optional_text("target"); target && !target->empty()) {
        e.program = *target;
        if (size_t colon = target->rfind(':'); colon != std::string::npos) {
            e.program = target->substr(0, colon);
            const std::string num = target->substr(colon + 1);
            if (num.empty() || num.size() > 6 ||
                num.find_first_not_of("0123456789") != std::string::npos)
                return make_error("\"target\": invalid instance in \"" + *target +
                                  "\" (expected PROGRAM:NUMBER)");
            e.instance = std::stoi(num);
        }
        if (e.program.empty()) return make_error("\"target\": no program named");
    }
    e.limit = r.integer("limit", 20, 1, kMaxEventsPage);
    if (auto a = r.optional_integer("after", 0, std::numeric_limits<std::int64_t>::max()))
        e.after = static_cast<std::uint64_t>(*a);
    e.wait = r.flag("wait");
    if (r.ok() && e.wait && !e.after) return make_error("\"wait\" needs \"after\"");
    return done(r, std::move(e));
}

}  // namespace

std::optional<Result<SupervisorArgs>> decode_supervisor_args(std::string_view cmd,
                                                             const nlohmann::json& args) {
    ArgReader r(args);
    if (cmd == "status") return done(r, StatusArgs{target_args(r)});
    if (cmd == "start" || cmd == "stop" || cmd == "restart") {
        LifecycleArgs l;
        l.target = target_args(r);
        l.wait = r.flag("wait");
        l.rolling = r.flag("rolling");
        if (auto v = r.optional_integer("max_unavailable", 0, kMaxRolloutStep))
            l.max_unavailable = static_cast<int>(*v);
        if (auto v = r.optional_integer("max_surge", 0, kMaxRolloutStep))
            l.max_surge = static_cast<int>(*v);
        if (l.rolling && cmd != "restart") return make_error("\"rolling\" applies to restart only");
        return done(r, std::move(l));
    }
    if (cmd == "signal") return signal_args(r, args);
    if (cmd == "logs") return done(r, LogsArgs{r.texts("targets")});
    if (cmd == "reload") return done(r, ReloadArgs{r.flag("dry_run")});
    if (cmd == "shutdown") return done(r, ShutdownArgs{r.flag("drain")});
    if (cmd == "version") return done(r, VersionArgs{});
    if (cmd == "events") return events_args(r);
    return std::nullopt;
}

}  // namespace tend::protocol
