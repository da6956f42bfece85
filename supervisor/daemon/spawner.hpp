// Starting a process in its own session with a pidfd and an exec-status pipe.
#pragma once

#include <sys/types.h>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/daemon/unique_fd.hpp"
#include "supervisor/util/result.hpp"

namespace tend {

struct Credentials {
    uid_t uid;
    gid_t gid;
    std::vector<gid_t> groups;  // resolved before spawning: no NSS lookups in the child
};

struct SpawnSpec {
    std::vector<std::string> argv;
    std::vector<std::string> env;  // "KEY=VALUE"
    std::optional<std::string> cwd;
    std::optional<Credentials> credentials;
    int stdout_fd = -1;
    int stderr_fd = -1;
    // The daemon raises its own fd limit; programs get back the limit it started with.
    std::optional<unsigned long> nofile_soft;
};

struct SpawnedProcess {
    pid_t pid;
    UniqueFd pidfd;
    // Read end of a close-on-exec pipe: EOF means exec succeeded, an ExecFailure means not.
    UniqueFd exec_status;
};

// What the child writes into the exec-status pipe when it cannot exec.
struct ExecFailure {
    int err;
    int stage;  // see exec_failure_text
};

Result<SpawnedProcess> spawn_process(const SpawnSpec& spec);
// "cannot change directory to /x: No such file or directory" etc.
std::string exec_failure_text(const ExecFailure& f, const SpawnSpec* spec = nullptr);

}  // namespace tend
