// The sockets tendd starts with, or takes on at a reload: each program's `sockets` (held
// already, passed by systemd, or bound here) and the control socket (bound here, or passed
// by systemd as "control").
#pragma once

#include <sys/types.h>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/daemon/instance_runner.hpp"
#include "supervisor/util/result.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend {

// The sockets a program holds now, by program name (a reload keeps those still configured).
using HeldSockets =
    std::function<std::vector<std::shared_ptr<const ListenSocket>>(const std::string& program)>;

// Gives every program with `sockets` its listening sockets, each named NAME (or NAME-I of
// several): the one the program holds already with that spec and name (`held`, at a reload),
// else the one systemd passed under that name, else one bound now. Passed sockets that are
// used are taken out of `activated`. Nothing is kept when one cannot be bound.
Status attach_program_sockets(std::vector<std::shared_ptr<const ProgramRuntime>>& runtimes,
                              std::map<std::string, UniqueFd>& activated,
                              const HeldSockets& held = nullptr);

struct ControlListener {
    UniqueFd fd;
    bool activated = false;  // passed by systemd: its socket file is not ours to remove
};

// The control socket passed as "control" (or "tendd.socket"), else one bound at `path`. Every
// passed socket left over is closed with a warning.
Result<ControlListener> open_control_listener(std::map<std::string, UniqueFd>& activated,
                                              const std::string& path, std::optional<gid_t> gid,
                                              mode_t group_mode = 0660);

}  // namespace tend
