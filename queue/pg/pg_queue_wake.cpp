// PgQueue's wake-ups (design postgres.md §6, §4.5): the LISTEN/NOTIFY listener wired to the
// claims and the cancel polling, the notifications this host sends after its commits, and the
// fairness rule under global_concurrency (a host at or above its share of a queue's slots
// waits 50 ms after a wake-up or its own finish, so that hosts below it take the slot first).
#include "queue/pg/pg_decode_reads.hpp"
#include "queue/pg/pg_queue.hpp"
#include "queue/pg/pg_statements_reads.hpp"
#include "supervisor/daemon/event_loop.hpp"

namespace tend::pg {

Status PgQueue::start_listener() {
    ListenOptions lo;
    lo.loop = opt_.loop;
    lo.work = work_.get();
    lo.mode = opt_.store.listen;
    lo.pooled = opt_.store.pooler == QueuePooler::transaction;
    if (opt_.store.listen != QueueListen::off) {
        lo.listen = listen_conn_ ? listen_conn_.get() : control_.get();
        lo.dedicated = listen_conn_ != nullptr;
    }
    lo.host_id = [this] { return host_id_; };
    lo.on_jobs = [this](const std::string& queue) { wake(queue, true); };
    lo.on_cancel = [this](std::int64_t job) {
        // Only a job running here: anything else is a stale or foreign notification.
        if (runs_.count(job)) poll_running_now();
    };
    lo.on_listening = [this] {
        if (schema_ == Schema::ready) claim_all();
    };
    lo.info = opt_.info;
    lo.warn = opt_.warn;
    lo.error = opt_.error;
    auto l = PgListener::create(std::move(lo));
    if (!l) return make_error(l.error());
    listener_ = std::move(*l);
    auto t = ev::add_time(opt_.loop, CLOCK_MONOTONIC, UINT64_MAX, 1000, &PgQueue::on_fair_timer,
                          this, "arm the fair-claim timer");
    if (!t) return make_error(t.error());
    fair_timer_ = std::move(*t);
    if (opt_.store.listen == QueueListen::off)
        opt_.info("wake-ups by LISTEN/NOTIFY: off (queue_listen = \"off\"): claims poll every " +
                  format_duration(opt_.store.poll));
    return ok_status();
}

void PgQueue::notify_jobs(const std::string& queue) {
    if (listener_) listener_->notify_jobs(queue);
}

void PgQueue::notify_cancel(const std::optional<std::int64_t>& host, std::int64_t job) {
    if (listener_ && host && *host != host_id_) listener_->notify_cancel(*host, job);
}

void PgQueue::wake(const std::string& queue, bool fair) {
    QueueState* q = find_queue(queue);
    if (!q) return;
    const int limit = q->s.global_concurrency;
    if (!fair || limit <= 0) return claim(*q);
    auto it = serving_hosts_.find(queue);
    const int hosts = it == serving_hosts_.end() ? 1 : it->second;
    if (!claim_waits(q->running, limit, hosts)) return claim(*q);
    // At or above its share: the others, woken by the same notification, go first.
    if (!fair_waiting_.insert(queue).second) return;
    if (auto st = ev::rearm_after(fair_timer_.get(), kFairWaitUs, "re-arm the fair-claim timer");
        !st) {
        fair_waiting_.erase(queue);
        claim(*q);
    }
}

int PgQueue::on_fair_timer(sd_event_source*, uint64_t, void* self) {
    auto* p = static_cast<PgQueue*>(self);
    auto names = std::move(p->fair_waiting_);
    p->fair_waiting_.clear();
    for (const auto& name : names)
        if (QueueState* q = p->find_queue(name)) p->claim(*q);
    return 0;
}

void PgQueue::count_hosts() {
    if (counting_hosts_) return;
    bool limited = false;
    for (const auto& q : queues_) limited = limited || q.s.global_concurrency > 0;
    if (!limited) return;
    counting_hosts_ = true;
    std::weak_ptr<PgQueue*> alive = self_;
    work_->send_prepared(serving_hosts_sql, {}, 10'000'000, [this, alive](StatementResult r) {
        if (alive.expired()) return;
        counting_hosts_ = false;
        if (r.outcome != Outcome::ok) return;
        auto decoded = decode_serving(rows_of(r.rows.get()));
        if (!decoded) {
            opt_.warn("live hosts per queue: undecodable answer from the database: " +
                      decoded.error());
            return;
        }
        std::map<std::string, int> serving = std::move(*decoded);
        // Said when it changes: the share each host claims at once (tendd(8) MULTI-HOST).
        for (const auto& q : queues_) {
            if (q.s.global_concurrency <= 0) continue;
            auto now_it = serving.find(q.s.name);
            auto was_it = serving_hosts_.find(q.s.name);
            const int now_h = now_it == serving.end() ? 0 : now_it->second;
            const int was_h = was_it == serving_hosts_.end() ? 0 : was_it->second;
            if (now_h != was_h)
                opt_.info("queue " + q.s.name + ": " + std::to_string(now_h) +
                          " live host(s) serve it; fair share " +
                          std::to_string(fair_share(q.s.global_concurrency, now_h)) + " of " +
                          "global_concurrency " + std::to_string(q.s.global_concurrency));
        }
        serving_hosts_ = std::move(serving);
    });
}

void PgQueue::poll_running_now() {
    if (polling_running_) {
        repoll_running_ = true;  // the answer in flight may predate the cancel
        return;
    }
    poll_running();
}

}  // namespace tend::pg
