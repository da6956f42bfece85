// PgQueue's requests on jobs and queues: cancel, retry, pause/resume, `tend queue set` and a
// reload's queues, each answered as the file store answers it once the database has answered.
#include <nlohmann/json.hpp>

#include "queue/core/queue_figures.hpp"
#include "queue/pg/pg_queue.hpp"
#include "queue/pg/pg_queue_text.hpp"

namespace tend::pg {

namespace {
using Kind = jobs::JobReply::Kind;
using jobs::JobReply;
using json = nlohmann::json;

// The reply of a request about several jobs: one result per id, in order, sent once the last
// statement answered.
struct ResultsJoin {
    json results = json::array();
    std::size_t left = 0;
    PgQueue::JobReplier reply;

    static std::shared_ptr<ResultsJoin> make(const std::vector<PgQueue::JobId>& ids,
                                             PgQueue::JobReplier reply) {
        auto j = std::make_shared<ResultsJoin>();
        for (auto id : ids) j->results.push_back(json{{"id", id}});
        j->left = ids.size();
        j->reply = std::move(reply);
        return j;
    }
    void done() {
        if (--left == 0) reply(PgQueue::JobReply::ok({{"results", results}}));
    }
};
// One job's entry in a cancel or retry reply when nothing was done to it.
json refused(jobs::JobId id, std::string why) {
    return {{"id", id}, {"ok", false}, {"error", std::move(why)}};
}
}  // namespace

// ---- cancel, retry: one statement per job, pipelined; the reply lists each job's result.
void PgQueue::cancel(const std::vector<JobId>& ids, JobReplier reply) {
    if (must_defer()) return defer([this, ids, reply] { cancel(ids, reply); }, reply);
    if (auto u = unavailable()) return reply(*u);
    auto join = ResultsJoin::make(ids, std::move(reply));
    if (ids.empty()) return join->reply(JobReply::ok({{"results", join->results}}));
    std::weak_ptr<PgQueue*> alive = self_;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const JobId id = ids[i];
        store_->cancel(
            static_cast<std::int64_t>(id), "cancelled by user",
            [this, alive, join, i, id](StoreReply<std::optional<CancelResult>> r) {
                json& out = join->results[i];
                if (!r.ok()) {
                    out = refused(id, server_text(r.message));
                } else if (!*r.value) {
                    out = refused(id, "job " + std::to_string(id) +
                                          " is not waiting or running (no such job, or it has "
                                          "already finished)");
                } else {
                    const bool running = (*r.value)->state == jobs::JobState::running;
                    if (running && !alive.expired()) {
                        terminate_here(static_cast<std::int64_t>(id), "cancelled: sending TERM");
                        notify_cancel((*r.value)->host_id, static_cast<std::int64_t>(id));
                    }
                    out = {{"id", id},
                           {"ok", true},
                           {"state", running ? "running" : "cancelled"},
                           {"signalled", running}};
                }
                join->done();
            });
    }
}

Result<bool> PgQueue::cancel_job(JobId id, const std::string& reason) {
    if (auto u = unavailable()) return make_error(u->message);
    // Asynchronous here: the answer says whether it runs on this host (cron's overlap rule
    // then waits for its end); the cancel itself lands with the statement.
    const bool here = runs_.count(static_cast<std::int64_t>(id)) != 0;
    std::weak_ptr<PgQueue*> alive = self_;
    store_->cancel(static_cast<std::int64_t>(id), reason,
                   [this, alive, id](StoreReply<std::optional<CancelResult>> r) {
                       if (alive.expired() || !r.ok() || !*r.value) return;
                       if ((*r.value)->state == jobs::JobState::running) {
                           terminate_here(static_cast<std::int64_t>(id), "cancelled: sending TERM");
                           notify_cancel((*r.value)->host_id, static_cast<std::int64_t>(id));
                       }
                   });
    return here;
}

