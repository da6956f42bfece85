// Replaying a job log into a table: tendd's recovery and `tend`'s read-only view of a stopped
// daemon's state dir share it, so both read the records with the same decoders.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>

#include "queue/core/record_format.hpp"
#include "queue/core/scheduler.hpp"
#include "queue/store/job_store.hpp"

namespace tend::jobs {

// Decodes one intact record (from scan_log) and hands it to `sink`. An environment record goes
// to `on_env` (the store keeps environments; a reader may ignore them). A record with a valid
// checksum that this build cannot decode adds one to `undecodable`.
void replay_record(const ScannedRecord& r, RecoverySink& sink, std::size_t& undecodable,
                   const std::function<void(const EnvRecord&, const ScannedRecord&)>& on_env);

// Rebuilds a Scheduler from the records: ids, jobs (their queue made known), statuses and queue
// pauses. Cron records are ignored here; tendd's recovery adds what it needs (job_recovery.cpp).
class TableRestoreSink : public RecoverySink {
  public:
    explicit TableRestoreSink(Scheduler& table) : table_(table) {}
    void next_id(JobId id) override;
    void job(const JobSpec& spec, SpecRef where) override;
    void status(const StatusRecord& r) override { table_.restore_status(r.id, r.status); }
    void queue_paused(const std::string& queue, bool paused) override { paused_[queue] = paused; }
    void cron_def(const cron::CronDefRecord&) override {}
    void cron_state(const cron::CronStateRecord&) override {}
    // Once replay is over: settles the table at `now` (Scheduler::finish_restore) and applies
    // the pauses; `warn` gets what could not be applied.
    void finish(WallUs now, const std::function<void(const std::string&)>& warn);

  protected:
    Scheduler& table_;
    std::map<std::string, bool> paused_;
};

}  // namespace tend::jobs
