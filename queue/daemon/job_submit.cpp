// Submitting jobs: checks, and one durable batch per request.
#include "queue/daemon/job_submit.hpp"

namespace tend::jobs {

namespace {
using Kind = JobReply::Kind;
// A --stdin batch is held in memory until its `submit`; this bounds one client's share.
constexpr std::size_t kMaxBatchBytes = 256u << 20;
// What a buffered line costs besides its text: its std::string (32 bytes), the allocator's
// header and rounding, and the vector's spare capacity (measured: 100-byte lines held in a
// batch take about 165 bytes each).
constexpr std::size_t kLineOverhead = 64;
}  // namespace

std::optional<JobReply> SubmitIntake::check_shape(const SubmitRequest& r) const {
    if (c_.stopping) return JobReply::error(Kind::failed, "tendd is shutting down");
    const JobSpec& s = r.shape;
    if (r.batch) {
        if (!s.key.empty())
            return JobReply::error(Kind::bad_request, "--key cannot be used with a batch");
    } else if (s.argv.empty() || s.argv[0].empty()) {
        return JobReply::error(Kind::bad_request, "\"argv\" must name a command");
    }
    if (s.cwd.empty() || s.cwd[0] != '/')
        return JobReply::error(Kind::bad_request, "\"cwd\" must be an absolute path");
    // The keys of cron ticks prove, in the log, that a tick fired (SPEC §7).
    if (s.key.starts_with("cron:"))
        return JobReply::error(Kind::bad_request,
                               "keys starting with \"cron:\" are reserved for cron entries");
    if (s.max_attempts > 1000000)
        return JobReply::error(Kind::bad_request, "\"attempts\" must be at most 1000000");
    return std::nullopt;
}

void SubmitIntake::submit(SubmitRequest r, JobReplier reply) {
    if (auto bad = check_shape(r)) return reply(*bad);
    JobSpec& s = r.shape;
    if (!s.key.empty()) {
        if (auto id = c_.sched.find_key(r.peer_uid, s.key)) {
            JobId existing = *id;
            ++c_.counters.queue(s.queue).deduplicated;
            d_.after_durable([reply, existing] {
                reply(JobReply::ok({{"id", existing}, {"deduplicated", true}}));
            });
            d_.flush_changes();
            return;
        }
    }
    const std::size_t count = r.batch ? r.lines.size() : 1;
    if (r.batch && count == 0) return reply(JobReply::ok({{"first_id", nullptr}, {"count", 0}}));
    if (auto refusal = c_.sched.check_submit(s, count)) {
        c_.counters.refused(s.queue, refusal->full ? RefuseReason::full : RefuseReason::invalid);
        return reply(JobReply::error(refusal->full      ? Kind::full
                                     : refusal->unknown ? Kind::invalid
                                                        : Kind::bad_request,
                                     refusal->message));
    }
    s.submitted_at = c_.now();
    s.uid = r.peer_uid;
    s.gid = r.peer_gid;
    s.groups = r.peer_groups;
    std::vector<JobSpec> specs;
    specs.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        JobSpec spec = s;
        spec.id = c_.sched.allocate_id();
        if (r.batch) {
            spec.shell = true;
            spec.argv = {std::move(r.lines[i])};
        }
        specs.push_back(std::move(spec));
    }
    const bool batch = r.batch;
    commit_submit(std::move(specs), r.env, [reply, batch](Result<std::vector<JobId>> ids) {
        if (!ids) return reply(JobReply::error(Kind::failed, "job not stored: " + ids.error()));
        if (batch)
            reply(JobReply::ok({{"first_id", ids->front()}, {"count", ids->size()}}));
        else
            reply(JobReply::ok({{"id", ids->front()}, {"deduplicated", false}}));
    });
}

void SubmitIntake::drop_batch(std::uint64_t client) {
    batches_.erase(client);
    auto it = batch_bytes_.find(client);
    if (it == batch_bytes_.end()) return;
    if (c_.opt.budget) c_.opt.budget->release(it->second);
    batch_bytes_.erase(it);
}

