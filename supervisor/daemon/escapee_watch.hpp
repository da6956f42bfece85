// Holds the processes an instance left behind by pidfd, signals them, and says when all ended.
#pragma once

#include <sys/types.h>
#include <systemd/sd-event.h>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "supervisor/core/escapees.hpp"
#include "supervisor/daemon/child_reaper.hpp"
#include "supervisor/daemon/event_source.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend {

class EscapeeWatch {
  public:
    // At most this many are held; more are killed by pid at once and not waited for.
    static constexpr size_t kMaxHeld = 1024;

    // `registry` lists the pids every watch of the daemon holds. `all_gone` runs, as the
    // last thing of an event callback, once every held process has ended.
    EscapeeWatch(sd_event* loop, ChildReaper& reaper, std::unordered_set<pid_t>& registry,
                 std::function<void()> all_gone, std::function<void(const std::string&)> warn);
    ~EscapeeWatch();  // kills what is still held: tendd never lets one go unwatched
    EscapeeWatch(const EscapeeWatch&) = delete;
    EscapeeWatch& operator=(const EscapeeWatch&) = delete;

    // The main process `main` (a zombie not yet reaped) has ended: holds what it left (its
    // session, group, and orphans re-parented to tendd since it started). Returns how many
    // it newly holds.
    size_t take(pid_t main);
    // Signals every held process; also what they started since (found again first).
    void signal_all(int sig);
    size_t count() const { return held_.size(); }
    std::vector<pid_t> pids() const;

  private:
    struct Held {
        pid_t pid;
        UniqueFd pidfd;
        EventSource watch;
    };
    void hold_found(const EscapeeQuery& q, std::optional<int> sig);
    // Finds processes linked to what is held or has ended (a master's new workers, children
    // re-parented when their parent was stopped) and holds them, signalled like the rest.
    void sweep();
    bool hold(const ProcEntry& snapshot);
    static int on_exit(sd_event_source* s, int fd, uint32_t, void* self);

    sd_event* loop_;
    ChildReaper& reaper_;
    std::unordered_set<pid_t>& registry_;
    std::function<void()> all_gone_;
    std::function<void(const std::string&)> warn_;
    std::vector<Held> held_;
    std::unordered_set<pid_t> leaders_;  // the ended main process and everything held since
    std::optional<int> last_signal_;
};

}  // namespace tend
