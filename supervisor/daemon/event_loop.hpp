// Checked sd-event calls: each returns a Result naming what failed, so a failed add cannot pass
// unnoticed (a lost SIGCHLD or accept source would silently stop reaping or accepting).
#pragma once

#include <systemd/sd-event.h>
#include <cstdint>
#include <ctime>
#include <string_view>

#include "supervisor/daemon/event_source.hpp"
#include "supervisor/util/result.hpp"

namespace tend::ev {

// The loop's dispatch order when several sources are ready, lowest first. Requests, timers and
// child exits keep SD_EVENT_PRIORITY_NORMAL (0), so every request ready in a turn is handled
// before the job store's commit and shares its fdatasync (group commit). Bulk work (output
// pipes, pruning, compaction) comes after the commit and takes turns with itself: a program
// writing as fast as it can keeps its output pipe ready forever, and at priority 0 it would
// hold back the commit, and with it every `tend submit`, until it stopped writing.
inline constexpr int64_t kCommitPriority = 5;
inline constexpr int64_t kBulkPriority = 10;

// "cannot WHAT: strerror(-r)": the message of a failed sd-event call (r < 0).
Error failure(std::string_view what, int r);

// `what` says what the source is for, as a verb phrase ("watch the control socket"); it is
// only used in the error message.
Result<EventSource> add_io(sd_event* loop, int fd, uint32_t events, sd_event_io_handler_t cb,
                           void* userdata, std::string_view what);
Result<EventSource> add_time(sd_event* loop, clockid_t clock, uint64_t usec, uint64_t accuracy,
                             sd_event_time_handler_t cb, void* userdata, std::string_view what);
Result<EventSource> add_time_relative(sd_event* loop, clockid_t clock, uint64_t usec,
                                      uint64_t accuracy, sd_event_time_handler_t cb, void* userdata,
                                      std::string_view what);
// The signal must already be blocked.
Result<EventSource> add_signal(sd_event* loop, int sig, sd_event_signal_handler_t cb,
                               void* userdata, std::string_view what);
Result<EventSource> add_defer(sd_event* loop, sd_event_handler_t cb, void* userdata,
                              std::string_view what);

Status set_enabled(sd_event_source* s, int enabled, std::string_view what);
Status set_priority(sd_event_source* s, int64_t priority, std::string_view what);
Status set_io_events(sd_event_source* s, uint32_t events, std::string_view what);
// A timer source fired once more at `usec` (absolute, on its clock), or `usec` from now.
Status rearm_at(sd_event_source* s, uint64_t usec, std::string_view what);
Status rearm_after(sd_event_source* s, uint64_t usec, std::string_view what);

// The loop's cached time on `clock`; the clock itself if sd_event_now cannot answer (it fails
// only for a clock the loop does not support), so a caller always gets a sane time.
uint64_t now(sd_event* loop, clockid_t clock);

}  // namespace tend::ev
