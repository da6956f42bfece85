// Readiness probes of one starting instance (SPEC §5.5): `tcp:` (a connect succeeds),
// `http://` (a 2xx answer), `command:` (it exits 0), retried every kProbeInterval until the
// instance's machine gives up at ready_timeout.
#pragma once

#include <sys/types.h>
#include <systemd/sd-event.h>
#include <functional>
#include <memory>
#include <string>

#include "supervisor/config/config.hpp"
#include "supervisor/core/instance_machine.hpp"
#include "supervisor/daemon/child_reaper.hpp"
#include "supervisor/daemon/event_source.hpp"
#include "supervisor/daemon/spawner.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend {

inline constexpr Usec kProbeInterval = std::chrono::milliseconds(100);

// Whether an HTTP response that starts with `head` is a 2xx answer; nullopt while the status
// line is incomplete. Pure, for tests.
std::optional<bool> http_status_ok(std::string_view head);

class ReadyProbe {
  public:
    struct Target {
        ReadyKind kind = ReadyKind::tcp;
        std::string host, port, path;  // tcp, http ({instance} already expanded)
        SpawnSpec command;             // command: /bin/sh -c CMD, as the instance runs
    };
    // Starts probing at once; `ready` is called once, from the loop, when a probe succeeds.
    // `note` gets what the last failed attempt saw (for `tend status`).
    ReadyProbe(sd_event* loop, ChildReaper* reaper, Target target, std::function<void()> ready,
               std::function<void(const std::string&)> note);
    ~ReadyProbe();
    ReadyProbe(const ReadyProbe&) = delete;
    ReadyProbe& operator=(const ReadyProbe&) = delete;

  private:
    void attempt();
    void fail(const std::string& why);
    void connect_next();
    static int on_timer(sd_event_source*, uint64_t, void* self);
    static int on_io(sd_event_source*, int fd, uint32_t events, void* self);
    void on_connected();
    void on_readable();
    void on_command_exit(const ExitInfo& info);

    sd_event* loop_;
    ChildReaper* reaper_;
    Target target_;
    std::function<void()> ready_;
    std::function<void(const std::string&)> note_;
    EventSource timer_, io_;
    UniqueFd sock_;
    std::string request_, response_;
    std::size_t sent_ = 0;
    bool connected_ = false;
    pid_t command_pid_ = 0;
    bool done_ = false;
};

}  // namespace tend
