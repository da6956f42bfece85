// Options and checks that several command families (and the global command line) share.
#include "cmd/commands.hpp"

namespace tend::cli {

void add_global_options(CLI::App& app, CliContext& ctx) {
    app.add_option("--socket", ctx.socket_flag, "control socket of tendd (env TEND_SOCKET)");
    app.add_option("--config", ctx.config_flag, "config file, for `check` (env TEND_CONFIG)");
    app.add_option("--state-dir", ctx.state_dir_flag,
                   "state dir of tendd, for the spool of `submit` (env TEND_STATE_DIR)");
    app.add_option("--spool", ctx.spool_flag,
                   "spool of tendd, for `submit` while tendd is down (env TEND_SPOOL)");
    app.fallthrough();
}

void add_json_flag(CLI::App* sub, CliContext& ctx) {
    sub->add_flag("--json", ctx.json, "print JSON instead of a table");
}

void add_timeout_option(CLI::App* sub, CliContext& ctx, const std::string& help) {
    sub->add_option("--timeout", ctx.timeout_text, help)
        ->check(duration_validator())
        ->type_name("DURATION");
}

}  // namespace tend::cli