void PgQueue::retry(const std::vector<JobId>& ids, JobReplier reply) {
    if (must_defer()) return defer([this, ids, reply] { retry(ids, reply); }, reply);
    if (auto u = unavailable()) return reply(*u);
    auto join = ResultsJoin::make(ids, std::move(reply));
    if (ids.empty()) return join->reply(JobReply::ok({{"results", join->results}}));
    std::weak_ptr<PgQueue*> alive = self_;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const JobId id = ids[i];
        store_->retry(static_cast<std::int64_t>(id),
                      [this, alive, join, i, id](StoreReply<std::optional<RetryResult>> r) {
                          json& out = join->results[i];
                          if (!r.ok()) {
                              out = refused(id, server_text(r.message));
                          } else if (!*r.value) {
                              out = refused(id, "job " + std::to_string(id) +
                                                    " cannot be retried: only failed, dead or "
                                                    "cancelled jobs can be retried");
                          } else {
                              out = {{"id", id}, {"ok", true}, {"state", "pending"}};
                              if (!alive.expired()) {
                                  notify_jobs((*r.value)->queue);
                                  if (QueueState* q = find_queue((*r.value)->queue)) claim(*q);
                              }
                          }
                          join->done();
                      });
    }
}

// ---- queues
void PgQueue::set_paused(const std::string& queue, bool paused, JobReplier reply) {
    if (must_defer())
        return defer([this, queue, paused, reply] { set_paused(queue, paused, reply); }, reply);
    if (auto u = unavailable()) return reply(*u);
    std::weak_ptr<PgQueue*> alive = self_;
    store_->set_paused(queue, paused, [this, alive, queue, paused, reply](StoreReply<bool> r) {
        if (alive.expired()) return;
        if (!r.ok())
            return reply(JobReply::error(
                Kind::failed, std::string("cannot ") + (paused ? "pause" : "resume") + " queue " +
                                  queue + ": " + server_text(r.message)));
        if (!*r.value)
            return reply(JobReply::error(Kind::not_found, "no queue named \"" + queue + "\""));
        jobs::QueueFigures f;
        if (const QueueState* q = find_queue(queue)) {
            f.settings = q->s;
            f.stats.running = q->running;
            f.stats.concurrency = q->s.concurrency;
        } else {
            f.settings.name = queue;
        }
        f.stats.name = queue;
        f.stats.paused = paused;
        if (!paused) {
            notify_jobs(queue);  // the queue is resumed on every host
            if (QueueState* q = find_queue(queue)) claim(*q);
        }
        reply(JobReply::ok(jobs::queue_figures_json(f, now(), started_at_)));
    });
}

void PgQueue::set_queue(const jobs::QueueSetArgs& args, JobReplier reply) {
    QueueState* q = find_queue(args.queue);
    if (!q) return reply(JobReply::error(Kind::not_found, "no queue named \"" + args.queue + "\""));
    jobs::QueueSettings check = q->s;
    for (const auto& [key, value] : args.values)
        if (auto e = jobs::set_runtime_key(check, key, value))
            return reply(JobReply::error(Kind::invalid, "queue " + args.queue + ": " + *e));
    const bool shared = check.max_pending != q->s.max_pending;
    q->s = check;
    std::string what;
    for (const auto& [key, value] : args.values)
        what += (what.empty() ? "" : ", ") + key + "=" + std::to_string(value);
    opt_.info("queue " + args.queue + ": " + what +
              " (tend queue set, on this host; until the next reload)");
    // max_pending is the database's, shared by every host: recorded there.
    if (shared && schema_ == Schema::ready) sync_queues();
    claim(*q);
    jobs::QueueFigures f;
    f.settings = q->s;
    f.stats.name = q->s.name;
    f.stats.running = q->running;
    f.stats.concurrency = q->s.concurrency;
    reply(JobReply::ok(jobs::queue_figures_json(f, now(), started_at_)));
}

void PgQueue::reconfigure(const std::vector<jobs::QueueSettings>& queues) {
    std::vector<QueueState> next;
    for (const auto& s : queues) {
        QueueState n{s, 0, false};
        for (const auto& old : queues_)
            if (old.s.name == s.name) {
                n.running = old.running;
                n.claiming = old.claiming;
            }
        next.push_back(std::move(n));
    }
    // A queue gone from the config finishes its runs here but claims nothing more.
    for (const auto& old : queues_) {
        bool kept = false;
        for (const auto& n : next) kept = kept || n.s.name == old.s.name;
        if (!kept && old.running > 0) {
            QueueState gone = old;
            gone.s.configured = false;
            next.push_back(std::move(gone));
        }
    }
    queues_ = std::move(next);
    if (schema_ == Schema::ready) sync_queues();
}

}  // namespace tend::pg
