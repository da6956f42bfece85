// Thin wrappers so the rest of the daemon says what it means, not sd_notify strings.
#include "supervisor/daemon/systemd_notify.hpp"

#include <systemd/sd-daemon.h>
#include <cstdlib>

namespace tend {

void notify_ready(const std::string& status) {
    sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}

void notify_status(const std::string& status) {
    sd_notify(0, ("STATUS=" + status).c_str());
}

void notify_stopping() {
    sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

bool running_under_systemd() {
    return std::getenv("INVOCATION_ID") != nullptr || std::getenv("JOURNAL_STREAM") != nullptr;
}

}  // namespace tend
