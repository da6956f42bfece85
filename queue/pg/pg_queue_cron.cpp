// PgQueue's cron seam (pg_queue.hpp): the book read from the database before cron starts, cron
// started anew when another host changes the entries (once no write or fire of the running
// cron service is in flight, so that each of its answers reaches it), and write/fire forwarded
// to PgCronStore.
#include "queue/pg/pg_queue.hpp"

namespace tend::pg {

void PgQueue::load_cron() {
    if (cron_loaded_ || cron_loading_) return;
    cron_loading_ = true;
    cron_tried_at_ = ticks_;
    std::weak_ptr<PgQueue*> alive = self_;
    cron_->load([this, alive](Status st) {
        if (alive.expired()) return;
        cron_loading_ = false;
        if (!st) {
            if (!cron_warned_)
                opt_.warn("cannot read the cron entries: " + st.error() + "; retrying");
            cron_warned_ = true;
            return;
        }
        cron_loaded_ = true;
        if (cron_warned_) opt_.info("cron entries read from the database");
        restart_cron();
    });
}

void PgQueue::restart_cron() {
    // The cron service's callbacks point at it: replacing it under an answer in flight would
    // lose that answer (a `tend cron add` never answered). It restarts when the last one lands.
    if (cron_in_flight_ > 0) {
        cron_restart_pending_ = true;
        return;
    }
    cron_restart_pending_ = false;
    ++cron_generation_;
    if (opt_.on_cron_loaded) opt_.on_cron_loaded();
}

void PgQueue::cron_answered() {
    if (--cron_in_flight_ == 0 && cron_restart_pending_) restart_cron();
}

// Entries another host added or removed (tend cron add/remove there): cron starts anew on the
// book read back, as at start. Ticks stay exactly-once whatever this host's cron believes:
// the database admits a tick only once (tend.cron_fire).
void PgQueue::refresh_cron_book() {
    if (!cron_loaded_ || cron_book_refreshing_) return;
    cron_book_refreshing_ = true;
    std::weak_ptr<PgQueue*> alive = self_;
    cron_->refresh_book([this, alive](Result<CronDefsDiff> diff) {
        if (alive.expired()) return;
        cron_book_refreshing_ = false;
        if (diff && !diff->empty()) {
            opt_.info("cron entries changed on another host: cron restarts on them");
            restart_cron();
        }
    });
}

void PgQueue::write_cron(jobs::CronRecords records, bool droppable,
                         std::function<void(Status)> done) {
    std::weak_ptr<PgQueue*> alive = self_;
    ++cron_in_flight_;
    cron_->write(std::move(records), droppable,
                 [this, alive, gen = cron_generation_, done = std::move(done)](Status st) {
                     if (alive.expired()) return;
                     // (A replaced service's answer would reach a destroyed object: never sent.)
                     if (gen == cron_generation_) done(std::move(st));
                     cron_answered();
                 });
}

void PgQueue::fire(jobs::CronTick tick, std::function<void(Result<jobs::CronFired>)> done) {
    // Before the book is read this host's cron knows no last ticks; it starts again on them.
    if (!cron_loaded_)
        return done(make_error("the cron entries are not read from the database yet"));
    cron_->set_overlap(tick.entry, tick.overlap);
    std::weak_ptr<PgQueue*> alive = self_;
    ++cron_in_flight_;
    cron_->fire(std::move(tick), [this, alive, gen = cron_generation_,
                                  done = std::move(done)](Result<jobs::CronFired> r) {
        if (alive.expired()) return;
        if (gen == cron_generation_) done(std::move(r));
        cron_answered();
    });
}

}  // namespace tend::pg
