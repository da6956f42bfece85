// tend submit on the command line: its options are the table of submit_options.cpp; running it
// is in submit_run.cpp.
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/submit_run.hpp"

namespace tend::cli {

void register_submit_command(CLI::App& app, CliContext& ctx, Action& action) {
    auto form = std::make_shared<SubmitForm>();
    add_submit_command(app, ctx.json, *form)->callback([&ctx, &action, form] {
        action = [&ctx, form] { return run_submit(ctx, *form); };
    });
}

}  // namespace tend::cli
