// Events in tendd: logging, keeping, and answering readers now or at the next event.
#include "supervisor/daemon/event_feed.hpp"

#include <algorithm>

#include "supervisor/daemon/event_loop.hpp"

namespace tend {

void EventFeed::record(InstanceEvent e) {
    const InstanceEvent& kept = log_store_.record(std::move(e));
    if (log_) log_(kept.warn, log_line(kept));
    if (waiters_.empty()) return;
    // Answered outside the loop over waiters_: an answer may re-enter (a reply can fail and
    // drop its client, which cancels its waits).
    std::vector<Waiter> ready;
    for (size_t i = 0; i < waiters_.size();) {
        if (waiters_[i].filter.matches(kept)) {
            ready.push_back(std::move(waiters_[i]));
            waiters_.erase(waiters_.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
            ++i;
        }
    }
    for (auto& w : ready) w.answer(log_store_.query(w.filter, w.after, w.limit, false));
}

void EventFeed::query(const EventFilter& f, std::uint64_t after, std::size_t limit, bool newest,
                      bool wait, std::uint64_t owner, Answer answer) {
    EventLog::Page page = log_store_.query(f, after, limit, newest);
    if (!wait || !page.events.empty()) return answer(page);
    const std::uint64_t now = ev::now(loop_, CLOCK_MONOTONIC);
    waiters_.push_back(
        {f, after, limit,
         now + static_cast<std::uint64_t>(std::chrono::microseconds(kMaxWait).count()), owner,
         std::move(answer)});
    arm();
}

void EventFeed::cancel(std::uint64_t owner) {
    std::erase_if(waiters_, [&](const Waiter& w) { return w.owner == owner; });
}

void EventFeed::arm() {
    if (waiters_.empty()) return;
    std::uint64_t first = waiters_.front().deadline;
    for (const auto& w : waiters_) first = std::min(first, w.deadline);
    constexpr const char* what = "time out a wait for events";
    Status st = ok_status();
    if (!timer_) {
        auto t =
            ev::add_time(loop_, CLOCK_MONOTONIC, first, 100000, &EventFeed::on_timer, this, what);
        if (t)
            timer_ = std::move(*t);
        else
            st = make_error(t.error());
    } else {
        st = ev::rearm_at(timer_.get(), first, what);
    }
    // Without the timer a waiter is still answered by the next event, or when it goes away.
    if (!st && log_) log_(true, st.error() + "; `tend events -f` waits for the next event");
}

int EventFeed::on_timer(sd_event_source*, uint64_t, void* self) {
    auto* f = static_cast<EventFeed*>(self);
    const std::uint64_t now = ev::now(f->loop_, CLOCK_MONOTONIC);
    std::vector<Waiter> due;
    for (size_t i = 0; i < f->waiters_.size();) {
        if (f->waiters_[i].deadline <= now) {
            due.push_back(std::move(f->waiters_[i]));
            f->waiters_.erase(f->waiters_.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
            ++i;
        }
    }
    f->arm();
    for (auto& w : due) w.answer(f->log_store_.query(w.filter, w.after, w.limit, false));
    return 0;
}

}  // namespace tend
