// Runs one job through queue/daemon/job_process (run by tests/integration/test_pg_shim.sh):
// with --shim, under tend-shim (the PostgreSQL store's fence), with --plain as the file store
// runs jobs. Prints "pid N" once the job runs and "exit CODE SIGNAL REASON" when it ends; with
// --term-after-ms N it stops the job as a cancel does (TERM to the group, KILL after 5 s).
// Usage: tend_job_probe --shim|--plain [--term-after-ms N] OUTPUT_FILE -- ARGV...
#include <signal.h>
#include <systemd/sd-event.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "queue/daemon/job_process.hpp"
#include "supervisor/daemon/event_loop.hpp"

using namespace tend;
using namespace tend::jobs;

namespace {

std::unique_ptr<JobProcess> job;

int on_term(sd_event_source*, uint64_t, void*) {
    if (job) job->terminate(std::chrono::seconds(5));
    return 0;
}

[[noreturn]] void usage() {
    std::fprintf(
        stderr,
        "usage: tend_job_probe --shim|--plain [--term-after-ms N] OUTPUT_FILE -- ARGV...\n");
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    int i = 1;
    if (i >= argc) usage();
    const bool shim = std::strcmp(argv[i], "--shim") == 0;
    if (!shim && std::strcmp(argv[i], "--plain") != 0) usage();
    ++i;
    long term_after_ms = -1;
    if (i + 1 < argc && std::strcmp(argv[i], "--term-after-ms") == 0) {
        term_after_ms = std::atol(argv[i + 1]);
        i += 2;
    }
    if (i + 2 >= argc || std::strcmp(argv[i + 1], "--") != 0) usage();
    JobLaunch launch;
    launch.output_path = argv[i];
    launch.output_cap = 1 << 20;
    for (int k = i + 2; k < argc; ++k) launch.spawn.argv.emplace_back(argv[k]);
    for (char** e = environ; *e; ++e) launch.spawn.env.emplace_back(*e);  // the test's marker
    if (shim) {
        auto path = locate_shim();
        if (!path) {
            std::fprintf(stderr, "%s\n", path.error().c_str());
            return 1;
        }
        launch.shim = *path;
    }

    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, nullptr);
    sd_event* loop = nullptr;
    if (sd_event_default(&loop) < 0) return 1;
    auto reaper = ChildReaper::start(loop);
    if (!reaper) {
        std::fprintf(stderr, "%s\n", reaper.error().c_str());
        return 1;
    }
    auto started = JobProcess::start(
        loop, **reaper, std::move(launch), [loop](ExitStatus x, const std::string& reason, bool) {
            std::printf("exit %d %d %s\n", x.code, x.signal, reason.c_str());
            std::fflush(stdout);
            sd_event_exit(loop, 0);
        });
    if (!started) {
        std::printf("cannot start: %s\n", started.error().c_str());
        return 1;
    }
    job = std::move(started.value());
    std::printf("pid %d\n", static_cast<int>(job->pid()));
    std::fflush(stdout);
    EventSource term;
    if (term_after_ms >= 0) {
        auto t = ev::add_time_relative(loop, CLOCK_MONOTONIC,
                                       static_cast<uint64_t>(term_after_ms) * 1000, 1000, on_term,
                                       nullptr, "arm the probe's stop");
        if (!t) return 1;
        term = std::move(*t);
    }
    int r = sd_event_loop(loop);
    job.reset();
    term.reset();
    reaper->reset();
    sd_event_unref(loop);
    return r < 0 ? 1 : 0;
}
