// tend cron list | next | add | remove | run: cron entries (SPEC §7).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "cmd/cli_table.hpp"
#include "cmd/commands.hpp"
#include "cmd/cron_next.hpp"
#include "cmd/submit_run.hpp"
#include "cmd/usage_hint.hpp"
#include "queue/cron/cron_entry.hpp"

namespace tend::cli {
namespace {

using json = nlohmann::json;

std::string text_of(const json& v) {
    return v.is_string() ? v.get<std::string>() : v.is_null() ? "-" : v.dump();
}

std::string entry_command_text(const json& e) {
    std::string out;
    for (const auto& a : e.value("command", json::array())) {
        if (!out.empty()) out += ' ';
        out += a.is_string() ? a.get<std::string>() : a.dump();
    }
    return out;
}

void print_entries(const CliContext& ctx, const json& entries) {
    if (ctx.json) return ctx.print_json(entries);
    std::vector<std::vector<Cell>> rows;
    for (const auto& e : entries) {
        std::string last = "-";
        const char* colour = nullptr;
        if (const json& j = e["last_job"]; j.is_object()) {
            const std::string state = j.value("state", "?");
            last = state + " (job " + j["id"].dump() + ")";
            if (state == "succeeded") colour = "32";
            if (state == "failed" || state == "dead") colour = "31";
        }
        rows.push_back({{e.value("name", "")},
                        {e.value("schedule", "")},
                        {e.value("timezone", "")},
                        {e.value("source", "")},
                        {text_of(e["last_fire"])},
                        {text_of(e["next_fire"])},
                        {last, colour},
                        {entry_command_text(e)}});
    }
    print_table(
        {"NAME", "SCHEDULE", "TIMEZONE", "SOURCE", "LAST FIRE", "NEXT FIRE", "LAST JOB", "COMMAND"},
        rows, ctx.colour());
}

// An expression has spaces or starts with '@'; a name never does.
bool looks_like_expression(const std::string& s) {
    return !s.empty() && (s[0] == '@' || s.find_first_of(" \t") != std::string::npos);
}

struct AddOptions {
    std::string name, schedule, tz, queue = "default", overlap = "skip", catch_up = "latest";
    std::string window, jitter, cwd;
    std::vector<std::string> env, command;
    bool shell = false;
};

json add_args(const AddOptions& o) {
    if (o.command.empty()) throw CliError(kExitUsage, "cron add: no command after --");
    json a = {{"name", o.name},   {"schedule", o.schedule}, {"timezone", o.tz},
              {"queue", o.queue}, {"overlap", o.overlap},   {"catch_up", o.catch_up},
              {"shell", o.shell}};
    if (o.shell) {
        std::string line;
        for (const auto& w : o.command) line += (line.empty() ? "" : " ") + w;
        a["argv"] = json::array({line});
    } else {
        a["argv"] = o.command;
    }
    if (!o.window.empty()) a["catch_up_window_us"] = parse_duration(o.window)->count();
    if (!o.jitter.empty()) a["jitter_us"] = parse_duration(o.jitter)->count();
    std::error_code ec;
    std::filesystem::path cwd =
        o.cwd.empty() ? std::filesystem::current_path(ec) : std::filesystem::absolute(o.cwd, ec);
    if (ec)
        throw CliError(kExitInvalid, "cron add: cannot tell the working directory", ec.message());
    a["cwd"] = cwd.lexically_normal().string();
    a["env"] = capture_env(o.env, "cron add");
    if (!o.shell)
        refuse_shell_line(o.command, a["env"].get<std::vector<std::string>>(),
                          a["cwd"].get<std::string>(), "cron add",
                          "tend cron add " + shell_quote(o.name) + " " + shell_quote(o.schedule));
    return a;
}

}  // namespace

void register_cron_commands(CLI::App& app, CliContext& ctx, Action& action) {
    CLI::App* cron = app.add_subcommand("cron", "cron entries: list, next, add, remove, run");
    cron->require_subcommand(1);

    CLI::App* list = cron->add_subcommand(
        "list", "entries with their source, last and next fire, and last job's result");
    add_json_flag(list, ctx);
    list->callback([&ctx, &action] {
        action = [&ctx] {
            print_entries(ctx, ctx.call("cron_list"));
            return kExitOk;
        };
    });

    // `next` of an expression needs no tendd (cron_next.cpp); of an entry, tendd answers.
    CLI::App* next = cron->add_subcommand(
        "next", "the next fire times of an expression (no tendd needed) or of an entry");
    auto target = std::make_shared<std::string>();
    auto tz = std::make_shared<std::string>();
    auto from = std::make_shared<std::string>();
    auto count = std::make_shared<int>(10);
    next->add_option("EXPR|NAME", *target, "a cron expression, or the name of an entry")
        ->required();
    next->add_option("--tz", *tz, "time zone of an expression (default: the local zone)");
    next->add_option("--from", *from,
                     "start after this time: ISO 8601 with or without offset, or @UNIX_SECONDS "
                     "(default: now)");
    next->add_option("-n", *count, "how many fire times (default 10)")
        ->check(CLI::Range(1, 100000));
    add_json_flag(next, ctx);
    next->callback([&ctx, &action, target, tz, from, count] {
        action = [&ctx, target, tz, from, count] {
            if (looks_like_expression(*target))
                return print_cron_next(*target, *tz, *from, *count, ctx.json);
            if (!tz->empty() || !from->empty())
                throw CliError(kExitUsage,
                               "cron next: --tz and --from apply to an expression; " + *target +
                                   " names an entry, which has its own zone",
                               "tend cron next 'EXPR' --tz ZONE --from TIME");
            json r = ctx.call("cron_next", {{"name", *target}, {"count", *count}});
            if (ctx.json) {
                ctx.print_json(r);
            } else {
                for (const auto& t : r.value("times", json::array()))
                    std::printf("%s\n", t.get<std::string>().c_str());
            }
            return kExitOk;
        };
    });

    auto o = std::make_shared<AddOptions>();
    CLI::App* add = cron->add_subcommand("add", "add an entry, stored in tendd's state dir");
    add->add_option("NAME", o->name, "entry name (letters, digits, - _ .)")->required();
    add->add_option("EXPR", o->schedule, "cron expression, e.g. '*/5 * * * *' or @daily")
        ->required();
    add->add_option("--tz", o->tz, "time zone (IANA name; default: tendd's local zone)");
    add->add_option("-q,--queue", o->queue, "queue of its jobs (default: default)");
    add->add_option("--overlap", o->overlap, "skip | allow | replace (default: skip)")
        ->check(CLI::IsMember({"skip", "allow", "replace"}));
    add->add_option("--catch-up", o->catch_up, "none | latest | all (default: latest)")
        ->check(CLI::IsMember({"none", "latest", "all"}));
    add->add_option("--catch-up-window", o->window, "how far back missed ticks count (default 24h)")
        ->check(duration_validator())
        ->type_name("DURATION");
    add->add_option("--jitter", o->jitter, "random delay in [0, D) per tick")
        ->check(duration_validator())
        ->type_name("DURATION");
    add->add_option("-e,--env", o->env, "KEY=VALUE for its jobs (repeatable)");
    add->add_option("-C,--cwd", o->cwd, "working directory of its jobs (default: the current one)");
    add->add_flag("--shell", o->shell, "run the command as one /bin/sh -c line");
    add->add_option("CMD", o->command, "command and arguments, after --")->expected(-1);
    add->footer(
        "Its jobs run as you, in --cwd, with your environment (plus --env), TEND_CRON_NAME and "
        "TEND_CRON_TIME.");
    add_json_flag(add, ctx);
    add->callback([&ctx, &action, o] {
        action = [&ctx, o] {
            json e = ctx.call("cron_add", add_args(*o));
            if (ctx.json)
                ctx.print_json(e);
            else
                std::printf("added cron entry %s; next fire %s\n", o->name.c_str(),
                            text_of(e["next_fire"]).c_str());
            return kExitOk;
        };
    });

    auto name = std::make_shared<std::string>();
    auto wait = std::make_shared<bool>(false);
    CLI::App* remove = cron->add_subcommand("remove", "remove an entry added with tend cron add");
    remove->add_option("NAME", *name, "entry name")->required();
    add_json_flag(remove, ctx);
    remove->callback([&ctx, &action, name] {
        action = [&ctx, name] {
            json r = ctx.call("cron_remove", {{"name", *name}});
            if (ctx.json)
                ctx.print_json(r);
            else
                std::printf("removed cron entry %s\n", name->c_str());
            return kExitOk;
        };
    });

    CLI::App* run = cron->add_subcommand("run", "enqueue a run of an entry now");
    run->add_option("NAME", *name, "entry name")->required();
    run->add_flag("--wait", *wait, "wait for the job and exit with its status");
    add_json_flag(run, ctx);
    run->callback([&ctx, &action, name, wait] {
        action = [&ctx, name, wait] {
            // One connection: the id is printed before the wait, as `tend submit --wait` does.
            Connection conn(ctx);
            json r = conn.request("cron_run", {{"name", *name}});
            const std::uint64_t id = r.value("id", std::uint64_t{0});
            if (ctx.json)
                ctx.print_json(r);
            else
                std::printf("%llu\n", static_cast<unsigned long long>(id));
            if (!*wait) return kExitOk;
            std::fflush(stdout);
            return jobs_exit_status(wait_for_jobs(conn, {id}, std::nullopt), {id}, true);
        };
    });
}

}  // namespace tend::cli
