// Starting a process in its own session, with a pidfd, reporting exec failure synchronously.
#pragma once

#include <sys/types.h>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/util/result.hpp"
#include "supervisor/util/unique_fd.hpp"

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
    // Passed to the program as fd 3 when set (a job's checkpoint file, see job_run.cpp).
    int fd3 = -1;
    // Passed as fds 3, 4, ... (socket activation, SPEC §5.2; not together with fd3). The env
    // should then hold LISTEN_FDS, LISTEN_FDNAMES and "LISTEN_PID=" followed by 10 characters:
    // the child writes its own pid there, which nobody can know before it exists.
    std::vector<int> listen_fds;
    // When set, the program run is this open file (execveat, AT_EMPTY_PATH) and argv[0] only
    // names it: the daemon opened it, so the user the child runs as need not be able to reach
    // its directory (tend-shim in a build tree under a 0700 /root). A binary, not a script.
    int exec_fd = -1;
    // The daemon raises its own fd limit; programs get back the limit it started with.
    std::optional<unsigned long> nofile_soft;
};

struct SpawnedProcess {
    pid_t pid;
    UniqueFd pidfd;
    // Set when the child could not exec (chdir, user switch or exec itself failed): it has
    // already exited with status 127 and its exit is reaped like any other.
    std::optional<std::string> exec_error;
};

// Fails without creating a process when the command cannot be found or the system refuses a
// new process (EAGAIN, ENOMEM); the message names the command and the errno text.
Result<SpawnedProcess> spawn_process(const SpawnSpec& spec);

// Resolves argv[0] like execvp, but with the PATH of `env` (the program's own environment).
Result<std::string> find_executable(const std::string& name, const std::vector<std::string>& env);

}  // namespace tend
