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

namespace tend::pg {

struct PgCronDeps {
    PgConn* conn = nullptr;  // the work connection; must outlive the store
    std::string host_name;
    std::uint64_t timeout_us = 10'000'000;
};

class PgCronStore {
  public:
    explicit PgCronStore(PgCronDeps deps);
    ~PgCronStore();

    // Reads tend.cron into the book; `done` runs once (an error when the database could not
    // be read: the caller retries before starting the cron service).
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

  private:
    struct State;
    PgCronDeps deps_;
    std::shared_ptr<State> state_;  // callbacks still in flight hold it
};

}  // namespace tend::pg
