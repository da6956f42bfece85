// tend: the command-line client. Every command is parsed by CLI11 and runs in this process;
// errors become messages and exit statuses in one place (report_error, cmd/cli_context.cpp).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cmd/command_word.hpp"
#include "cmd/commands.hpp"
#include "cmd/usage_hint.hpp"
#include "cmd/version.hpp"

namespace tend::cli {
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
        {register_events_command, {"events"}},
        {register_logs_command, {"logs"}},
        {register_check_command, {"check"}},
        {register_daemon_commands, {"shutdown", "version", "reload"}},
        {register_submit_command, {"submit"}},
        {register_job_commands, {"jobs", "show", "wait", "cancel", "retry"}},
        {register_queue_commands, {"queues", "pause", "resume", "queue"}},
        {register_cron_commands, {"cron"}},
        {register_migrate_command, {"migrate"}},
    };
    return all;
}

// The family of the command named on the command line, or null when none is named and all
// must be registered (for `tend --help`). `unknown` gets a first word that is no command.
// Why: building CLI11's tree of every command costs about half a millisecond, a tenth of a
// whole `tend submit`, which scripts run once per job.
const Family* family_named(int argc, char** argv, std::string& unknown) {
    const std::string_view word = command_word(argc, argv);
    if (word.empty() || word == "help") return nullptr;
    for (const Family& f : families())
        for (const char* c : f.commands)
            if (word == c) return &f;
    unknown = word;
    return nullptr;
}

const CLI::App* subcommand_named(const CLI::App& app, std::string_view name) {
    for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; }))
        if (s->get_name() == name) return s;
    return nullptr;
}

// The hint after a command line CLI11 refused. `tend submit ls -la` ("-la" was not expected)
// is a job's command without `--`: say where it goes (also for `tend cron add`).
std::string parse_hint(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
    const std::string generic = "see `tend --help` or `tend COMMAND --help`";
    // By type: CLI11 gives an ExtrasError the app's name rather than its own.
    if (!dynamic_cast<const CLI::ExtrasError*>(&e)) return generic;
    const std::string_view word = command_word(argc, argv);
    int at = 1;
    while (at < argc && argv[at] != word.data()) ++at;
    if (at >= argc) return generic;
    const CLI::App* sub = subcommand_named(app, word);
    int end = at + 1, leading = 0;
    if (sub && word == "cron") {
        sub = end < argc && std::string_view(argv[end]) == "add" ? subcommand_named(*sub, "add")
                                                                 : nullptr;
        ++end;
        leading = 2;  // NAME and EXPR
    } else if (word != "submit") {
        sub = nullptr;
    }
    if (!sub) return generic;
    const std::string s =
        dashdash_suggestion(*sub, std::vector<std::string>(argv + 1, argv + end),
                            std::vector<std::string>(argv + end, argv + argc), leading);
    return s.empty() ? generic : "put the job's command after `--`: " + s;
}

}  // namespace
}  // namespace tend::cli

int main(int argc, char** argv) {
    using namespace tend::cli;
    // `tend help [COMMAND...]` is `tend [COMMAND...] --help`: the same text, one way to make it.
    std::vector<char*> help_argv;
    if (const std::string_view word = command_word(argc, argv); word == "help") {
        static char help_flag[] = "--help";
        for (int i = 0; i < argc; ++i)
            if (argv[i] != word.data()) help_argv.push_back(argv[i]);
        help_argv.push_back(help_flag);
        argc = int(help_argv.size());
        help_argv.push_back(nullptr);
        argv = help_argv.data();
    }
    CliContext ctx;
    Action action;
    CLI::App app{"tend: control the tend process supervisor and job runner"};
    app.set_version_flag("-V,--cli-version", tend::kTendVersion);
    app.require_subcommand(1);
    add_global_options(app, ctx);
    std::string unknown;
    const Family* family = family_named(argc, argv, unknown);
    if (!unknown.empty()) {
        std::fprintf(stderr, "tend: unknown command \"%s\"\n", unknown.c_str());
        std::fprintf(stderr, "hint: see `tend --help` for the commands\n");
        return kExitUsage;
    }
    if (family) {
        family->add(app, ctx, action);
    } else {
        for (const Family& f : families()) f.add(app, ctx, action);
        // Listed in `tend --help`; main turns `tend help X` into `tend X --help` above.
        app.add_subcommand("help", "show a command's help: tend help [COMMAND...]");
    }
    for (CLI::App* sub : app.get_subcommands({})) sub->fallthrough();
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "tend: %s\n", e.what());
        std::fprintf(stderr, "hint: %s\n", parse_hint(app, e, argc, argv).c_str());
        return kExitUsage;
    }
    try {
        return action ? action() : kExitUsage;
    } catch (const CliError& e) {
        return report_error(e);
    }
}
