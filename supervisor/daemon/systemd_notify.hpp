// sd_notify messages to the service manager; no-ops when tendd is not under systemd.
#pragma once

#include <string>

namespace tend {

void notify_ready(const std::string& status);
void notify_status(const std::string& status);
void notify_stopping();
// RELOADING=1 (with MONOTONIC_USEC, as Type=notify-reload wants) before a reload.
void notify_reloading();
// True when started by systemd (INVOCATION_ID or JOURNAL_STREAM in the environment).
bool running_under_systemd();

}  // namespace tend
