// Instance transitions as events (SPEC §5.8): the record, its log and marker wording, and the
// bounded per-instance history that `tend events` reads.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/core/instance_machine.hpp"

namespace tend {

// Program-level events (rollouts) have no instance.
inline constexpr int kProgramEvent = -1;

struct InstanceEvent {
    std::uint64_t seq = 0;      // assigned by EventLog::record, increasing over tendd's life
    std::uint64_t time_us = 0;  // CLOCK_REALTIME, microseconds
    std::string program;
    int instance = kProgramEvent;
    int pid = 0;  // the instance's process after the transition, or the one
                  // that exited; 0 when none
    int generation = 0;
    std::string from, to;  // states; for a rollout "rollout" -> started|complete|...
    std::string reason;
    std::optional<ExitInfo> exit;  // the exit that caused the transition, if one did
    bool warn = false;             // set by classify(): a crash, cooldown or failed rollout
};

// Builds the event of an instance transition and decides its level: warn for an unexpected
// exit (one not asked for by a stop), backoff and cooldown; info otherwise.
InstanceEvent instance_event(std::string program, int instance, int pid, int generation,
                             InstanceState from, InstanceState to, std::string reason,
                             std::optional<ExitInfo> exit, std::uint64_t time_us);
// A rollout's event: `what` is started, complete, paused, rolling back, rolled back, cancelled.
InstanceEvent rollout_event(std::string program, int generation, std::string what,
                            std::string message, bool failed, std::uint64_t time_us);

// "web:2 pid 4121 gen 3: running -> backoff: killed by signal KILL; restarting in 100ms",
// "web gen 4: rollout -> complete: ...": one line of tendd's log, grep-able by label.
std::string log_line(const InstanceEvent& e);
// The marker in the program's own log, without the "[tend] " that `tend logs` adds:
// "started pid 4122 (generation 3)", "stopping: sent TERM", "killed by signal KILL; ...";
// an exit says how the process ended, even when the next one starts in the same step.
std::string marker_text(const InstanceEvent& e);
// "KILL" / "3" / "exec failed" / "" (no exit): the EXIT column.
std::string exit_text(const std::optional<ExitInfo>& exit);
// One event as `tend events --json` prints it (SPEC §4: a stable interface).
nlohmann::json event_json(const InstanceEvent& e);

// Which events a reader wants: a program, one instance of it, or all.
struct EventFilter {
    std::string program;  // empty: every program
    std::optional<int> instance;
    bool matches(const InstanceEvent& e) const;
};

// The last `per_key` events of each instance (and of each program's own events), numbered in
// one sequence so a reader can ask for what came after the last one it saw.
class EventLog {
  public:
    static constexpr std::size_t kPerInstance = 100;
    explicit EventLog(std::size_t per_key = kPerInstance) : per_key_(per_key) {}

    // Numbers the event, keeps it (dropping the oldest of its instance beyond the bound) and
    // returns the stored copy.
    const InstanceEvent& record(InstanceEvent e);
    // Matching events with seq > after, oldest first: the newest `limit` of them (a tail), or
    // the oldest `limit` (a follower, which must not skip any). `next_after` is what a
    // follower passes as `after` next: nothing matching up to it is left unread.
    struct Page {
        std::vector<InstanceEvent> events;
        std::uint64_t next_after = 0;
    };
    Page query(const EventFilter& f, std::uint64_t after, std::size_t limit, bool newest) const;
    std::uint64_t last_seq() const { return next_seq_ - 1; }
    // A program removed by a reload takes its history with it (the log stays bounded).
    void forget(const std::string& program);
    // Transitions per program and target state since tendd started, for metrics (§10).
    const std::map<std::pair<std::string, std::string>, std::uint64_t>& counts() const {
        return counts_;
    }

  private:
    std::size_t per_key_;
    std::uint64_t next_seq_ = 1;
    std::map<std::pair<std::string, int>, std::deque<InstanceEvent>> rings_;
    std::map<std::pair<std::string, std::string>, std::uint64_t> counts_;
};

// Whether an instance counts as "not running as it should" for `tend status` (exit 3, SPEC
// §4): backoff, cooldown, exited badly (unless `tend stop` acknowledged it since), or stopped
// though autostart and not stopped by a request (`tend stop`, a reload, the shutdown).
// `exited_badly`: the last exit was not clean by the program's success_exit_codes (a signal, a
// failed exec, an unlisted code), or the program forked into the background.
bool instance_down(InstanceState state, bool exited_badly, bool autostart, bool stop_requested);

}  // namespace tend
