// tendd: the daemon entry point; option parsing only, the work is in supervisor/daemon.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cmd/version.hpp"
#include "supervisor/config/paths.hpp"
#include "supervisor/daemon/daemon.hpp"

int main(int argc, char** argv) {
    std::string config, state_dir, socket, spool, log_level;
    CLI::App app{"tendd: the tend process supervisor and job runner daemon"};
    app.set_version_flag("-V,--version", tend::kTendVersion);
    app.add_option("--config", config, "config file (env TEND_CONFIG)");
    app.add_option("--state-dir", state_dir, "state directory (env TEND_STATE_DIR)");
    app.add_option("--socket", socket, "control socket path (env TEND_SOCKET)");
    app.add_option("--spool", spool,
                   "spool directory for submits while tendd is down (env TEND_SPOOL)");
    app.add_option("--log-level", log_level, "override [daemon] log_level")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
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
    options.version = tend::kTendVersion;
    options.log_level_override = log_level;
    return tend::run_daemon(options);
}
