// Reads of the PostgreSQL store for `tend jobs`, `show`, `logs JOB`, `queues`, the owner check
// of every job request, and the queue figures of /metrics and the dashboard (design
// postgres.md §12). Each answer is rendered as the file store renders it (job_render), so the
// CLI cannot tell the stores apart; nothing here blocks the loop: replies come when the
// database answers, and a statement that cannot be sent is a `failed` error naming the database.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "queue/core/job_request_args.hpp"
#include "queue/core/queue_figures.hpp"
#include "queue/core/queue_settings.hpp"
#include "queue/pg/pg_conn.hpp"
#include "supervisor/protocol/outcome.hpp"

namespace tend::pg {

struct PgViewDeps {
    PgConn* conn = nullptr;  // the read connection; must outlive the views
    std::string state_dir;   // this host's output files: STATE/jobs/output/ID.log
    std::string host_name;   // [daemon] host_name: whose output files are local
    std::function<jobs::WallUs()> now;
    // The configured queues (their settings for `tend queues`), in config order.
    std::function<std::vector<jobs::QueueSettings>()> queue_settings;
    std::uint64_t timeout_us = 10'000'000;
};

class PgJobViews {
  public:
    using Owners = std::vector<std::optional<std::uint32_t>>;
    explicit PgJobViews(PgViewDeps deps);
    ~PgJobViews();

    void list(const jobs::JobListQuery& query, protocol::Respond reply) const;
    void show(jobs::JobId id, protocol::Respond reply) const;
    // The job's output: the local file when this host ran it last, else the stored tail of
    // its last run (naming the host that ran it).
    void logs(jobs::JobId id, protocol::Respond reply) const;
    void queues(protocol::Respond reply) const;
    // One owner (submitting uid) per id, in order; nullopt for an unknown job, or when the
    // database cannot be asked (then `error` says why).
    void owners(std::vector<jobs::JobId> ids,
                std::function<void(Owners, std::optional<std::string> error)> done) const;
    // State and last exit of one job (cron's overlap rule); nullopt: unknown or unreachable.
    void brief(jobs::JobId id, std::function<void(std::optional<jobs::JobBrief>)> done) const;

    // Queue figures for /metrics and the dashboard: the last answer of queue_stats, refreshed
    // by refresh_figures() (the queue service calls it every few seconds).
    std::vector<jobs::QueueFigures> figures() const;
    void refresh_figures();

  private:
    struct State;
    PgViewDeps deps_;
    std::shared_ptr<State> state_;  // callbacks still in flight hold it
};

}  // namespace tend::pg
