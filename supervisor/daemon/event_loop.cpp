// Checked sd-event calls (event_loop.hpp): the return value of each becomes a Result.
#include "supervisor/daemon/event_loop.hpp"

#include <cstring>
#include <string>

namespace tend::ev {

Error failure(std::string_view what, int r) {
    return make_error("cannot " + std::string(what) + ": " + std::strerror(-r));
}

namespace {

// The source sd-event made, owned; or the error of the call that made it. Called with the
// call's result in a variable first: as arguments of one call, `s` could be read before the
// call that sets it (the evaluation order of arguments is unspecified).
Result<EventSource> owned(int r, sd_event_source* s, std::string_view what) {
    if (r < 0) return failure(what, r);
    return EventSource(s);
}

Status checked(int r, std::string_view what) {
    if (r < 0) return failure(what, r);
    return ok_status();
}

}  // namespace

Result<EventSource> add_io(sd_event* loop, int fd, uint32_t events, sd_event_io_handler_t cb,
                           void* userdata, std::string_view what) {
    sd_event_source* s = nullptr;
    const int r = sd_event_add_io(loop, &s, fd, events, cb, userdata);
    return owned(r, s, what);
}

Result<EventSource> add_time(sd_event* loop, clockid_t clock, uint64_t usec, uint64_t accuracy,
                             sd_event_time_handler_t cb, void* userdata, std::string_view what) {
    sd_event_source* s = nullptr;
    const int r = sd_event_add_time(loop, &s, clock, usec, accuracy, cb, userdata);
    return owned(r, s, what);
}

Result<EventSource> add_time_relative(sd_event* loop, clockid_t clock, uint64_t usec,
                                      uint64_t accuracy, sd_event_time_handler_t cb, void* userdata,
                                      std::string_view what) {
    sd_event_source* s = nullptr;
    const int r = sd_event_add_time_relative(loop, &s, clock, usec, accuracy, cb, userdata);
    return owned(r, s, what);
}

Result<EventSource> add_signal(sd_event* loop, int sig, sd_event_signal_handler_t cb,
                               void* userdata, std::string_view what) {
    sd_event_source* s = nullptr;
    const int r = sd_event_add_signal(loop, &s, sig, cb, userdata);
    return owned(r, s, what);
}

Result<EventSource> add_defer(sd_event* loop, sd_event_handler_t cb, void* userdata,
                              std::string_view what) {
    sd_event_source* s = nullptr;
    const int r = sd_event_add_defer(loop, &s, cb, userdata);
    return owned(r, s, what);
}

Status set_enabled(sd_event_source* s, int enabled, std::string_view what) {
    return checked(sd_event_source_set_enabled(s, enabled), what);
}

Status set_priority(sd_event_source* s, int64_t priority, std::string_view what) {
    return checked(sd_event_source_set_priority(s, priority), what);
}

Status set_io_events(sd_event_source* s, uint32_t events, std::string_view what) {
    return checked(sd_event_source_set_io_events(s, events), what);
}

Status rearm_at(sd_event_source* s, uint64_t usec, std::string_view what) {
    if (int r = sd_event_source_set_time(s, usec); r < 0) return failure(what, r);
    return set_enabled(s, SD_EVENT_ONESHOT, what);
}

Status rearm_after(sd_event_source* s, uint64_t usec, std::string_view what) {
    if (int r = sd_event_source_set_time_relative(s, usec); r < 0) return failure(what, r);
    return set_enabled(s, SD_EVENT_ONESHOT, what);
}

uint64_t now(sd_event* loop, clockid_t clock) {
    uint64_t usec = 0;
    if (sd_event_now(loop, clock, &usec) >= 0) return usec;
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace tend::ev

namespace tend {

std::chrono::microseconds loop_now(sd_event* e) {
    return std::chrono::microseconds(ev::now(e, CLOCK_MONOTONIC));
}

}  // namespace tend
