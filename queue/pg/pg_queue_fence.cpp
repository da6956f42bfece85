// PgQueue's host fence (a lost lease kills this host's jobs; a new one claims again) and this
// host's runs as the database has them: their pids, cancels made elsewhere, and the leftovers
// of ambiguous claims (design postgres.md §4.1 rule 5, §5).
#include "queue/pg/pg_queue.hpp"
#include "supervisor/daemon/event_loop.hpp"

namespace tend::pg {

namespace {
constexpr std::uint64_t kPidDelayUs = 50'000;
}  // namespace

void PgQueue::note_pid(std::int64_t id, std::int64_t lease, int pid) {
    const std::uint64_t due = ev::now(opt_.loop, CLOCK_MONOTONIC) + kPidDelayUs;
    pid_notes_.push_back(PidNote{id, lease, pid, due});
    // Armed for the oldest note every time (cheap), so that one failure to arm is mended by
    // the next start.
    ignore_result(ev::rearm_at(pid_timer_.get(), pid_notes_.front().due_us, "arm the pid timer"),
                  "the pids wait for the next start; the finish fences the run all the same");
}

int PgQueue::on_pid_timer(sd_event_source*, uint64_t, void* self) {
    auto* q = static_cast<PgQueue*>(self);
    const std::uint64_t now = ev::now(q->opt_.loop, CLOCK_MONOTONIC);
    while (!q->pid_notes_.empty() && q->pid_notes_.front().due_us <= now) {
        const PidNote n = q->pid_notes_.front();
        q->pid_notes_.pop_front();
        auto it = q->runs_.find(n.id);
        // Ended (or fenced) meanwhile: its finish says all there is to say.
        if (it != q->runs_.end() && it->second.job.lease == n.lease && it->second.proc &&
            !it->second.fenced)
            q->send_pid(n.id, n.lease, n.pid);
    }
    if (!q->pid_notes_.empty())
        ignore_result(
            ev::rearm_at(q->pid_timer_.get(), q->pid_notes_.front().due_us, "arm the pid timer"),
            "the pids wait for the next start; the finish fences the run all the same");
    return 0;
}

void PgQueue::send_pid(std::int64_t id, std::int64_t lease, int pid) {
    std::weak_ptr<PgQueue*> alive = self_;
    store_->set_pid(id, lease, pid, [this, alive, id, lease](StoreReply<bool> r) {
        if (alive.expired() || !r.ok() || *r.value) return;
        // The fence refused it: the run was rescued or cancelled elsewhere; it is not ours.
        auto it = runs_.find(id);
        if (it == runs_.end() || it->second.job.lease != lease || !it->second.proc) return;
        opt_.warn("job " + std::to_string(id) + ": its run is no longer this host's (lease " +
                  std::to_string(lease) + " fenced out): killing it");
        it->second.fenced = true;
        it->second.proc->kill_now();
    });
}

void PgQueue::on_fence(const std::string& why) {
    live_ = false;
    std::size_t killed = 0;
    for (auto it = runs_.begin(); it != runs_.end();) {
        Run& run = it->second;
        run.fenced = true;
        if (run.proc) {
            run.proc->kill_now();
            ++killed;
            ++it;
        } else {
            if (QueueState* q = find_queue(run.queue)) --q->running;
            it = runs_.erase(it);
        }
    }
    opt_.error("host lease lost (" + why + "): killed " + std::to_string(killed) +
               " job(s); claiming nothing until a new lease is registered");
    maybe_stopped();
}

void PgQueue::on_live(std::int64_t host_id) {
    host_id_ = host_id;
    live_ = true;
    opt_.info("host " + opt_.host_name + " holds lease " + std::to_string(host_id) +
              ": claiming jobs");
    claim_all();
}

void PgQueue::terminate_here(std::int64_t id, const std::string& why) {
    auto it = runs_.find(id);
    if (it == runs_.end()) return;
    it->second.cancel = true;
    if (!it->second.proc) return;  // killed as soon as it starts (launch)
    const QueueState* q = find_queue(it->second.queue);
    it->second.proc->note(why);
    it->second.proc->terminate(q ? q->s.stop_timeout : std::chrono::seconds(30));
}

void PgQueue::poll_running() {
    if (!live_ || polling_running_) return;
    polling_running_ = true;
    // With no claim in flight, every claim of this host was answered before this statement
    // (one connection answers in order): a run the database gives us that we do not know is
    // the leftover of an ambiguous claim (rule 5), and goes back to pending.
    const bool reconcile = claims_in_flight_ == 0;
    std::weak_ptr<PgQueue*> alive = self_;
    store_->running_of_host(
        host_id_, [this, alive, reconcile](StoreReply<std::vector<RunningJob>> r) {
            if (alive.expired()) return;
            polling_running_ = false;
            if (repoll_running_) {  // a cancel notification came meanwhile: ask again
                repoll_running_ = false;
                poll_running();
            }
            if (!r.ok()) return;
            for (const RunningJob& j : *r.value) {
                auto it = runs_.find(j.id);
                if (it != runs_.end()) {
                    if (j.cancel_requested && !it->second.cancel && it->second.job.lease == j.lease)
                        terminate_here(j.id, "cancelled: sending TERM");
                    continue;
                }
                if (!reconcile || finishes_.count(j.id) || stopping_) continue;
                end_run(j.id, "",
                        interrupted(j.id, j.lease,
                                    "interrupted: claimed by an answer this host never received",
                                    opt_.host_name));
            }
        });
}

void PgQueue::kill_all() {
    for (auto& [id, run] : runs_)
        if (run.proc) run.proc->kill_now();
}

}  // namespace tend::pg
