// The sd_notify socket tendd gives an instance with ready = notify (NOTIFY_SOCKET): datagrams
// are read with the sender's credentials, and only the instance's own processes are heard.
#pragma once

#include <sys/types.h>
#include <systemd/sd-event.h>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/daemon/event_source.hpp"
#include "supervisor/util/result.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend {

class NotifySocket {
  public:
    using Fields = std::vector<std::pair<std::string, std::string>>;
    // `accept(pid)`: whether a sender belongs to the instance. `on_message`: the KEY=VALUE
    // fields of one accepted datagram. `warn`: rejected and malformed messages.
    struct Hooks {
        std::function<bool(pid_t)> accept;
        std::function<void(const Fields&)> on_message;
        std::function<void(const std::string&)> warn;
    };

    // Binds `name` in the abstract socket namespace (NOTIFY_SOCKET=@NAME, which sd_notify
    // implementations understand): no file that a program running as another user could not
    // reach through tendd's private state dir. Anyone may send; `accept` decides who is heard.
    static Result<std::unique_ptr<NotifySocket>> create(sd_event* loop, const std::string& name,
                                                        Hooks hooks);
    // The value for NOTIFY_SOCKET: "@NAME".
    std::string address() const { return "@" + name_; }

  private:
    NotifySocket() = default;
    static int on_readable(sd_event_source*, int fd, uint32_t, void* self);

    std::string name_;
    UniqueFd fd_;
    EventSource source_;
    Hooks hooks_;
};

// Splits one sd_notify datagram ("READY=1\nSTATUS=Serving\n") into its fields; lines without
// '=' are skipped. Pure, for tests.
NotifySocket::Fields parse_notify_message(std::string_view text);

}  // namespace tend
