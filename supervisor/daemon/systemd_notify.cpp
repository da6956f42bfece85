// Thin wrappers so the rest of the daemon says what it means, not sd_notify strings.
#include "supervisor/daemon/systemd_notify.hpp"

#include <systemd/sd-daemon.h>
#include <cstdlib>
#include <ctime>
#include <string>

namespace tend {

void notify_ready(const std::string& status) {
    sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}

void notify_status(const std::string& status) {
    sd_notify(0, ("STATUS=" + status).c_str());
}

void notify_reloading() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    const unsigned long long usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ull +
                                    static_cast<unsigned long long>(ts.tv_nsec) / 1000;
    sd_notify(0, ("RELOADING=1\nSTATUS=reloading\nMONOTONIC_USEC=" + std::to_string(usec)).c_str());
}

void notify_stopping() {
    sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

bool running_under_systemd() {
    return std::getenv("INVOCATION_ID") != nullptr || std::getenv("JOURNAL_STREAM") != nullptr;
}

}  // namespace tend
