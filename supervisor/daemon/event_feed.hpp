// The daemon side of events (SPEC §5.8): logs each one, keeps them, and answers `tend events`
// readers, including long polls that wait for the next event.
#pragma once

#include <systemd/sd-event.h>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "supervisor/core/instance_event.hpp"
#include "supervisor/daemon/event_source.hpp"

namespace tend {

class EventFeed {
  public:
    using Log = std::function<void(bool warn, const std::string& line)>;
    using Answer = std::function<void(const EventLog::Page& page)>;
    // How long a long poll waits for an event before it is answered empty.
    static constexpr std::chrono::seconds kMaxWait{25};

    EventFeed(sd_event* loop, Log log) : loop_(loop), log_(std::move(log)) {}

    // Logs the event, keeps it, and answers the waiters it matches.
    void record(InstanceEvent e);
    // Answers now, unless `wait` is set and nothing matches after `after`: then the answer
    // comes with the first matching event, or empty after kMaxWait. One waiter per request:
    // the control server serves one request per connection at a time, so the connection
    // budget bounds them.
    void query(const EventFilter& f, std::uint64_t after, std::size_t limit, bool newest, bool wait,
               std::uint64_t owner, Answer answer);
    // The client went away.
    void cancel(std::uint64_t owner);
    void forget(const std::string& program) { log_store_.forget(program); }
    const EventLog& store() const { return log_store_; }

  private:
    struct Waiter {
        EventFilter filter;
        std::uint64_t after;
        std::size_t limit;
        std::uint64_t deadline;  // CLOCK_MONOTONIC usec
        std::uint64_t owner;
        Answer answer;
    };
    void arm();
    static int on_timer(sd_event_source*, uint64_t, void* self);

    sd_event* loop_;
    Log log_;
    EventLog log_store_;
    std::vector<Waiter> waiters_;
    EventSource timer_;
};

}  // namespace tend
