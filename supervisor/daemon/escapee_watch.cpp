// Left-behind processes are held by pidfd: signals reach the process that was attributed even
// if it has ended and its pid was reused; a pidfd turns readable when its process exits.
#include "supervisor/daemon/escapee_watch.hpp"

#include <sys/epoll.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "supervisor/daemon/event_loop.hpp"
#include "supervisor/daemon/pidfd.hpp"
#include "supervisor/daemon/proc_table.hpp"
#include "supervisor/util/signals.hpp"

namespace tend {

EscapeeWatch::EscapeeWatch(sd_event* loop, ChildReaper& reaper, std::unordered_set<pid_t>& registry,
                           std::function<void()> all_gone,
                           std::function<void(const std::string&)> warn)
    : loop_(loop),
      reaper_(reaper),
      registry_(registry),
      all_gone_(std::move(all_gone)),
      warn_(std::move(warn)) {}

EscapeeWatch::~EscapeeWatch() {
    for (auto& h : held_) {
        pidfd_signal(h.pidfd.get(), SIGKILL);
        registry_.erase(h.pid);
    }
}

size_t EscapeeWatch::take(pid_t main) {
    const auto entry = read_proc_entry(main);
    if (!entry) return 0;
    if (held_.empty()) {
        leaders_.clear();
        last_signal_.reset();
    }
    leaders_.insert(main);
    EscapeeQuery q;
    q.self = getpid();
    q.leaders = leaders_;
    q.orphans_since = entry->start;
    const size_t before = held_.size();
    hold_found(q, last_signal_);
    return held_.size() - before;
}

void EscapeeWatch::hold_found(const EscapeeQuery& base, std::optional<int> sig) {
    EscapeeQuery q = base;
    const std::unordered_set<pid_t> tracked = reaper_.tracked_pids();
    q.spawned = tracked;
    // Held already, here or by another instance: not found twice.
    q.spawned.insert(registry_.begin(), registry_.end());
    // tendd is a subreaper and spawned the main process: all it left is below tendd.
    // (What tendd spawned and tracks is not descended into: nothing of the instance's is
    // below another instance's, a job's or a probe's process.)
    const std::vector<ProcEntry> procs = read_proc_tree(q.self, tracked);
    // An orphan that runs with TEND_JOB_ID is what a job left (tendd's jobs get it): the
    // job's, not the instance's, with its session and group.
    for (const auto& p : procs)
        if (q.orphans_since && p.ppid == q.self && !q.spawned.count(p.pid) &&
            started_with_env(p.pid, "TEND_JOB_ID"))
            q.spawned.insert(p.pid);
    const std::vector<pid_t> found = find_escapees(procs, q);
    for (const auto& p : procs) {
        if (!std::binary_search(found.begin(), found.end(), p.pid)) continue;
        leaders_.insert(p.pid);
        if (hold(p) && sig) pidfd_signal(held_.back().pidfd.get(), *sig);
    }
}

void EscapeeWatch::sweep() {
    EscapeeQuery q;
    q.self = getpid();
    q.leaders = leaders_;
    hold_found(q, last_signal_);
}

bool EscapeeWatch::hold(const ProcEntry& snapshot) {
    if (held_.size() >= kMaxHeld) {
        // Beyond the bound, not waited for: killed at once by pid, checked against the
        // snapshot's start time just before.
        auto now = read_proc_entry(snapshot.pid);
        if (now && now->start == snapshot.start) kill(snapshot.pid, SIGKILL);
        return false;
    }
    UniqueFd fd(pidfd_open_fd(snapshot.pid));
    if (!fd) return false;  // ended since the snapshot
    auto now = read_proc_entry(snapshot.pid);
    if (!now || now->start != snapshot.start) return false;  // a new process with that pid
    auto watch = ev::add_io(loop_, fd.get(), EPOLLIN, &EscapeeWatch::on_exit, this,
                            "watch a process the instance left");
    if (!watch) {
        warn_(watch.error() + "; pid " + std::to_string(snapshot.pid) + " is killed now");
        pidfd_signal(fd.get(), SIGKILL);
        return false;
    }
    registry_.insert(snapshot.pid);
    held_.push_back(Held{snapshot.pid, std::move(fd), std::move(*watch)});
    return true;
}

void EscapeeWatch::signal_all(int sig) {
    last_signal_ = sig;
    if (held_.empty()) return;
    sweep();
    for (auto& h : held_)
        if (pidfd_signal(h.pidfd.get(), sig) != 0 && errno != ESRCH)
            warn_("cannot send " + signal_name(sig) + " to pid " + std::to_string(h.pid) + ": " +
                  std::strerror(errno));
}

std::vector<pid_t> EscapeeWatch::pids() const {
    std::vector<pid_t> out;
    for (const auto& h : held_) out.push_back(h.pid);
    return out;
}

int EscapeeWatch::on_exit(sd_event_source* s, int, uint32_t, void* self) {
    auto* w = static_cast<EscapeeWatch*>(self);
    std::erase_if(w->held_, [w, s](const Held& h) {
        if (h.watch.get() != s) return false;
        w->registry_.erase(h.pid);
        return true;
    });
    // What the ended process leaves (workers re-parented to tendd) is held before the
    // instance may be called stopped.
    w->sweep();
    // Last: the owner may act on the instance (and start it again) from here.
    if (w->held_.empty() && w->all_gone_) w->all_gone_();
    return 0;
}

}  // namespace tend
