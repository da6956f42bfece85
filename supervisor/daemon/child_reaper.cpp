// SIGCHLD handling with waitid(WNOWAIT) so a tracked exit is handled before its pid is freed.
#include "supervisor/daemon/child_reaper.hpp"

#include <sys/wait.h>
#include <csignal>

#include "supervisor/daemon/event_loop.hpp"

namespace tend {

Result<std::unique_ptr<ChildReaper>> ChildReaper::start(sd_event* loop) {
    std::unique_ptr<ChildReaper> r(new ChildReaper());
    auto source = ev::add_signal(loop, SIGCHLD, &ChildReaper::on_sigchld, r.get(),
                                 "watch SIGCHLD (no child would be reaped)");
    if (!source) return make_error(source.error());
    r->source_ = std::move(*source);
    return r;
}

int ChildReaper::on_sigchld(sd_event_source*, const struct signalfd_siginfo*, void* self) {
    static_cast<ChildReaper*>(self)->reap_all();
    return 0;
}

void ChildReaper::reap_all() {
    // Bounded: each iteration reaps one exited child, and there are finitely many.
    while (true) {
        siginfo_t si{};
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == 0) return;
        pid_t pid = si.si_pid;
        auto it = tracked_.find(pid);
        if (it != tracked_.end()) {
            ExitInfo info;
            info.signaled = si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED;
            info.value = si.si_status;
            ExitCallback cb = std::move(it->second);
            tracked_.erase(it);
            cb(info);
        }
        // Untracked children are orphans re-parented to us as subreaper: just reaped.
        siginfo_t gone{};
        waitid(P_PID, static_cast<id_t>(pid), &gone, WEXITED | WNOHANG);
    }
}

}  // namespace tend
