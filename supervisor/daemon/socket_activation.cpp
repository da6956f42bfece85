// Taking the sockets of systemd socket activation through sd-daemon.
#include "supervisor/daemon/socket_activation.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>

namespace tend {

std::map<std::string, UniqueFd> take_activated_sockets() {
    std::map<std::string, UniqueFd> out;
    char** names = nullptr;
    // 1: unset LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES once read.
    int n = sd_listen_fds_with_names(1, &names);
    for (int i = 0; i < n; ++i) {
        const int fd = SD_LISTEN_FDS_START + i;
        // Kept out of every child (sd-daemon leaves them inheritable).
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        std::string name = names && names[i] ? names[i] : "unknown";
        // Two fds of one name: the later ones get a suffix, so none is lost (or leaked).
        while (out.count(name)) name += "+";
        out.emplace(name, UniqueFd(fd));
    }
    if (names) {
        for (int i = 0; i < n; ++i) std::free(names[i]);
        std::free(names);
    }
    return out;
}

bool is_listening_unix_socket(int fd) {
    return sd_is_socket_unix(fd, SOCK_STREAM, 1, nullptr, 0) > 0;
}

}  // namespace tend
