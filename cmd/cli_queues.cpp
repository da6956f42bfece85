// tend queues | pause | resume: queue depth and throughput, and stopping dispatch.
#include <cstdio>
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/job_view.hpp"

namespace tend::cli {

void register_queue_commands(CLI::App& app, CliContext& ctx, Action& action) {
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
