// tend shutdown | version | reload: commands about the daemon itself.
#include <cstdio>
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/version.hpp"

namespace tend::cli {
namespace {

// One line per program that changes, then per [queue.*]/[cron.*] section (applied live), then
// the sections that wait for a restart.
void print_plan(const nlohmann::json& plan) {
    const bool applied = plan.value("applied", false);
    int changes = 0;
    for (const auto& p : plan.value("programs", nlohmann::json::array())) {
        const std::string change = p.value("change", "");
        if (change == "unchanged") continue;
        ++changes;
        std::string keys;
        for (const auto& k : p.value("keys", nlohmann::json::array()))
            keys += (keys.empty() ? "" : ", ") + k.get<std::string>();
        const int from = p.value("old_instances", 0), to = p.value("new_instances", 0);
        if (from != to && change != "start" && change != "stop")
            keys += " (" + std::to_string(from) + " -> " + std::to_string(to) + " instances)";
        std::printf("%-20s %-8s %s\n", p.value("name", "").c_str(), change.c_str(), keys.c_str());
    }
    for (const auto& s : plan.value("sections", nlohmann::json::array())) {
        ++changes;
        std::string keys;
        for (const auto& k : s.value("keys", nlohmann::json::array()))
            keys += (keys.empty() ? "" : ", ") + k.get<std::string>();
        std::printf("[%s] %-8s %s\n", s.value("section", "").c_str(), s.value("change", "").c_str(),
                    keys.c_str());
    }
    for (const auto& s : plan.value("restart_only", nlohmann::json::array())) {
        ++changes;
        std::printf("[%s] %s: applied when tendd restarts\n", s.value("section", "").c_str(),
                    s.value("change", "").c_str());
    }
    if (changes == 0)
        std::printf("no changes in %s\n", plan.value("file", "").c_str());
    else if (!applied)
        std::printf("(dry run: nothing was changed)\n");
}

}  // namespace

void register_daemon_commands(CLI::App& app, CliContext& ctx, Action& action) {
    CLI::App* shutdown = app.add_subcommand("shutdown", "stop all programs and the daemon");
    auto drain = std::make_shared<bool>(false);
    shutdown->add_flag("--drain", *drain,
                       "let running jobs finish first (no TERM; new jobs do not start)");
    add_timeout_option(shutdown, ctx, "give up waiting after this long (exit 124)");
    add_json_flag(shutdown, ctx);
    shutdown->callback([&ctx, &action, drain] {
        action = [&ctx, drain] {
            nlohmann::json data = ctx.call("shutdown", {{"drain", *drain}}, true);
            if (ctx.json)
                ctx.print_json(data);
            else
                std::printf("tendd stopped\n");
            return kExitOk;
        };
    });

    CLI::App* reload = app.add_subcommand("reload", "re-read the config and apply the changes");
    auto dry_run = std::make_shared<bool>(false);
    reload->add_flag("--dry-run", *dry_run, "print the plan; change nothing");
    add_json_flag(reload, ctx);
    reload->callback([&ctx, &action, dry_run] {
        action = [&ctx, dry_run] {
            nlohmann::json plan = ctx.call("reload", {{"dry_run", *dry_run}});
            if (ctx.json)
                ctx.print_json(plan);
            else
                print_plan(plan);
            return kExitOk;
        };
    });

    CLI::App* version = app.add_subcommand("version", "versions of tend, tendd and the protocol");
    add_json_flag(version, ctx);
    version->callback([&ctx, &action] {
        action = [&ctx] {
            nlohmann::json out = {{"cli", kTendVersion}, {"protocol", protocol::kVersion}};
            int status = kExitOk;
            std::string unreachable;
            try {
                nlohmann::json d = ctx.call("version");
                out["daemon"] = d.value("version", "");
                out["daemon_protocol"] = d.value("protocol", 0);
            } catch (const CliError& e) {
                out["daemon"] = nullptr;
                unreachable = e.what();
                status = e.status;
            }
            if (ctx.json) {
                ctx.print_json(out);
            } else {
                std::printf("tend %s (protocol %d)\n", kTendVersion, protocol::kVersion);
                if (unreachable.empty())
                    std::printf("tendd %s (protocol %d)\n",
                                out["daemon"].get<std::string>().c_str(),
                                out["daemon_protocol"].get<int>());
                else
                    std::fprintf(stderr, "tend: %s\n", unreachable.c_str());
            }
            return status;
        };
    });
}

}  // namespace tend::cli
