// Cron on the PostgreSQL store (design postgres.md §4.8, §12): entries added with `tend cron
// add` and every entry's last tick live in tend.cron, shared by all hosts; a tick's job is
// inserted by one statement that admits it only while last_tick < tick, so each tick fires once
// across hosts with no leader. The cron arithmetic stays the cron service's (queue/daemon/cron_*):
// this is the store seam it calls through JobQueue (cron_book, write_cron, fire, job_brief).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "queue/core/queue_figures.hpp"
#include "queue/cron/cron_book.hpp"
#include "queue/daemon/job_queue.hpp"
#include "queue/pg/pg_conn.hpp"
#include "queue/pg/pg_decode_cron.hpp"

namespace tend::pg {

struct PgCronDeps {
    PgConn* conn = nullptr;  // the work connection; must outlive the store
    std::string host_name;
    std::uint64_t timeout_us = 10'000'000;
    // Retries (a lost connection, a deadlock, a tick ahead of the database's clock) wait on
    // this loop's timers; without a loop nothing is retried.
    sd_event* loop = nullptr;
    // A damaged entry in tend.cron (it is not loaded), once per distinct message.
    std::function<void(const std::string&)> warn;
    // A tick that cannot be stored for this long is dropped (an error to the cron service);
    // writes that are not droppable are retried for as long as the store lives.
    std::uint64_t fire_give_up_us = 60'000'000;
};

class PgCronStore {
  public:
    explicit PgCronStore(PgCronDeps deps);
    ~PgCronStore();

    // Reads tend.cron into the book, and the states of the entries' last jobs; `done` runs
    // once (an error when the database could not be read: the caller retries before starting
    // the cron service). Callbacks still pending when the store is destroyed are dropped.
    void load(std::function<void(Status)> done);
    cron::CronBook& book();
    // Writes entry definitions (tend cron add/remove) and states; `droppable` false: retried
    // until stored.
    void write(jobs::CronRecords records, bool droppable, std::function<void(Status)> done);
    // Inserts the tick's job unless this tick (or a later one) was fired already, on any host:
    // CronFired::job == 0 then. `env` and `spec` as the cron service built them.
    void fire(jobs::CronTick tick, std::function<void(Result<jobs::CronFired>)> done);
    // The last known state of a tick's job (the overlap rule), from a cache this store keeps
    // current; nullopt when unknown.
    std::optional<jobs::JobBrief> job_brief(jobs::JobId id) const;

    // Re-reads the states of the entries' jobs (the cache job_brief answers from): the queue
    // service calls it every queue_poll, so that overlap = skip sees a job another host ran
    // end. `done` (may be empty) gets the outcome; the cache is kept when the read fails.
    void refresh(std::function<void(Status)> done);
    // Re-reads tend.cron: entries other hosts added, changed or removed with `tend cron add` /
    // `tend cron remove` are applied to book() (their states only move forward), and `done`
    // gets what changed, for the cron service to start or stop those entries. The queue
    // service calls it every few seconds (tendd(8) MULTI-HOST: how long an entry added on one
    // host takes to fire on the others).
    void refresh_book(std::function<void(Result<CronDefsDiff>)> done);
    // The overlap policy of an entry of the config (entries of `tend cron add` have theirs in
    // book()). With skip, fire() checks again in the database, after taking the entry's row
    // lock, that no job of the entry is live on any host (the cron service sees only the
    // jobs this host fired): such a tick is consumed and answers CronFired::job == 0. The
    // queue service sets it for every [cron.NAME] at start and reload.
    void set_overlap(const std::string& entry, cron::Overlap overlap);

  private:
    struct State;
    PgCronDeps deps_;
    std::shared_ptr<State> state_;  // callbacks in flight hold it weakly
};

}  // namespace tend::pg
