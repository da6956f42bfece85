// `tend submit`'s command line: one table declares each option and how it lands in the request.
//
// A new option of `tend submit` is one row here (the CLI11 option and its request field), the
// field in the typed request (queue/core/job_request_args.cpp), the job spec and tend(1).
// The spool path builds its jobs from these same arguments through the typed request, so it
// needs no edit (submit_run.cpp).
#include "cmd/submit_options.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string_view>

#include "cmd/cli_checks.hpp"
#include "cmd/cli_context.hpp"

namespace tend::cli {
namespace {

using json = nlohmann::json;
using Row = void (*)(CLI::App* sub, SubmitForm& form);

// A value a row's option is bound to: owned by the row's field, which outlives the parse.
template <typename T>
std::shared_ptr<T> value(T initial = T()) {
    return std::make_shared<T>(std::move(initial));
}

// Every option of `tend submit` that sets a field of the request, in the order `tend submit
// --help` lists them. Each row declares its option(s) and adds how the value is written.
constexpr Row kRows[] = {
    [](CLI::App* sub, SubmitForm& f) {
        auto v = value<std::string>("default");
        sub->add_option("-q,--queue", *v, "queue to run it in (default: default)")->type_name("Q");
        f.fields.push_back([v](json& a, const Caller&) { a["queue"] = *v; });
    },
    [](CLI::App* sub, SubmitForm& f) {
        auto v = value<std::string>();
        sub->add_option("--name", *v, "a name shown instead of the command")->type_name("NAME");
        f.fields.push_back([v](json& a, const Caller&) { a["name"] = *v; });
    },
    [](CLI::App* sub, SubmitForm& f) {
        auto v = value<std::int32_t>(0);
        sub->add_option("-p,--priority", *v, "higher runs first within the queue (default 0)")
            ->type_name("P");
        f.fields.push_back([v](json& a, const Caller&) { a["priority"] = *v; });
    },
    // --in and --at: two ways to give the one field run_at_us.
    [](CLI::App* sub, SubmitForm& f) {
        auto in = value<std::string>();
        auto at = value<std::string>();
        auto* in_option = sub->add_option("--in", *in, "run after this long (30s, 5m, 1h30m)")
                              ->check(duration_validator())
                              ->type_name("DURATION");
        sub->add_option("--at", *at, std::string("run at this time: ") + kAtForms)
            ->excludes(in_option)
            ->type_name("TIME");
        f.fields.push_back([in, at](json& a, const Caller& c) {
            std::int64_t run_at_us = 0;
            if (!at->empty()) {
                auto t = parse_at(*at, c.now_us, c.utc_offset_at);
                if (!t) throw CliError(kExitUsage, "submit: --at: " + t.error());
                run_at_us = *t;
            } else if (!in->empty()) {
                auto t = parse_in(*in, c.now_us);
                if (!t) throw CliError(kExitUsage, "submit: --in: " + t.error());
                run_at_us = *t;
            }
            a["run_at_us"] = run_at_us;
        });
    },
    [](CLI::App* sub, SubmitForm& f) {
        auto v = value<std::uint32_t>(0);
        sub->add_option("--attempts", *v,
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
        f.fields.push_back([v](json& a, const Caller&) { a["attempts"] = *v; });
    },
    [](CLI::App* sub, SubmitForm& f) {
        auto v = value<std::string>();
        sub->add_option("--timeout", *v,
                        "kill an attempt after this long (default: the queue's; 0: none)")
            ->check(duration_validator())
            ->type_name("DURATION");
        f.fields.push_back([v](json& a, const Caller&) {
            std::int64_t timeout_us = -1;  // the queue's
            if (!v->empty()) {
                auto d = parse_duration(*v);
                if (!d) throw CliError(kExitUsage, "submit: --timeout: " + d.error());
                timeout_us = d->count();
            }
            a["timeout_us"] = timeout_us;
        });
    },
    [](CLI::App* sub, SubmitForm& f) {
        auto v = value<std::vector<std::uint64_t>>();
        sub->add_option("--after", *v, "run once job ID has succeeded (repeatable)")
            ->check(job_id_validator())
            ->allow_extra_args(false)
            ->type_name("ID");
        f.fields.push_back([v](json& a, const Caller&) { a["after"] = *v; });
    },
    [](CLI::App* sub, SubmitForm& f) {
        sub->add_option("--key", f.key,
                        "uniqueness key: while a job with this key is scheduled, pending or "
                        "running, print its id instead of adding another")
            ->type_name("K");
        f.fields.push_back([&f](json& a, const Caller&) { a["key"] = f.key; });
    },
    [](CLI::App* sub, SubmitForm& f) {
        auto v = value<std::vector<std::string>>();
        sub->add_option("-e,--env", *v, "set a variable for the job (repeatable)")
            ->allow_extra_args(false)
            ->check(CLI::Validator(
                [](std::string& kv) {
                    size_t eq = kv.find('=');
                    return eq == std::string::npos || eq == 0 ? "expected K=V with a non-empty K"
                                                              : std::string();
                },
                ""))
            ->type_name("K=V");
        f.fields.push_back([v](json& a, const Caller& c) {
            a["env"] = env_with_overrides(c.environ, *v, "submit");
        });
    },
    [](CLI::App* sub, SubmitForm& f) {
        auto v = value<std::string>();
        sub->add_option("-C,--cwd", *v, "working directory of the job (default: the current one)")
            ->type_name("DIR");
        f.fields.push_back([v](json& a, const Caller& c) {
            std::filesystem::path dir(*v);
            if (!dir.is_absolute()) {
                if (!c.cwd)
                    throw CliError(kExitInvalid, "submit: cannot tell the working directory",
                                   c.cwd_error);
                dir = std::filesystem::path(*c.cwd) / dir;
            }
            std::string cwd = dir.lexically_normal().string();
            if (cwd.size() > 1 && cwd.back() == '/') cwd.pop_back();
            a["cwd"] = cwd;
        });
    },
};

}  // namespace

json SubmitForm::request_args(const Caller& caller) const {
    json args = json::object();
    for (const Field& field : fields) field(args, caller);
    return args;
}

CLI::App* add_submit_command(CLI::App& app, bool& json_flag, SubmitForm& form) {
    CLI::App* sub = app.add_subcommand("submit", "enqueue a job and print its id");
    sub->add_option("CMD", form.command, "the command and its arguments, after --")->type_name("");
    for (Row row : kRows) row(sub, form);
    sub->add_flag("--wait", form.wait, "block until it finishes and exit with its status");
    sub->add_flag("--shell", form.shell, "join the words into one string run by /bin/sh -c");
    sub->add_flag("--stdin", form.from_stdin,
                  "one job per non-empty line of standard input, each run by /bin/sh -c, "
                  "all submitted as one batch (no CMD)");
    sub->add_flag("--json", json_flag, "print JSON instead of a table");
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

std::vector<std::string> env_with_overrides(const char* const* environ,
                                            const std::vector<std::string>& overrides,
                                            const std::string& command) {
    std::vector<std::string> env;
    for (const char* const* e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        // JSON carries text only; a job must not get a silently mangled variable.
        if (!is_utf8(kv)) {
            std::fprintf(stderr, "tend: %s: warning: %.*s is not valid UTF-8; not passed\n",
                         command.c_str(), int(kv.substr(0, kv.find('=')).size()), kv.data());
            continue;
        }
        env.emplace_back(kv);
    }
    for (const auto& o : overrides) {
        if (!is_utf8(o))
            throw CliError(kExitInvalid, command + ": --env " + o.substr(0, o.find('=')) +
                                             ": the value is not valid UTF-8");
        const std::string prefix = o.substr(0, o.find('=') + 1);
        std::erase_if(env, [&](const std::string& kv) { return kv.rfind(prefix, 0) == 0; });
        env.push_back(o);
    }
    return env;
}

}  // namespace tend::cli
