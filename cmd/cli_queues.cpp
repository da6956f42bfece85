// tend queues | pause | resume | queue set: queue depth and throughput, stopping dispatch, and
// changing a queue's limits while tendd runs.
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cmd/commands.hpp"
#include "cmd/job_view.hpp"

namespace tend::cli {

namespace {

// KEY=VALUE arguments of `tend queue set` as {"KEY": integer}; the daemon checks the keys and
// bounds (the config's). A malformed argument is a usage error.
nlohmann::json queue_set_values(const std::vector<std::string>& pairs) {
    nlohmann::json values = nlohmann::json::object();
    for (const auto& p : pairs) {
        const auto eq = p.find('=');
        const std::string key = p.substr(0, eq);
        std::int64_t v = 0;
        const char* b = eq == std::string::npos ? nullptr : p.data() + eq + 1;
        const char* e = p.data() + p.size();
        auto [end, ec] = b ? std::from_chars(b, e, v) : std::from_chars_result{nullptr, {}};
        if (!b || key.empty() || ec != std::errc() || end != e || b == e)
            throw CliError(kExitUsage, "queue set: \"" + p + "\" is not KEY=INTEGER",
                           "keys: concurrency, weight, max_pending (e.g. concurrency=4)");
        values[key] = v;
    }
    return values;
}

void register_queue_set(CLI::App& app, CliContext& ctx, Action& action) {
    CLI::App* queue = app.add_subcommand("queue", "change a queue while tendd runs");
    queue->require_subcommand(1);
    CLI::App* set = queue->add_subcommand(
        "set", "set concurrency, weight or max_pending now (until the next reload or restart)");
    auto name = std::make_shared<std::string>();
    auto pairs = std::make_shared<std::vector<std::string>>();
    set->add_option("QUEUE", *name, "queue name")->required()->type_name("");
    // (CLI11 names may not hold '='.)
    set->add_option("SETTINGS", *pairs, "KEY=VALUE: concurrency=N, weight=N, max_pending=N")
        ->required()
        ->type_name("");
    add_json_flag(set, ctx);
    set->footer(
        "Applied at once and not written anywhere: the next `tend reload` or tendd start takes "
        "the config's values again. A lower concurrency stops nothing that runs.");
    set->callback([&ctx, &action, name, pairs] {
        action = [&ctx, name, pairs] {
            const nlohmann::json q =
                ctx.call("queue_set", {{"queue", *name}, {"values", queue_set_values(*pairs)}});
            if (ctx.json) {
                ctx.print_json(q);
                return kExitOk;
            }
            auto field = [&](const char* k) {
                return q.is_object() && q.contains(k) ? q[k].dump() : std::string("?");
            };
            std::printf(
                "queue %s: concurrency %s, weight %s, max_pending %s (%s pending, %s "
                "running)\n",
                name->c_str(), field("concurrency").c_str(), field("weight").c_str(),
                field("max_pending").c_str(), field("pending").c_str(), field("running").c_str());
            return kExitOk;
        };
    });
}

}  // namespace

void register_queue_commands(CLI::App& app, CliContext& ctx, Action& action) {
    register_queue_set(app, ctx, action);
    CLI::App* list = app.add_subcommand(
        "queues", "queues: pending, running, concurrency, oldest pending age, jobs done");
    add_json_flag(list, ctx);
    list->footer("DONE and FAILED count jobs finished since tendd started.");
    list->callback([&ctx, &action] {
        action = [&ctx] {
            print_queues(ctx, ctx.call("queues"));
            return kExitOk;
        };
    });

    for (auto [name, help] :
         {std::pair{"pause", "stop starting jobs from a queue (running ones go on)"},
          std::pair{"resume", "start jobs from a paused queue again"}}) {
        auto queue = std::make_shared<std::string>();
        CLI::App* sub = app.add_subcommand(name, help);
        sub->add_option("QUEUE", *queue, "queue name")->required()->type_name("");
        add_json_flag(sub, ctx);
        std::string cmd = name;
        sub->callback([&ctx, &action, queue, cmd] {
            action = [&ctx, queue, cmd] {
                const nlohmann::json q = ctx.call(cmd, {{"queue", *queue}});
                if (ctx.json) {
                    ctx.print_json(q);
                } else {
                    const bool paused = q.is_object() && q.value("paused", false);
                    auto count = [&](const char* k) {
                        return q.is_object() && q.contains(k) ? q[k].dump() : std::string("?");
                    };
                    std::printf("queue %s is %s (%s pending, %s running)\n", queue->c_str(),
                                paused ? "paused" : "active", count("pending").c_str(),
                                count("running").c_str());
                }
                return kExitOk;
            };
        });
    }
}

}  // namespace tend::cli
