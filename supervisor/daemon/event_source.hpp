// RAII ownership of sd-event sources, so that destroying an object disables its callbacks.
#pragma once

#include <systemd/sd-event.h>
#include <chrono>
#include <memory>

namespace tend {

struct EventSourceUnref {
    void operator()(sd_event_source* s) const { sd_event_source_disable_unref(s); }
};
using EventSource = std::unique_ptr<sd_event_source, EventSourceUnref>;

struct EventUnref {
    void operator()(sd_event* e) const { sd_event_unref(e); }
};
using EventLoop = std::unique_ptr<sd_event, EventUnref>;

// Monotonic now of the loop, as the core's time type (event_loop.cpp: ev::now).
std::chrono::microseconds loop_now(sd_event* e);

}  // namespace tend
