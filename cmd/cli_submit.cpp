// tend submit's options on the CLI11 command line; running it is in submit_run.cpp.
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/submit_run.hpp"
#include "cmd/submit_time.hpp"

namespace tend::cli {

CLI::App* add_submit_command(CLI::App& app, CliContext& ctx, SubmitOptions& o) {
    CLI::App* sub = app.add_subcommand("submit", "enqueue a job and print its id");
    sub->add_option("CMD", o.command, "the command and its arguments, after --")->type_name("");
    sub->add_option("-q,--queue", o.queue, "queue to run it in (default: default)")->type_name("Q");
    sub->add_option("--name", o.name, "a name shown instead of the command")->type_name("NAME");
    sub->add_option("-p,--priority", o.priority, "higher runs first within the queue (default 0)")
        ->type_name("P");
    auto* in = sub->add_option("--in", o.in, "run after this long (30s, 5m, 1h30m)")
                   ->check(duration_validator())
                   ->type_name("DURATION");
    sub->add_option("--at", o.at, std::string("run at this time: ") + kAtForms)
        ->excludes(in)
        ->type_name("TIME");
    sub->add_option("--attempts", o.attempts,
                    "attempts before the job is dead, at least 1 (default: the queue's)")
        ->check(CLI::Validator(
            [](std::string& n) {
                const bool digits = !n.empty() && n.find_first_not_of("0123456789") == n.npos;
                return digits && n.find_first_not_of('0') != n.npos && n.size() < 10
                           ? std::string()
                           : "expected a number, 1 or more, not \"" + n + "\"";
            },
            ""))
        ->type_name("N");
    sub->add_option("--timeout", o.timeout,
                    "kill an attempt after this long (default: the queue's; 0: none)")
        ->check(duration_validator())
        ->type_name("DURATION");
    sub->add_option("--after", o.after, "run once job ID has succeeded (repeatable)")
        ->check(job_id_validator())
        ->allow_extra_args(false)
        ->type_name("ID");
    sub->add_option("--key", o.key,
                    "uniqueness key: while a job with this key is scheduled, pending or "
                    "running, print its id instead of adding another")
        ->type_name("K");
    sub->add_option("-e,--env", o.env, "set a variable for the job (repeatable)")
        ->allow_extra_args(false)
        ->check(CLI::Validator(
            [](std::string& kv) {
                size_t eq = kv.find('=');
                return eq == std::string::npos || eq == 0 ? "expected K=V with a non-empty K"
                                                          : std::string();
            },
            ""))
        ->type_name("K=V");
    sub->add_option("-C,--cwd", o.cwd, "working directory of the job (default: the current one)")
        ->type_name("DIR");
    sub->add_flag("--wait", o.wait, "block until it finishes and exit with its status");
    sub->add_flag("--shell", o.shell, "join the words into one string run by /bin/sh -c");
    sub->add_flag("--stdin", o.from_stdin,
                  "one job per non-empty line of standard input, each run by /bin/sh -c, "
                  "all submitted as one batch (no CMD)");
    add_json_flag(sub, ctx);
    sub->footer(
        "Usage forms:\n"
        "  tend submit [OPTIONS] -- CMD [ARGS...]\n"
        "  tend submit --stdin [OPTIONS] < FILE\n\n"
        "The job runs with the caller's environment (plus --env) in --cwd. Its id is printed "
        "once it is on disk. If tendd is not running, the job is stored in the spool that "
        "pairs with the socket (--spool, else the one tendd recorded beside its socket, else "
        "STATE/spool of --state-dir) and tendd takes it in when it starts; when that spool "
        "cannot be known, the submit exits 69.\n\n"
        "Examples:\n"
        "  tend submit -- ./bin/report --month 2026-11\n"
        "  id=$(tend submit --queue mail --attempts 3 --in 10m -- ./send-digest)\n"
        "  tend submit --shell --at 02:00 -- 'pg_dump app | gzip > /backup/app.gz'\n"
        "  ./list-thumbnail-commands | tend submit --stdin --queue images");
    return sub;
}

void register_submit_command(CLI::App& app, CliContext& ctx, Action& action) {
    auto o = std::make_shared<SubmitOptions>();
    add_submit_command(app, ctx, *o)->callback([&ctx, &action, o] {
        action = [&ctx, o] { return run_submit(ctx, *o); };
    });
}

}  // namespace tend::cli
