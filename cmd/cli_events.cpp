// tend events: instance transitions and rollouts (SPEC §5.8), listed or followed.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "cmd/commands.hpp"

namespace tend::cli {
namespace {

using json = nlohmann::json;

struct EventsOptions {
    std::string target;
    long lines = 20;
    bool follow = false;
};

// The biggest answer a follower asks for at once; more waiting events come in the next one.
constexpr long kFollowPage = 1000;

std::string exit_cell(const json& x) {
    if (!x.is_object()) return "-";
    if (x.contains("error")) return "exec failed";
    if (x.contains("signal")) return "signal " + x.value("signal", "?");
    return "code " + std::to_string(x.value("code", 0));
}

// Fixed widths, so that followed lines line up with the first ones.
void print_header() {
    std::printf("%-24s %-14s %7s %4s %-22s %-12s %s\n", "TIME", "INSTANCE", "PID", "GEN",
                "TRANSITION", "EXIT", "REASON");
}

void print_event(const CliContext& ctx, const json& e) {
    if (ctx.json) {
        std::printf("%s\n", e.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
        return;
    }
    std::string time = e.value("time", "");
    // Milliseconds are enough to read; --json has the microseconds.
    if (time.size() > 24) time = time.substr(0, 23) + "Z";
    std::string who = e.value("program", "");
    if (e.value("instance", json()).is_number())
        who += ":" + std::to_string(e["instance"].get<int>());
    const json pid = e.value("pid", json());
    const std::string transition = e.value("from", "") + " -> " + e.value("to", "");
    std::printf("%-24s %-14s %7s %4d %-22s %-12s %s\n", time.c_str(), who.c_str(),
                pid.is_number() ? std::to_string(pid.get<int>()).c_str() : "-",
                e.value("generation", 0), transition.c_str(),
                exit_cell(e.value("exit", json())).c_str(), e.value("reason", "").c_str());
}

std::uint64_t next_after(const json& data) {
    const json n = data.value("next_after", json());
    return n.is_number_unsigned() ? n.get<std::uint64_t>() : 0;
}

int run_events(const CliContext& ctx, const EventsOptions& o) {
    json args = {{"limit", o.lines}};
    if (!o.target.empty()) args["target"] = o.target;
    Connection conn(ctx);
    json data = conn.request("events", args);
    const json& first = data.value("events", json::array());
    if (!ctx.json && (!first.empty() || o.follow)) print_header();
    for (const auto& e : first) print_event(ctx, e);
    std::fflush(stdout);
    if (!o.follow) return kExitOk;
    // A long poll: each request waits until an event after the last one seen exists (or
    // ~25 s pass), so tendd never buffers for a slow reader.
    args["limit"] = kFollowPage;
    args["wait"] = true;
    for (std::uint64_t after = next_after(data);;) {
        args["after"] = after;
        data = conn.request("events", args);
        for (const auto& e : data.value("events", json::array())) print_event(ctx, e);
        std::fflush(stdout);
        after = std::max(after, next_after(data));
    }
}

}  // namespace

void register_events_command(CLI::App& app, CliContext& ctx, Action& action) {
    auto o = std::make_shared<EventsOptions>();
    CLI::App* sub = app.add_subcommand(
        "events", "recent instance transitions and rollouts, newest last (-f: follow)");
    sub->add_option("program", o->target, "PROGRAM or PROGRAM:INSTANCE (default: all)");
    sub->add_option("-n,--lines", o->lines, "how many of the newest events (default 20)")
        ->check(CLI::Range(1L, 100000L));
    sub->add_flag("-f,--follow", o->follow, "then print each new event as it happens");
    add_json_flag(sub, ctx);
    sub->callback([&ctx, &action, o] { action = [&ctx, o] { return run_events(ctx, *o); }; });
}

}  // namespace tend::cli
