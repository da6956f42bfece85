// The job queue's turn: decide in memory, write every change, commit once, then act on it.
#include "queue/daemon/job_dispatcher.hpp"

#include <algorithm>

#include "supervisor/daemon/event_loop.hpp"

namespace tend::jobs {

void Dispatcher::pump() {
    if (!c_.stopping) {
        const WallUs t = c_.now();
        c_.sched.promote_due(t);
        for (JobId id : c_.sched.take_runnable(t)) after_durable([this, id] { start_(id); });
    }
    flush_changes();
    arm_due_timer();
    // A job that just finished may be the next to expire.
    if (after_pump_) after_pump_();
}

void Dispatcher::after_durable(std::function<void()> action) {
    after_commit_.push_back(std::move(action));
}

void Dispatcher::flush_changes(bool urgent) {
    std::vector<StatusRecord> changes;
    for (JobId id : c_.sched.take_changes()) {
        const JobEntry* e = c_.sched.find(id);
        if (!e) continue;
        changes.push_back(StatusRecord{id, e->status});
    }
    if (changes.empty() && after_commit_.empty()) return;
    std::function<void()> durable;
    if (!after_commit_.empty())
        durable = [actions = std::move(after_commit_)] {
            for (auto& a : actions) a();
        };
    after_commit_.clear();
    c_.store->record_status(std::move(changes), urgent, std::move(durable));
}

void Dispatcher::arm_due_timer() {
    auto due = c_.sched.next_due();
    if (!due || c_.stopping) {
        due_timer_.reset();
        return;
    }
    const uint64_t at = static_cast<uint64_t>(std::max<WallUs>(*due, 1));
    constexpr const char* what = "arm the timer of jobs due later (--at, retry backoff)";
    Status armed = ok_status();
    if (due_timer_) {
        armed = ev::rearm_at(due_timer_.get(), at, what);
    } else {
        // CLOCK_REALTIME: --at names a wall-clock time, and a clock step must move the wake-up.
        auto t =
            ev::add_time(c_.opt.loop, CLOCK_REALTIME, at, 1000, &Dispatcher::on_due, this, what);
        if (t)
            due_timer_ = std::move(*t);
        else
            armed = make_error(t.error());
    }
    // Every pump (each submit, exit and commit) tries again and starts what is due by then.
    if (!armed) c_.opt.warn(armed.error() + "; due jobs start at the next change");
}

int Dispatcher::on_due(sd_event_source*, uint64_t, void* self) {
    static_cast<Dispatcher*>(self)->pump();
    return 0;
}

}  // namespace tend::jobs
