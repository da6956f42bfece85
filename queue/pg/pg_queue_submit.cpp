// PgQueue's submits: single jobs, --stdin batches (buffered per client with the file store's
// bounds) and tendd's own, one tend.submit statement per batch, answered with the file store's
// fields and error kinds (queue full: exit 75).
#include <nlohmann/json.hpp>

#include "queue/pg/pg_queue.hpp"

#include "queue/pg/pg_queue_text.hpp"
#include "queue/store/spool_pairing.hpp"

namespace tend::pg {

namespace {
using Kind = jobs::JobReply::Kind;
using jobs::JobReply;
using json = nlohmann::json;

// Keys are per user (SPEC §8): stored as "UID:KEY", as the file store scopes them.
std::string scoped_key(std::uint32_t uid, const std::string& key) {
    return std::to_string(uid) + ":" + key;
}
}  // namespace

std::optional<JobReply> PgQueue::check_shape(const jobs::SubmitRequest& r) const {
    if (stopping_) return JobReply::error(Kind::failed, "tendd is shutting down");
    if (auto why = jobs::submit_shape_error(r)) return JobReply::error(Kind::bad_request, *why);
    const jobs::JobSpec& s = r.shape;
    if (s.key.size() > 500)
        return JobReply::error(Kind::bad_request, "\"key\" must be at most 500 bytes");
    if (auto u = unavailable()) return u;
    if (!find_queue(s.queue))
        return JobReply::error(Kind::invalid, "no queue named \"" + s.queue + "\"");
    return std::nullopt;
}

void PgQueue::submit_batch(SubmitBatch batch, bool single, jobs::SubmitSource source,
                           std::function<void(StoreReply<std::vector<SubmittedJob>>)> done,
                           int retries) {
    std::weak_ptr<PgQueue*> alive = self_;
    auto shared = std::make_shared<SubmitBatch>(std::move(batch));
    store_->submit(*shared, [this, alive, shared, single, source, done = std::move(done),
                             retries](StoreReply<std::vector<SubmittedJob>> r) mutable {
        if (alive.expired()) return;
        const bool again =
            r.outcome == Outcome::ambiguous ||
            (r.outcome == Outcome::error && (r.sqlstate == "40P01" || r.sqlstate == "40001"));
        if (again && retries > 0)  // the same token: a batch that did commit is not doubled
            return submit_batch(std::move(*shared), single, source, std::move(done), retries - 1);
        const std::string& queue = shared->queue;
        if (r.ok()) {
            std::uint64_t fresh = 0;
            for (const auto& j : *r.value) fresh += j.deduplicated ? 0 : 1;
            if (fresh) counters_.submitted(queue, source, fresh);
            if (single && !r.value->empty() && r.value->front().deduplicated)
                ++counters_.queue(queue).deduplicated;
            // A host that submitted claims at once (design §6).
            if (QueueState* q = find_queue(queue)) claim(*q);
            if (fresh) notify_jobs(queue);  // and the other hosts hear of it (§6)
        } else if (r.sqlstate == "TE075") {
            counters_.refused(queue, jobs::RefuseReason::full);
        } else if (r.sqlstate == "TE404" || r.sqlstate == "TE065") {
            counters_.refused(queue, jobs::RefuseReason::invalid);
        } else {
            counters_.refused(queue, jobs::RefuseReason::io);
        }
        done(std::move(r));
    });
}

void PgQueue::submit(jobs::SubmitRequest r, JobReplier reply) {
    if (must_defer())
        return defer([this, r = std::move(r), reply]() mutable { submit(std::move(r), reply); },
                     reply);
    if (auto bad = check_shape(r)) {
        if (bad->kind == Kind::invalid)
            counters_.refused(r.shape.queue, jobs::RefuseReason::invalid);
        return reply(*bad);
    }
    const QueueState* q = find_queue(r.shape.queue);
    const std::size_t count = r.batch ? r.lines.size() : 1;
    if (r.batch && count == 0) return reply(JobReply::ok({{"first_id", nullptr}, {"count", 0}}));
    jobs::JobSpec s = r.shape;
    s.uid = r.peer_uid;
    s.gid = r.peer_gid;
    s.groups = r.peer_groups;
    if (s.max_attempts == 0) s.max_attempts = q->s.max_attempts;
    if (!s.key.empty()) s.key = scoped_key(s.uid, s.key);
    SubmitBatch batch;
    batch.queue = s.queue;
    batch.env = std::move(r.env);
    batch.token = new_submit_token();
    batch.by = "uid:" + std::to_string(s.uid);
    batch.specs.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        jobs::JobSpec spec = s;
        if (r.batch) {
            spec.shell = true;
            spec.argv = {std::move(r.lines[i])};
        }
        batch.specs.push_back(std::move(spec));
    }
    const bool single = !r.batch;
    const std::string queue = s.queue;
    submit_batch(
        std::move(batch), single, jobs::SubmitSource::cli,
        [reply, single, queue](StoreReply<std::vector<SubmittedJob>> res) {
            if (res.ok() && !res.value->empty()) {
                const SubmittedJob& first = res.value->front();
                if (single)
                    return reply(
                        JobReply::ok({{"id", first.id}, {"deduplicated", first.deduplicated}}));
                nlohmann::json data = {{"first_id", first.id}, {"count", res.value->size()}};
                // Another host's submits may interleave with the batch's ids (one sequence):
                // then they are listed too, and `tend submit` uses them.
                std::vector<std::int64_t> ids;
                bool consecutive = true;
                for (const auto& j : *res.value) {
                    consecutive = consecutive && j.id == first.id + std::int64_t(ids.size());
                    ids.push_back(j.id);
                }
                if (!consecutive) data["ids"] = ids;
                return reply(JobReply::ok(std::move(data)));
            }
            const std::string msg = server_text(res.message);
            if (res.sqlstate == "TE075")
                return reply(JobReply::error(Kind::full, msg + " (max_pending)"));
            if (res.sqlstate == "TE404" || res.sqlstate == "TE065")
                return reply(JobReply::error(Kind::invalid, msg));
            if (res.outcome == Outcome::not_sent)
                return reply(
                    JobReply::error(Kind::failed, "the queue's database is unreachable: " + msg));
            reply(JobReply::error(Kind::failed, "job not stored: " + msg));
        });
}

