// Waiting for jobs, cancel, retry and pause: each reply once what it reports is durable.
#include "queue/daemon/job_control.hpp"

namespace tend::jobs {

namespace {
using Kind = JobReply::Kind;
}  // namespace

void JobControl::answer_waiters() {
    // Replies may run user callbacks that add waiters; take the list first.
    std::vector<Waiter> keep;
    auto waiters = std::move(waiters_);
    waiters_.clear();
    for (auto& w : waiters) {
        bool done = true;
        for (JobId id : w.ids) {
            const JobEntry* e = c_.sched.find(id);
            if (e && !is_finished(e->status.state)) done = false;
        }
        if (!done) {
            keep.push_back(std::move(w));
            continue;
        }
        nlohmann::json arr = nlohmann::json::array();
        for (JobId id : w.ids) {
            JobReply one = views_.show(id);
            arr.push_back(one.kind == Kind::ok ? one.data : nlohmann::json{{"id", id}});
        }
        w.reply(JobReply::ok(std::move(arr)));
    }
    for (auto& w : waiters_) keep.push_back(std::move(w));
    waiters_ = std::move(keep);
}

void JobControl::wait(std::vector<JobId> ids, std::uint64_t client, JobReplier reply) {
    for (JobId id : ids)
        if (!c_.sched.find(id))
            return reply(JobReply::error(Kind::not_found, "no job " + std::to_string(id)));
    waiters_.push_back(Waiter{std::move(ids), client, std::move(reply)});
    // Answered once nothing about these jobs is still on its way to the disk.
    d_.after_durable([this] { answer_waiters(); });
    d_.flush_changes();
}

Result<bool> JobControl::cancel_job(JobId id, const std::string& reason) {
    if (auto st = c_.sched.cancel(id, c_.now(), reason); !st) return make_error(st.error());
    const JobEntry* e = c_.sched.find(id);
    const bool running = e && e->status.state == JobState::running;
    if (running && runner_.has_process(id)) {
        const Usec grace = c_.sched.queues()[e->queue].stop_timeout;
        // The cancel is on disk before the job hears of it.
        d_.after_durable(
            [this, id, grace] { runner_.terminate(id, grace, "cancelled: sending TERM"); });
    } else if (!running) {
        runner_.note(id, reason);
    }
    return running;
}

void JobControl::cancel(const std::vector<JobId>& ids, JobReplier reply) {
    nlohmann::json results = nlohmann::json::array();
    for (JobId id : ids) {
        auto running = cancel_job(id, "cancelled by user");
        if (!running) {
            results.push_back({{"id", id}, {"ok", false}, {"error", running.error()}});
            continue;
        }
        results.push_back({{"id", id},
                           {"ok", true},
                           {"state", *running ? "running" : "cancelled"},
                           {"signalled", *running}});
    }
    d_.after_durable([reply, results] { reply(JobReply::ok({{"results", results}})); });
    d_.pump();
}

void JobControl::retry(const std::vector<JobId>& ids, JobReplier reply) {
    nlohmann::json results = nlohmann::json::array();
    for (JobId id : ids) {
        auto st = c_.sched.retry(id, c_.now());
        if (!st) {
            results.push_back({{"id", id}, {"ok", false}, {"error", st.error()}});
            continue;
        }
        runner_.note(id, "retried by user");
        results.push_back(
            {{"id", id}, {"ok", true}, {"state", to_string(c_.sched.find(id)->status.state)}});
    }
    d_.after_durable([reply, results] { reply(JobReply::ok({{"results", results}})); });
    d_.pump();
}

// The new state takes effect once its record is on disk, and only then: on a full disk the
// record is dropped, the reply says why, and the queue stays as it was (SPEC §8).
void JobControl::set_paused(const std::string& queue, bool paused, JobReplier reply) {
    auto q = c_.sched.queue_index(queue);
    if (!q) return reply(JobReply::error(Kind::not_found, "no queue named \"" + queue + "\""));
    c_.store->set_paused(queue, paused, [this, queue, paused, q, reply](Status st) {
        if (!st)
            return reply(JobReply::error(Kind::failed, std::string("cannot ") +
                                                           (paused ? "pause" : "resume") +
                                                           " queue " + queue + ": " + st.error()));
        // (The commit's turn then runs d_.pump(): a resumed queue starts jobs.)
        ignore_result(c_.sched.set_paused(queue, paused),
                      "the queue was found above, and queues are never removed");
        reply(JobReply::ok(views_.queue_json(*q)));
    });
}

void JobControl::set_queue(const QueueSetArgs& args, JobReplier reply) {
    auto q = c_.sched.queue_index(args.queue);
    if (!q) return reply(JobReply::error(Kind::not_found, "no queue named \"" + args.queue + "\""));
    // Checked on a copy first, so a bad key or value changes nothing.
    QueueSettings check = c_.sched.queues()[*q];
    for (const auto& [key, value] : args.values)
        if (auto e = set_runtime_key(check, key, value))
            return reply(JobReply::error(Kind::invalid, "queue " + args.queue + ": " + *e));
    for (const auto& [key, value] : args.values)
        ignore_result(c_.sched.set_queue_key(args.queue, key, value), "checked above");
    std::string what;
    for (const auto& [key, value] : args.values)
        what += (what.empty() ? "" : ", ") + key + "=" + std::to_string(value);
    c_.opt.info("queue " + args.queue + ": " + what + " (tend queue set; until the next reload)");
    // A higher concurrency or weight starts jobs now; a lower one only stops new starts.
    d_.pump();
    reply(JobReply::ok(views_.queue_json(*q)));
}

void JobControl::client_gone(std::uint64_t client) {
    std::erase_if(waiters_, [client](const Waiter& w) { return w.client == client; });
}

}  // namespace tend::jobs
