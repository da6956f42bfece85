// `tend jobs`, `show` and `logs JOB` while tendd is down (SPEC §4): which state dir to read, and
// the read-only view of its job log that answers in tendd's place.
#pragma once

#include <memory>
#include <string>

#include "queue/store/job_log_view.hpp"
#include "supervisor/util/result.hpp"

namespace tend::cli {

struct CliContext;
struct DaemonNotRunning;

// What `tend` knows about where the stopped daemon kept its state.
struct StateDirChoice {
    bool state_dir_named = false;    // --state-dir or TEND_STATE_DIR
    std::string state_dir;           // absolute: the named one, or the caller's default
    bool socket_is_default = false;  // the socket is the caller's default one
    std::string paired_spool;        // SOCKET.spool's spool when found and trusted, else empty
};

// The state dir whose jobs.log to read, or why it cannot be known. Pure. In order: a named
// state dir; the default state dir for the default socket; STATE for a daemon whose pairing
// file names STATE/spool (the spool tendd uses with `--state-dir STATE`).
Result<std::string> choose_read_state_dir(const StateDirChoice& in);

// Whether a request may be answered from disk when tendd is not running.
bool readable_offline(const std::string& cmd);

// The view of the state dir that pairs with ctx's socket, after `down` (the failed connect).
// Says once on stderr that the data comes from disk. Throws CliError 69 when the state dir is
// unknown or this user may not read it (with a hint), and rethrows `down` when there is none.
std::shared_ptr<const jobs::JobLogView> open_offline_view(const CliContext& ctx,
                                                          const DaemonNotRunning& down);

}  // namespace tend::cli
