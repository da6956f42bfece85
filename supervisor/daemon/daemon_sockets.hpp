// The sockets tendd starts with: each program's `sockets` (bound here, or passed by systemd)
// and the control socket (bound here, or passed by systemd as "control").
#pragma once

#include <sys/types.h>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/daemon/instance_runner.hpp"
#include "supervisor/daemon/unique_fd.hpp"
#include "supervisor/util/result.hpp"

namespace tend {

// Gives every program with `sockets` its listening sockets: the one systemd passed under the
// program's name (NAME, or NAME-I of several) when there is one, else one bound now. Passed
// sockets that are used are taken out of `activated`.
Status attach_program_sockets(std::vector<std::shared_ptr<const ProgramRuntime>>& runtimes,
                              std::map<std::string, UniqueFd>& activated);

struct ControlListener {
    UniqueFd fd;
    bool activated = false;  // passed by systemd: its socket file is not ours to remove
};

// The control socket passed as "control" (or "tendd.socket"), else one bound at `path`. Every
// passed socket left over is closed with a warning.
Result<ControlListener> open_control_listener(std::map<std::string, UniqueFd>& activated,
                                              const std::string& path, std::optional<gid_t> gid);

}  // namespace tend