JobReply PgQueue::buffer_lines(std::uint64_t client, std::vector<std::string> lines,
                               bool privileged) {
    return batches_.add(client, std::move(lines), privileged);
}

void PgQueue::submit_buffered(std::uint64_t client, jobs::SubmitRequest r, JobReplier reply) {
    if (auto refusal = batches_.take(client, r)) return reply(*refusal);
    submit(std::move(r), std::move(reply));
}

void PgQueue::client_gone(std::uint64_t client) {
    batches_.forget(client);
    std::erase_if(waiters_, [client](const Waiter& w) { return w.client == client; });
}

void PgQueue::submit_internal(std::vector<jobs::JobSpec> specs, const std::vector<std::string>& env,
                              std::function<void(Result<std::vector<JobId>>)> done) {
    if (stopping_) return done(make_error("tendd is shutting down"));
    if (specs.empty()) return done(std::vector<JobId>{});
    if (auto u = unavailable()) return done(make_error(u->message));
    const QueueState* q = find_queue(specs.front().queue);
    if (!q) return done(make_error("no queue named \"" + specs.front().queue + "\""));
    SubmitBatch batch;
    batch.queue = specs.front().queue;
    batch.env = env;
    batch.token = new_submit_token();
    batch.by = "uid:" + std::to_string(specs.front().uid);
    for (auto& s : specs) {
        if (s.max_attempts == 0) s.max_attempts = q->s.max_attempts;
        if (!s.key.empty() && !s.key.starts_with("cron:")) s.key = scoped_key(s.uid, s.key);
    }
    batch.specs = std::move(specs);
    submit_batch(std::move(batch), false, jobs::SubmitSource::cron,
                 [done = std::move(done)](StoreReply<std::vector<SubmittedJob>> r) {
                     if (!r.ok()) return done(make_error(server_text(r.message)));
                     std::vector<JobId> ids;
                     for (const auto& j : *r.value) ids.push_back(static_cast<JobId>(j.id));
                     done(std::move(ids));
                 });
}

void PgQueue::start_spool_intake() {
    // The spool is the file store's. Recorded beside the socket, so that `tend submit` while
    // this tendd is down refuses (exit 69) instead of spooling a job nobody would take in.
    if (opt_.socket.empty()) return;
    if (auto st = jobs::write_pairing_file(opt_.socket, ""); !st)
        opt_.warn("cannot record beside the socket that this tendd takes in no spool: " +
                  st.error() + "; `tend submit` while it is down may spool jobs it never reads");
}

}  // namespace tend::pg
