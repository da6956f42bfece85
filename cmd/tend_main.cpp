// tend: the command-line front end. Runs the common forms of `tend submit` itself and hands
// every other command line to tend-cli, the full CLI (to tend-cli-dynamic for `logs`, `check`
// and the help that lists every command; CMakeLists.txt says why).
//
// Why two programs: scripts run `tend submit` once per job, and on a VM every page a process
// touches at start costs a page fault of ~20 µs. The dynamic loader, CLI11's option tree and
// libstdc++'s iostream set-up touch dozens of pages before any work; this program has none of
// them (static, no CLI11, no <iostream>), so a durable submit costs about 1.2x what a C program
// that appends and fdatasyncs a record costs (tests/bench/bench_submit_latency.sh).
// The submit itself runs through the same code as tend-cli's (cmd/submit_run.cpp); only the
// parsing differs, and anything it does not read exactly as CLI11 would goes to tend-cli.
#include "cmd/full_cli.hpp"
#include "cmd/helper_exec.hpp"
#include "cmd/submit_args.hpp"
#include "cmd/submit_run.hpp"

int main(int argc, char** argv) {
    using namespace tend::cli;
    try {
        if (auto fast = parse_submit_fast(argc, argv)) {
            CliContext ctx;
            ctx.argc = argc;
            ctx.argv = argv;
            ctx.socket_flag = std::move(fast->socket);
            ctx.config_flag = std::move(fast->config);
            ctx.state_dir_flag = std::move(fast->state_dir);
            ctx.spool_flag = std::move(fast->spool);
            ctx.json = fast->json;
            return run_submit(ctx, fast->options);
        }
#ifdef TEND_FRONT_IN_PROCESS
        // Sanitizer builds: one process, so every `tend` pays the sanitizer's start-up once
        // (CMakeLists.txt).
        return run_full_cli(argc, argv);
#else
        const std::string_view word = command_word(argc, argv);
        const bool dynamic = word.empty() || word == "logs" || word == "check";
        exec_helper(dynamic ? "tend-cli-dynamic" : "tend-cli", argv);
#endif
    } catch (const CliError& e) {
        return report_error(e);
    }
}
