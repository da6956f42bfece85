// tend status | start | stop | restart | signal: the program commands.
#include <cstdio>
#include <memory>
#include <optional>

#include "cmd/cli_table.hpp"
#include "cmd/commands.hpp"

namespace tend::cli {
namespace {

using json = nlohmann::json;

const char* instance_state_colour(const std::string& s) {
    if (s == "running") return "32";
    if (s == "starting" || s == "stopping") return "36";
    if (s == "backoff" || s == "cooldown") return "33";
    if (s == "exited") return "31";
    return "2";
}

std::string last_exit_text(const json& e) {
    if (e.is_null()) return "-";
    if (e.contains("error")) return "exec failed";
    if (e.contains("signal")) return "signal " + e["signal"].get<std::string>();
    return "code " + std::to_string(e.value("code", 0));
}

void print_status(const CliContext& ctx, const json& instances) {
    if (ctx.json) {
        ctx.print_json(instances);
        return;
    }
    if (instances.empty()) {
        std::printf("no programs configured\n");
        return;
    }
    std::vector<std::vector<Cell>> rows;
    for (const auto& i : instances) {
        std::string state = i.value("state", "?");
        const json uptime_s = i.value("uptime_s", json()), pid = i.value("pid", json());
        std::string uptime = uptime_s.is_number() ? human_duration_s(uptime_s.get<double>()) : "-";
        std::string restarts = std::to_string(i.value("restarts", 0));
        if (int m = i.value("manual_restarts", 0); m > 0)
            restarts += " (+" + std::to_string(m) + " manual)";
        rows.push_back({{i.value("program", "") + ":" + std::to_string(i.value("instance", 0))},
                        {state, instance_state_colour(state)},
                        {pid.is_number() ? std::to_string(pid.get<int>()) : "-"},
                        {uptime},
                        {restarts},
                        {last_exit_text(i.value("last_exit", json()))},
                        {std::to_string(i.value("generation", 1))},
                        {i.value("reason", "")}});
    }
    print_table({"INSTANCE", "STATE", "PID", "UPTIME", "RESTARTS", "LAST EXIT", "GEN", "REASON"},
                rows, ctx.colour());
    // A rollout under way, or one that did not complete, is worth a line per program.
    std::string last_program;
    for (const auto& i : instances) {
        const std::string program = i.value("program", "");
        const json ro = i.value("rollout", json());
        if (program == last_program || !ro.is_object() || ro.value("state", "") == "complete")
            continue;
        last_program = program;
        std::printf("%s: rollout %s (generation %d)%s%s\n", program.c_str(),
                    ro.value("state", "").c_str(), ro.value("generation", 0),
                    ro.value("message", "").empty() ? "" : ": ", ro.value("message", "").c_str());
    }
}

struct Targets {
    std::vector<std::string> names;
    bool all = false;
    bool wait = false;
    bool rolling = false;  // restart only
    std::optional<int> max_unavailable, max_surge;
};

json target_args(const Targets& t) {
    json args = {{"targets", t.names}, {"all", t.all}, {"wait", t.wait}};
    if (t.rolling) {
        args["rolling"] = true;
        if (t.max_unavailable) args["max_unavailable"] = *t.max_unavailable;
        if (t.max_surge) args["max_surge"] = *t.max_surge;
    }
    return args;
}

void add_lifecycle(CLI::App& app, CliContext& ctx, Action& action, const char* name,
                   const char* help) {
    auto t = std::make_shared<Targets>();
    CLI::App* sub = app.add_subcommand(name, help);
    sub->add_option("program", t->names, "PROGRAM or PROGRAM:INSTANCE");
    sub->add_flag("--all", t->all, "every program");
    sub->add_flag("--wait", t->wait, "block until the target state is reached (or fails)");
    add_timeout_option(sub, ctx, "with --wait: give up after this long (exit 124)");
    add_json_flag(sub, ctx);
    std::string cmd = name;
    if (cmd == "restart") {
        sub->add_flag("--rolling", t->rolling,
                      "replace instances step by step, keeping the program serving");
        sub->add_option("--max-unavailable", t->max_unavailable,
                        "with --rolling: instances that may be not ready at once")
            ->check(CLI::NonNegativeNumber);
        sub->add_option("--max-surge", t->max_surge,
                        "with --rolling: extra instances that may run above `instances`")
            ->check(CLI::NonNegativeNumber);
    }
    sub->callback([&ctx, &action, t, cmd] {
        action = [&ctx, t, cmd] {
            if (t->names.empty() && !t->all)
                throw CliError(kExitUsage, cmd + ": name a program (or use --all)");
            if (!t->rolling && (t->max_unavailable || t->max_surge))
                throw CliError(kExitUsage, "--max-unavailable and --max-surge need --rolling");
            json data = ctx.call(cmd, target_args(*t), t->wait);
            print_status(ctx, data);
            return kExitOk;
        };
    });
}

}  // namespace

void register_program_commands(CLI::App& app, CliContext& ctx, Action& action) {
    auto names = std::make_shared<std::vector<std::string>>();
    CLI::App* status = app.add_subcommand("status", "programs and their instances");
    status->add_option("program", *names, "PROGRAM or PROGRAM:INSTANCE (default: all)");
    add_json_flag(status, ctx);
    status->callback([&ctx, &action, names] {
        action = [&ctx, names] {
            const json data = ctx.call("status", {{"targets", *names}});
            print_status(ctx, data);
            // Like supervisorctl: 3 when something selected is not running as it should
            // (tendd decides per instance: backoff, cooldown, exited by a failure, stopped
            // though autostart and not by a request).
            for (const auto& i : data)
                if (i.is_object() && i.value("down", false)) return kExitNotRunning;
            return kExitOk;
        };
    });

    add_lifecycle(app, ctx, action, "start", "start programs");
    add_lifecycle(app, ctx, action, "stop",
                  "stop programs (stop_signal, then KILL after stop_timeout)");
    add_lifecycle(app, ctx, action, "restart", "restart programs");

    auto sig = std::make_shared<std::string>();
    auto sig_targets = std::make_shared<std::vector<std::string>>();
    auto reload = std::make_shared<bool>(false);
    CLI::App* signal = app.add_subcommand("signal", "send a signal to programs' main processes");
    signal->add_option("signal", *sig, "signal name or number (TERM, HUP, USR1, 9)")->required();
    signal->add_option("program", *sig_targets, "PROGRAM or PROGRAM:INSTANCE");
    signal->add_flag("--reload", *reload,
                     "send each program its reload_signal; then every argument is a program");
    add_json_flag(signal, ctx);
    signal->callback([&ctx, &action, sig, sig_targets, reload] {
        action = [&ctx, sig, sig_targets, reload] {
            json args = {{"targets", *sig_targets}};
            if (*reload) {
                // `tend signal --reload web api`: the first argument names a program too.
                args["targets"].insert(args["targets"].begin(), *sig);
                args["reload"] = true;
            } else {
                if (sig_targets->empty())
                    throw CliError(kExitUsage, "signal: name a program after the signal");
                args["signal"] = *sig;
            }
            json data = ctx.call("signal", args);
            if (ctx.json)
                ctx.print_json(data);
            else if (*reload)
                std::printf("sent reload_signal to %zu instance(s)\n", data.size());
            else
                std::printf("sent %s to %zu instance(s)\n", sig->c_str(), data.size());
            return kExitOk;
        };
    });
}

}  // namespace tend::cli
