// tend shutdown | version: commands about the daemon itself.
#include <cstdio>
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/version.hpp"

namespace tend::cli {

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
