// tend: the command-line client. Parses the command, runs it, maps errors to exit statuses.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>

#include "cmd/commands.hpp"
#include "cmd/version.hpp"

namespace tend::cli {

void add_json_flag(CLI::App* sub, CliContext& ctx) {
    sub->add_flag("--json", ctx.json, "print JSON instead of a table");
}

CLI::Validator duration_validator() {
    return CLI::Validator(
        [](std::string& text) {
            auto d = tend::parse_duration(text);
            return d ? std::string() : d.error();
        },
        "");  // the option's type name says DURATION
}

void add_timeout_option(CLI::App* sub, CliContext& ctx, const std::string& help) {
    sub->add_option("--timeout", ctx.timeout_text, help)
        ->check(duration_validator())
        ->type_name("DURATION");
}

namespace {

using Register = void (*)(CLI::App&, CliContext&, Action&);

struct Family {
    Register add;
    std::vector<const char*> commands;
};

// Every command family, in the order `tend --help` lists them.
const std::vector<Family>& families() {
    static const std::vector<Family> all = {
        {register_program_commands, {"status", "start", "stop", "restart", "signal"}},
        {register_logs_command, {"logs"}},
        {register_check_command, {"check"}},
        {register_daemon_commands, {"shutdown", "version", "reload"}},
        {register_submit_command, {"submit"}},
        {register_job_commands, {"jobs", "show", "wait", "cancel", "retry"}},
        {register_queue_commands, {"queues", "pause", "resume"}},
        {register_cron_commands, {"cron"}},
    };
    return all;
}

// The family of the command named on the command line, or null when none is named and all
// must be registered (for `tend --help`). `unknown` gets a first word that is no command.
// Why: building CLI11's tree of every command costs about half a millisecond, a tenth of a
// whole `tend submit`, which scripts run once per job.
const Family* family_named(int argc, char** argv, std::string& unknown) {
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        if (a[0] == '-') {
            // The global options that take a value in the next word.
            for (const char* o : {"--socket", "--config", "--state-dir"})
                if (std::strcmp(a, o) == 0) ++i;
            if (std::strcmp(a, "--") == 0) return nullptr;
            continue;
        }
        for (const Family& f : families())
            for (const char* c : f.commands)
                if (std::strcmp(a, c) == 0) return &f;
        unknown = a;
        return nullptr;
    }
    return nullptr;
}

}  // namespace

}  // namespace tend::cli

int main(int argc, char** argv) {
    using namespace tend::cli;
    CliContext ctx;
    ctx.argc = argc;
    ctx.argv = argv;
    Action action;
    CLI::App app{"tend: control the tend process supervisor and job runner"};
    app.set_version_flag("-V,--cli-version", tend::kTendVersion);
    app.require_subcommand(1);
    app.add_option("--socket", ctx.socket_flag, "control socket of tendd (env TEND_SOCKET)");
    app.add_option("--config", ctx.config_flag, "config file, for `check` (env TEND_CONFIG)");
    app.add_option("--state-dir", ctx.state_dir_flag,
                   "state dir of tendd, for the spool of `submit` (env TEND_STATE_DIR)");
    app.fallthrough();
    std::string unknown;
    const Family* family = family_named(argc, argv, unknown);
    if (!unknown.empty()) {
        std::fprintf(stderr, "tend: unknown command \"%s\"\n", unknown.c_str());
        std::fprintf(stderr, "hint: see `tend --help` for the commands\n");
        return kExitUsage;
    }
    if (family)
        family->add(app, ctx, action);
    else
        for (const Family& f : families()) f.add(app, ctx, action);
    for (CLI::App* sub : app.get_subcommands({})) sub->fallthrough();
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "tend: %s\n", e.what());
        std::fprintf(stderr, "hint: see `tend --help` or `tend COMMAND --help`\n");
        return kExitUsage;
    }
    try {
        return action ? action() : kExitUsage;
    } catch (const CliError& e) {
        std::fflush(stdout);
        // The one place errors become messages and exit statuses.
        std::fprintf(stderr, "tend: %s\n", e.what());
        if (!e.hint.empty()) std::fprintf(stderr, "hint: %s\n", e.hint.c_str());
        return e.status;
    }
}