JobReply SubmitIntake::buffer_lines(std::uint64_t client, std::vector<std::string> lines,
                                    bool privileged) {
    if (auto it = refused_batches_.find(client); it != refused_batches_.end()) return it->second;
    // What the lines will cost held in memory: their text and a string each.
    std::uint64_t add = 0;
    for (const auto& l : lines) add += l.size() + kLineOverhead;
    auto& bytes = batch_bytes_[client];
    std::optional<JobReply> refusal;
    if (bytes + add > kMaxBatchBytes) {
        refusal = JobReply::error(Kind::bad_request, "batch larger than 256 MiB; split it");
    } else if (!c_.opt.budget) {
        bytes += add;
    } else if (auto why = c_.opt.budget->resize(bytes, bytes + add, privileged)) {
        refusal = JobReply::error(Kind::busy, *why + "; the batch was dropped, nothing submitted");
    }
    if (refusal) {
        drop_batch(client);
        refused_batches_.emplace(client, *refusal);
        return *refusal;
    }
    auto& held = batches_[client];
    for (auto& l : lines)
        if (!l.empty()) held.push_back(std::move(l));
    return JobReply::ok({{"buffered", held.size()}});
}

void SubmitIntake::submit_buffered(std::uint64_t client, SubmitRequest r, JobReplier reply) {
    // The batch's earlier lines were refused: storing the rest would run part of it.
    if (auto it = refused_batches_.find(client); it != refused_batches_.end()) {
        JobReply refusal = std::move(it->second);
        refused_batches_.erase(it);
        return reply(refusal);
    }
    auto it = batches_.find(client);
    if (it != batches_.end()) {
        std::vector<std::string> lines = std::move(it->second);
        drop_batch(client);
        for (auto& l : r.lines)
            if (!l.empty()) lines.push_back(std::move(l));
        r.lines = std::move(lines);
    }
    submit(std::move(r), std::move(reply));
}

void SubmitIntake::client_gone(std::uint64_t client) {
    drop_batch(client);
    refused_batches_.erase(client);
}

void SubmitIntake::commit_submit(std::vector<JobSpec> specs, const std::vector<std::string>& env,
                                 std::function<void(Result<std::vector<JobId>>)> done,
                                 CronRecords cron, SubmitSource source) {
    std::vector<JobId> ids;
    ids.reserve(specs.size());
    for (const auto& s : specs) ids.push_back(s.id);
    // A batch goes to one queue.
    std::string queue = specs.empty() ? std::string() : specs.front().queue;
    auto refs = c_.store->submit(
        specs, env, std::move(cron),
        [this, ids, queue, source, done = std::move(done)](Result<std::vector<SpecRef>> placed) {
            if (!placed) {
                for (JobId id : ids) c_.sched.remove_uncommitted(id);
                c_.counters.refused(queue, RefuseReason::io);
                return done(make_error(placed.error()));
            }
            c_.counters.submitted(queue, source, ids.size());
            for (std::size_t i = 0; i < ids.size(); ++i)
                c_.sched.set_spec_location(ids[i], (*placed)[i].offset, (*placed)[i].length);
            done(ids);
        });
    // In the table at once, so dispatch in this same turn can choose them; nothing starts before
    // the commit that makes the submit durable.
    const WallUs t = c_.now();
    for (std::size_t i = 0; i < specs.size(); ++i) c_.sched.add(specs[i], refs[i].length, t);
    d_.pump();
}

void SubmitIntake::submit_internal(std::vector<JobSpec> specs, const std::vector<std::string>& env,
                                   CronRecords cron,
                                   std::function<void(Result<std::vector<JobId>>)> done) {
    if (c_.stopping) return done(make_error("tendd is shutting down"));
    if (specs.empty()) return done(std::vector<JobId>{});
    if (auto refusal = c_.sched.check_submit(specs.front(), specs.size())) {
        c_.counters.refused(specs.front().queue,
                            refusal->full ? RefuseReason::full : RefuseReason::invalid);
        return done(make_error(refusal->message));
    }
    const WallUs t = c_.now();
    for (auto& s : specs) {
        s.id = c_.sched.allocate_id();
        s.submitted_at = t;
    }
    commit_submit(std::move(specs), env, std::move(done), std::move(cron), SubmitSource::cron);
}

}  // namespace tend::jobs
