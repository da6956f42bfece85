// tend jobs | show | wait | cancel | retry: looking at and acting on submitted jobs.
#include <cstdio>
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/job_view.hpp"
#include "cmd/job_wait.hpp"
#include "queue/core/job.hpp"

namespace tend::cli {

using json = nlohmann::json;

namespace {

struct JobsOptions {
    std::string queue;
    std::string state;
    long limit = 50;
};

std::string state_names() {
    std::string names;
    for (int i = 0; i < jobs::kJobStateCount; ++i)
        names += std::string(i ? ", " : "") + jobs::to_string(static_cast<jobs::JobState>(i));
    return names;
}

CLI::Option* add_ids(CLI::App* sub, std::vector<std::uint64_t>& ids, const char* help) {
    return sub->add_option("JOB", ids, help)->required()->check(job_id_validator())->type_name("");
}

int run_jobs(const CliContext& ctx, const JobsOptions& o) {
    json args = {{"limit", o.limit}};
    if (!o.queue.empty()) args["queue"] = o.queue;
    if (!o.state.empty()) args["state"] = o.state;
    const json data = ctx.call("jobs", args);
    print_jobs(ctx, data);
    if (!ctx.json && o.limit > 0 && data.is_array() && data.size() >= size_t(o.limit))
        std::fprintf(stderr, "(the newest %ld shown; --limit 0 shows all)\n", o.limit);
    return kExitOk;
}

int run_wait(const CliContext& ctx, const std::vector<std::uint64_t>& ids) {
    const Deadline deadline = ctx.deadline();  // before connecting: a bad --timeout is usage
    Connection conn(ctx);
    const json done = wait_for_jobs(conn, ids, deadline);
    if (ctx.json) ctx.print_json(done);
    return jobs_exit_status(done, ids, !ctx.json);
}

// cancel and retry answer per job; any refusal makes the command fail.
int run_each(const CliContext& ctx, const std::string& cmd, const std::vector<std::uint64_t>& ids) {
    const json data = ctx.call(cmd, {{"ids", ids}});
    if (ctx.json) ctx.print_json(data);
    int status = kExitOk;
    const json results = data.is_object() ? data.value("results", json::array()) : json::array();
    for (const auto& r : results) {
        const std::string id = r.contains("id") ? r["id"].dump() : "?";
        if (r.value("ok", false)) {
            if (!ctx.json) {
                const json state = r.value("state", json());
                std::printf("job %s: %s\n", id.c_str(),
                            state.is_string() ? state.get<std::string>().c_str() : "done");
            }
        } else {
            const json e = r.value("error", json());
            std::fflush(stdout);
            std::fprintf(
                stderr, "tend: %s: %s\n", cmd.c_str(),
                e.is_string() ? e.get<std::string>().c_str() : ("job " + id + " failed").c_str());
            status = kExitFailed;
        }
    }
    return status;
}

}  // namespace

CLI::Validator job_id_validator() {
    return CLI::Validator(
        [](std::string& id) {
            const bool digits = !id.empty() && id.find_first_not_of("0123456789") == id.npos;
            return digits && id.find_first_not_of('0') != id.npos && id.size() < 20
                       ? std::string()
                       : "expected a job id (a positive number), not \"" + id + "\"";
        },
        "");
}

void register_job_commands(CLI::App& app, CliContext& ctx, Action& action) {
    auto o = std::make_shared<JobsOptions>();
    CLI::App* list = app.add_subcommand("jobs", "list jobs, newest first");
    list->add_option("-q,--queue", o->queue, "only jobs of this queue")->type_name("Q");
    list->add_option("-s,--state", o->state, "only jobs in this state: " + state_names())
        ->check(CLI::Validator(
            [](std::string& s) {
                return jobs::parse_job_state(s)
                           ? std::string()
                           : "unknown state \"" + s + "\"; the states are " + state_names();
            },
            ""))
        ->type_name("STATE");
    list->add_option("-n,--limit", o->limit, "show at most N jobs (default 50; 0: all)")
        ->check(CLI::Validator(
            [](std::string& n) {
                return n.find_first_not_of("0123456789") == std::string::npos && !n.empty()
                           ? std::string()
                           : "expected a number, 0 or more, not \"" + n + "\"";
            },
            ""))
        ->type_name("N");
    add_json_flag(list, ctx);
    list->callback([&ctx, &action, o] { action = [&ctx, o] { return run_jobs(ctx, *o); }; });

    auto show_id = std::make_shared<std::uint64_t>(0);
    CLI::App* show = app.add_subcommand(
        "show", "everything about one job: command, times, attempts, why it is not running");
    show->add_option("JOB", *show_id, "job id")
        ->required()
        ->check(job_id_validator())
        ->type_name("");
    add_json_flag(show, ctx);
    show->callback([&ctx, &action, show_id] {
        action = [&ctx, show_id] {
            print_job(ctx, ctx.call("show", {{"id", *show_id}}));
            return kExitOk;
        };
    });

    auto wait_ids = std::make_shared<std::vector<std::uint64_t>>();
    CLI::App* wait = app.add_subcommand("wait", "block until jobs finish; exit with their status");
    add_ids(wait, *wait_ids, "job ids");
    add_timeout_option(wait, ctx, "give up after this long (exit 124)");
    add_json_flag(wait, ctx);
    wait->footer(
        "Exit status: for each job in the order given, the first non-zero of: succeeded 0; "
        "failed or dead: its exit code, or 128+N if signal N killed it; cancelled: 128+N if a "
        "signal killed it, else its exit code if not 0, else 1. 124: --timeout elapsed.");
    wait->callback([&ctx, &action, wait_ids] {
        action = [&ctx, wait_ids] { return run_wait(ctx, *wait_ids); };
    });

    for (auto [name, help] : {std::pair{"cancel",
                                        "cancel pending or running jobs (running ones "
                                        "get TERM, then KILL after stop_timeout)"},
                              std::pair{"retry", "re-enqueue failed or dead jobs"}}) {
        auto ids = std::make_shared<std::vector<std::uint64_t>>();
        CLI::App* sub = app.add_subcommand(name, help);
        add_ids(sub, *ids, "job ids");
        add_json_flag(sub, ctx);
        std::string cmd = name;
        sub->callback([&ctx, &action, ids, cmd] {
            action = [&ctx, ids, cmd] { return run_each(ctx, cmd, *ids); };
        });
    }
}

}  // namespace tend::cli
