// tendd: the daemon entry point; option parsing only, the work is in daemon.cpp.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cmd/tendd/daemon.hpp"
#include "cmd/version.hpp"
#include "supervisor/config/paths.hpp"

int main(int argc, char** argv) {
    std::string config, state_dir, socket, spool, log_level, idle_timeout, memory_max;
    CLI::App app{"tendd: the tend process supervisor and job runner daemon"};
    app.set_version_flag("-V,--version", tend::kTendVersion);
    app.add_option("--config", config, "config file (env TEND_CONFIG)");
    app.add_option("--state-dir", state_dir, "state directory (env TEND_STATE_DIR)");
    app.add_option("--socket", socket, "control socket path (env TEND_SOCKET)");
    app.add_option("--spool", spool,
                   "spool directory for submits while tendd is down (env TEND_SPOOL)");
    app.add_option("--log-level", log_level, "override [daemon] log_level")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
    // Tuning (and tests); documented in tendd(8), left out of --help.
    app.add_option("--client-idle-timeout", idle_timeout)->group("");
    app.add_option("--client-memory-max", memory_max)->group("");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "tendd: %s\n", e.what());
        return 2;
    }
    tend::DaemonOptions options;
    options.paths = tend::resolve_paths(config, state_dir, socket, spool);
    // Paths tendd hands to clients (job output, log files) are read from their own cwd.
    options.paths.state_dir = tend::absolute_path(options.paths.state_dir);
    options.version = tend::kTendVersion;
    options.log_level_override = log_level;
    if (!idle_timeout.empty()) {
        auto d = tend::parse_duration(idle_timeout);
        if (!d || d->count() <= 0) {
            std::fprintf(stderr, "tendd: --client-idle-timeout: %s\n",
                         d ? "must be more than 0" : d.error().c_str());
            return 2;
        }
        options.client_idle_timeout = *d;
    }
    if (!memory_max.empty()) {
        auto n = tend::parse_size(memory_max);
        if (!n || *n < (1u << 20)) {
            std::fprintf(stderr, "tendd: --client-memory-max: %s\n",
                         n ? "must be at least 1 MiB" : n.error().c_str());
            return 2;
        }
        // A quarter stays reserved for root, the daemon's uid and admin_group.
        options.client_limits.memory_max = *n;
        options.client_limits.memory_reserved = *n / 4;
    }
    return tend::run_daemon(options);
}
