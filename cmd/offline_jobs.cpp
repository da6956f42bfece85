// Reading a stopped daemon's jobs from its state dir for `tend jobs`, `show` and `logs JOB`.
#include "cmd/offline_jobs.hpp"

#include <unistd.h>
#include <algorithm>
#include <cstdio>

#include "cmd/cli_context.hpp"
#include "cmd/full_config_loader.hpp"
#include "cmd/job_view.hpp"
#include "queue/store/spool_pairing.hpp"
#include "supervisor/config/paths.hpp"

namespace tend::cli {

Result<std::string> choose_read_state_dir(const StateDirChoice& in) {
    if (in.state_dir_named || in.socket_is_default) return in.state_dir;
    constexpr std::string_view tail = "/spool";
    const std::string& s = in.paired_spool;
    if (s.size() > tail.size() + 1 && s.compare(s.size() - tail.size(), tail.size(), tail) == 0)
        return s.substr(0, s.size() - tail.size());
    return make_error("its state dir is not known");
}

bool readable_offline(const std::string& cmd) {
    return cmd == "jobs" || cmd == "show" || cmd == "logs";
}

std::shared_ptr<const jobs::JobLogView> open_offline_view(const CliContext& ctx,
                                                          const DaemonNotRunning& down) {
    const Paths p = resolve_paths(ctx.config_flag, ctx.state_dir_flag, ctx.socket_flag);
    StateDirChoice in;
    in.state_dir_named = p.state_dir_explicit;
    in.state_dir = absolute_path(p.state_dir);
    in.socket_is_default = p.socket == p.default_socket;
    const jobs::Pairing pairing = jobs::read_pairing_file(p.socket, getuid());
    if (pairing.state == jobs::Pairing::State::found) in.paired_spool = pairing.spool;
    auto dir = choose_read_state_dir(in);
    if (!dir)
        throw CliError(
            kExitUnreachable,
            std::string(down.what()) + "; its jobs cannot be read from disk: " + dir.error(),
            "name tendd's state dir with --state-dir or TEND_STATE_DIR");
    jobs::JobLogViewOptions o;
    o.state_dir = *dir;
    o.now = wall_now_us();
    o.uid = geteuid();
    o.gid = getegid();
    // The config's queues say why a job waits, as tendd would; without one, the defaults.
    const int cpus = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
    FullLoadResult full = load_full_config(p.config, p.config_explicit);
    o.queues = queue_settings_for_cpus(
        full.load.loaded ? full.queue.queues : std::vector<QueueConfig>{}, cpus);
    jobs::JobLogView::OpenError error;
    auto view = jobs::JobLogView::open(o, error);
    if (!view) {
        if (error.missing) throw down;
        throw CliError(
            kExitUnreachable,
            std::string(down.what()) + "; its jobs cannot be read from disk: " + error.message,
            error.denied ? "tendd's state dir is readable only by tendd's user and "
                           "root; start tendd, or ask them"
                         : "start tendd");
    }
    std::fflush(stdout);
    std::fprintf(stderr, "tend: tendd is not running (%s): read-only view of %s/jobs.log\n",
                 down.reason.c_str(), o.state_dir.c_str());
    for (const auto& w : view->warnings()) std::fprintf(stderr, "tend: warning: %s\n", w.c_str());
    return view;
}

}  // namespace tend::cli
