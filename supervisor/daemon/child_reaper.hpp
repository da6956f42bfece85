// The one place that reaps children: tracked ones are reported, orphans just reaped.
#pragma once

#include <sys/types.h>
#include <systemd/sd-event.h>
#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "supervisor/core/instance_machine.hpp"
#include "supervisor/daemon/event_source.hpp"
#include "supervisor/util/result.hpp"

namespace tend {

class ChildReaper {
  public:
    // Called while the child is still a zombie (so its pid and process group stay reserved);
    // it is reaped right after the callback returns.
    using ExitCallback = std::function<void(const ExitInfo&)>;

    // SIGCHLD must already be blocked (the daemon blocks it before creating the loop).
    static Result<std::unique_ptr<ChildReaper>> start(sd_event* loop);
    void track(pid_t pid, ExitCallback cb) { tracked_[pid] = std::move(cb); }
    void untrack(pid_t pid) { tracked_.erase(pid); }
    // The children tendd spawned and still waits for (instances, jobs, probes).
    std::unordered_set<pid_t> tracked_pids() const {
        std::unordered_set<pid_t> out;
        for (const auto& [pid, _] : tracked_) out.insert(pid);
        return out;
    }
    // Reaps everything that has exited; also called directly after a spawn burst.
    void reap_all();

  private:
    ChildReaper() = default;
    static int on_sigchld(sd_event_source*, const struct signalfd_siginfo*, void* self);

    EventSource source_;
    std::unordered_map<pid_t, ExitCallback> tracked_;
};

}  // namespace tend
