// PgQueue's finishes (design postgres.md §4.6, §4.1 rule 5): each run's result sent under its
// fence until the database acknowledges it; a refused fence drops it (the run was rescued); an
// ambiguous send is checked (finish_check) before it is sent again.
#include "queue/pg/pg_queue.hpp"

namespace tend::pg {

namespace {
constexpr std::size_t kEndedKept = 10000;  // jobs ended here, for wait
}  // namespace

void PgQueue::end_run(std::int64_t id, const std::string& queue, FinishArgs args) {
    PendingFinish f;
    f.args = std::move(args);
    f.queue = queue;
    finishes_[id] = std::move(f);
    send_finish(id);
}

void PgQueue::send_finish(std::int64_t id) {
    auto it = finishes_.find(id);
    if (it == finishes_.end() || it->second.in_flight) return;
    PendingFinish& f = it->second;
    f.in_flight = true;
    std::weak_ptr<PgQueue*> alive = self_;
    const std::int64_t lease = f.args.lease;
    auto find = [this, id, lease]() -> PendingFinish* {
        auto it = finishes_.find(id);
        return it == finishes_.end() || it->second.args.lease != lease ? nullptr : &it->second;
    };
    if (f.ambiguous) {
        store_->finish_check(id, lease, [this, alive, id, find](StoreReply<bool> r) {
            if (alive.expired()) return;
            PendingFinish* f = find();
            if (!f) return;
            f->in_flight = false;
            if (!r.ok()) return;  // again at the next tick
            if (*r.value) {
                const jobs::JobState s = f->args.state;
                finishes_.erase(id);
                return finished(id, s);
            }
            f->ambiguous = false;  // it did not commit: send it again
            send_finish(id);
        });
        return;
    }
    store_->finish(f.args, [this, alive, id, find](StoreReply<std::optional<FinishResult>> r) {
        if (alive.expired()) return;
        PendingFinish* f = find();
        if (!f) return;
        f->in_flight = false;
        if (r.outcome == Outcome::ambiguous) {
            f->ambiguous = true;
            return;  // checked at the next tick, once the connection is back
        }
        if (r.outcome == Outcome::error && r.sqlstate != "40P01" && r.sqlstate != "40001" &&
            (f->args.checkpoint || f->args.output_tail)) {
            // Refused for its payload (a checkpoint the column refuses): the state matters
            // more; send it again without the bytes.
            opt_.warn("job " + std::to_string(id) + ": finish refused (" + r.message +
                      "); sending it again without checkpoint and output tail");
            f->args.checkpoint.reset();
            f->args.output_tail.reset();
            return send_finish(id);
        }
        if (!r.ok()) return;  // not sent, or refused again: the next tick retries
        if (!*r.value) {
            opt_.warn("job " + std::to_string(id) + ": its result was refused by the fence " +
                      "(lease " + std::to_string(f->args.lease) +
                      "): the run was rescued meanwhile; the result is dropped");
            finishes_.erase(id);
            return maybe_stopped();
        }
        const FinishResult done = **r.value;
        finishes_.erase(id);
        finished(id, done.state);
        for (const auto& name : done.wake) {
            notify_jobs(name);  // a freed slot or a released dependent: other hosts may take it
            wake(name, true);
        }
    });
}

void PgQueue::finished(std::int64_t id, jobs::JobState state) {
    const auto jid = static_cast<JobId>(id);
    if (ended_here_.emplace(jid, state).second) {
        ended_order_.push_back(jid);
        if (ended_order_.size() > kEndedKept) {
            ended_here_.erase(ended_order_.front());
            ended_order_.pop_front();
        }
    }
    // A waiter whose last open job this was hears at once instead of at the next poll.
    if (jobs::is_finished(state))
        for (std::size_t i = 0; i < waiters_.size(); ++i)
            if (waiters_[i].open.erase(jid) && waiters_[i].open.empty()) ask_waiter(i);
    maybe_stopped();
}

}  // namespace tend::pg
