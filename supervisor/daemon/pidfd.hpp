// pidfd system calls; glibc 2.36's <sys/pidfd.h> lacks C linkage, so call them directly.
#pragma once

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <csignal>

namespace tend {

inline int pidfd_open_fd(pid_t pid) {
    return static_cast<int>(syscall(SYS_pidfd_open, pid, 0U));
}

inline int pidfd_signal(int pidfd, int sig) {
    return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0U));
}

}  // namespace tend
