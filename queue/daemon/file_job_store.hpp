// The job store on one file, STATE/jobs.log: group commit on the event loop, recovery,
// spec and environment reads, and compaction in bounded steps.
#pragma once

#include <systemd/sd-event.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "queue/core/scheduler.hpp"
#include "queue/cron/cron_book.hpp"
#include "queue/store/env_table.hpp"
#include "queue/store/job_log.hpp"
#include "queue/store/job_store.hpp"
#include "supervisor/daemon/event_source.hpp"

namespace tend::jobs {

// What a compacted log holds per job besides its spec: frame headers and a status record.
inline constexpr std::uint64_t kLiveBytesPerJob = 80;

struct FileJobStoreOptions {
    sd_event* loop = nullptr;
    std::string state_dir;
    // The table this store mirrors: compaction writes what it holds and moves its spec
    // places. (One process owns the file, so its table is the whole truth.)
    Scheduler* table = nullptr;
    // Cron state written whole at compaction.
    const cron::CronBook* cron = nullptr;
    std::function<void(const std::string&)> info, warn;
};

class FileJobStore final : public JobStore {
  public:
    // Opens STATE/jobs.log (creating it); recover() then replays it.
    static Result<std::unique_ptr<FileJobStore>> open(FileJobStoreOptions options);
    ~FileJobStore() override;

    Status recover(RecoverySink& sink) override;
    void recovered() override;
    std::string describe() const override { return "job log " + path_; }

    std::vector<SpecRef> submit(std::vector<JobSpec>& specs, const std::vector<std::string>& env,
                                CronRecords cron, SubmitDone done) override;
    void record_status(std::vector<StatusRecord> changes, bool urgent,
                       std::function<void()> durable) override;
    void set_paused(const std::string& queue, bool paused,
                    std::function<void(Status)> done) override;
    void write_cron(CronRecords records, bool droppable, std::function<void(Status)> done) override;
    bool idle() const override { return !log_ || !log_->has_pending(); }
    void set_turn_hook(std::function<void()> hook) override { turn_hook_ = std::move(hook); }
    void request_turn() override { request_commit(); }

    Result<JobSpec> read_spec(SpecRef where) const override;
    Figures figures() const override;
    Result<std::vector<std::string>> read_env(std::uint32_t env_id) const override;

    void forget_jobs(const std::vector<JobId>& ids, std::uint64_t spec_bytes) override;
    void maybe_checkpoint() override;
    void checkpoint() override;
    void stopping() override { stopping_ = true; }

    // For tests: the log's size and whether a compaction is under way.
    std::uint64_t log_size() const { return log_ ? log_->size() : 0; }
    bool compacting() const { return compaction_ != nullptr; }

  private:
    explicit FileJobStore(FileJobStoreOptions options) : opt_(std::move(options)) {}
    void enqueue(std::string frames, bool droppable, JobLog::Done done);
    void request_commit();
    static int on_commit(sd_event_source*, void* self);
    static int on_commit_retry(sd_event_source*, uint64_t, void* self);
    void arm_commit_guard();
    static int on_commit_guard(sd_event_source*, uint64_t, void* self);
    static int on_lazy_flush(sd_event_source*, uint64_t, void* self);
    void arm_lazy_flush();

    // ---- compaction (file_job_store_compact.cpp)
    static int on_compact_step(sd_event_source*, void* self);
    void compact_step();
    void finish_compaction();

    FileJobStoreOptions opt_;
    std::string path_;
    std::unique_ptr<JobLog> log_;
    bool needs_rewrite_ = false;  // recovery skipped damage: compact once the table is settled
    EnvTable envs_;
    std::function<void()> turn_hook_;
    EventSource commit_source_, commit_guard_, commit_retry_, lazy_timer_, compact_source_;
    bool commit_failing_ = false;
    prom::Histogram commit_seconds_{prom::short_buckets()};  // commits that wrote something
    std::uint64_t commit_errors_ = 0;
    bool stopping_ = false;
    std::uint64_t live_bytes_ = 0;  // estimate of a compacted log's size
    struct Compaction {
        std::vector<JobId> ids;
        std::size_t next = 0;
        std::vector<std::pair<JobId, std::uint64_t>> moved;  // id -> spec offset in the new file
        std::vector<std::pair<std::uint32_t, std::uint64_t>> moved_envs;
    };
    std::unique_ptr<Compaction> compaction_;
};

}  // namespace tend::jobs
