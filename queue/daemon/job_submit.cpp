// Submitting jobs: checks, and one durable batch per request.
#include "queue/daemon/job_submit.hpp"

namespace tend::jobs {

namespace {
using Kind = JobReply::Kind;
}  // namespace

std::optional<JobReply> SubmitIntake::check_shape(const SubmitRequest& r) const {
    if (c_.stopping) return JobReply::error(Kind::failed, "tendd is shutting down");
    if (auto why = submit_shape_error(r)) return JobReply::error(Kind::bad_request, *why);
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

JobReply SubmitIntake::buffer_lines(std::uint64_t client, std::vector<std::string> lines,
                                    bool privileged) {
    return batches_.add(client, std::move(lines), privileged);
}

void SubmitIntake::submit_buffered(std::uint64_t client, SubmitRequest r, JobReplier reply) {
    if (auto refusal = batches_.take(client, r)) return reply(*refusal);
    submit(std::move(r), std::move(reply));
}

void SubmitIntake::client_gone(std::uint64_t client) {
    batches_.forget(client);
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
