// PgQueue's upkeep, leaderless on every host (design postgres.md §4.7, §4.8): promote due
// jobs, settle blocked ones, rescue the jobs of expired hosts, prune old ones, each one
// statement at a time and again while a batch came back full; and the clean stop.
#include "queue/pg/pg_queue.hpp"
#include "supervisor/daemon/event_loop.hpp"

namespace tend::pg {

namespace {
constexpr int kBatch = 1000;  // promote, settle, prune: rows per statement
}  // namespace

void PgQueue::promote() {
    if (promoting_) return;
    promoting_ = true;
    std::weak_ptr<PgQueue*> alive = self_;
    store_->promote(kBatch, [this, alive](StoreReply<PromoteResult> r) {
        if (alive.expired()) return;
        promoting_ = false;
        if (!r.ok()) return;
        for (const auto& name : r.value->wake) {
            notify_jobs(name);
            if (auto* q = find_queue(name)) claim(*q);
        }
        if (r.value->jobs == kBatch) promote();
    });
}

void PgQueue::settle() {
    if (settling_) return;
    settling_ = true;
    std::weak_ptr<PgQueue*> alive = self_;
    store_->settle(kBatch, [this, alive](StoreReply<SettleResult> r) {
        if (alive.expired()) return;
        settling_ = false;
        if (!r.ok()) return;
        for (const auto& name : r.value->wake) {
            notify_jobs(name);
            if (auto* q = find_queue(name)) claim(*q);
        }
        if (r.value->jobs == kBatch) settle();
    });
}

void PgQueue::rescue() {
    if (rescuing_) return;
    rescuing_ = true;
    std::weak_ptr<PgQueue*> alive = self_;
    store_->rescue(opt_.store.rescue_grace, [this, alive](StoreReply<RescueResult> r) {
        if (alive.expired()) return;
        rescuing_ = false;
        if (!r.ok() || !r.value->host) return;
        opt_.info("rescued " + std::to_string(r.value->jobs) + " job(s) of host " + *r.value->host +
                  ", whose lease ended");
        for (const auto& name : r.value->wake) {
            notify_jobs(name);
            if (auto* q = find_queue(name)) claim(*q);
        }
        rescue();  // another host may have expired too
    });
}

void PgQueue::prune() {
    if (pruning_ || schema_ != Schema::ready) return;
    pruning_ = true;
    std::weak_ptr<PgQueue*> alive = self_;
    store_->prune(kBatch, [this, alive](StoreReply<PruneResult> r) {
        if (alive.expired()) return;
        pruning_ = false;
        if (r.ok() && r.value->jobs == kBatch) prune();
    });
}

void PgQueue::stop_all(std::function<void()> done, bool drain) {
    if (done) stopped_ = std::move(done);
    stopping_ = true;
    drain_ = drain;
    if (!drain) {
        for (auto& [id, run] : runs_) {
            if (!run.proc || run.fenced) continue;
            const QueueState* q = find_queue(run.queue);
            run.proc->note("tendd is shutting down: sending TERM");
            run.proc->terminate(q ? q->s.stop_timeout : std::chrono::seconds(30));
        }
    }
    maybe_stopped();
}

int PgQueue::on_stop_deadline(sd_event_source*, uint64_t, void* self) {
    auto* q = static_cast<PgQueue*>(self);
    if (!q->finishes_.empty())
        q->opt_.warn(std::to_string(q->finishes_.size()) +
                     " job result(s) could not be recorded before the stop (the database did "
                     "not answer); their runs will be rescued and run again");
    q->finishes_.clear();
    q->maybe_stopped();
    return 0;
}

void PgQueue::maybe_stopped() {
    if (!stopping_ || stop_finishing_ || !runs_.empty()) return;
    if (!finishes_.empty()) {
        // Finishes still unacknowledged when the database is unreachable must not hold the
        // shutdown forever: after one lease their runs are the rescuers' anyway.
        if (!stop_timer_) {
            auto t = ev::add_time_relative(
                opt_.loop, CLOCK_MONOTONIC, static_cast<std::uint64_t>(opt_.store.lease.count()),
                1000, &PgQueue::on_stop_deadline, this, "arm the stop deadline");
            if (t)
                stop_timer_ = std::move(*t);
            else
                finishes_.clear();  // no bound possible: give them up now
        }
        if (!finishes_.empty()) return;
    }
    stop_finishing_ = true;
    std::weak_ptr<PgQueue*> alive = self_;
    host_->stop(5'000'000, [this, alive] {
        if (alive.expired()) return;
        if (stopped_) {
            auto done = std::move(stopped_);
            stopped_ = nullptr;
            done();
        }
    });
}

}  // namespace tend::pg
