// The job methods: the owner check of each job, the operation, the outcome.
#include "queue/daemon/job_methods.hpp"

#include <charconv>
#include <memory>

#include "queue/daemon/job_queue.hpp"

namespace tend::jobs {

namespace {
using json = nlohmann::json;
using Kind = JobReply::Kind;

bool names_a_number(const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == s.npos;
}

std::optional<JobId> job_id_of(const std::string& target) {
    JobId id = 0;
    auto [p, ec] = std::from_chars(target.data(), target.data() + target.size(), id);
    if (ec != std::errc() || p != target.data() + target.size() || id == 0) return std::nullopt;
    return id;
}

// Every job of a request must be the caller's (or the caller an admin); unknown ids are left
// to the command, which names them. Runs `then` when they are, else answers forbidden. The
// owners come from the queue, which may answer later.
void with_access(const JobQueue& jobs, const MethodCall& call, std::vector<JobId> ids,
                 std::function<void()> then) {
    jobs.owners(ids, [ids, call, then = std::move(then)](JobQueue::Owners owners) {
        for (std::size_t i = 0; i < ids.size() && i < owners.size(); ++i) {
            if (!owners[i]) continue;
            if (auto ok = authz::authorize(call.caller, {authz::Subject::job, *owners[i]}); !ok)
                return call.respond(JobReply::error(
                    Kind::forbidden, "job " + std::to_string(ids[i]) + ": " + ok.error()));
        }
        then();
    });
}
}  // namespace

void hide_others(json& items, const authz::Caller& caller,
                 std::initializer_list<const char*> fields) {
    if (caller.is_admin() || !items.is_array()) return;
    for (json& item : items) {
        if (!item.is_object()) continue;
        auto uid = item.find("uid");
        if (uid != item.end() && uid->is_number_unsigned() &&
            uid->get<std::uint64_t>() == caller.uid)
            continue;
        for (const char* f : fields)
            if (item.contains(f)) item[f] = nullptr;
        item["hidden"] = true;
    }
}

void submit(JobQueue& jobs, const MethodCall& call, SubmitRequest r) {
    // Jobs run as the submitter, whoever that is: the identity comes from the socket.
    r.peer_uid = call.caller.uid;
    r.peer_gid = call.caller.gid;
    r.peer_groups = call.caller.groups;
    if (r.batch)
        jobs.submit_buffered(call.client, std::move(r), call.respond);
    else
        jobs.submit(std::move(r), call.respond);
}

void submit_lines(JobQueue& jobs, const MethodCall& call, SubmitLinesArgs l) {
    call.respond(jobs.buffer_lines(call.client, std::move(l.lines), call.caller.is_admin()));
}

void list(JobQueue& jobs, const MethodCall& call, ListArgs l) {
    if (!call.caller.is_admin()) l.query.viewer_uid = call.caller.uid;
    jobs.list(l.query, call.respond);
}

void show(JobQueue& jobs, const MethodCall& call, const ShowArgs& s) {
    with_access(jobs, call, {s.id}, [&jobs, call, id = s.id] { jobs.show(id, call.respond); });
}

void act_on_jobs(JobQueue& jobs, const MethodCall& call, std::string_view cmd, JobIdsArgs a) {
    auto ids = a.ids;
    with_access(jobs, call, std::move(ids),
                [&jobs, call, what = std::string(cmd), ids = std::move(a.ids)]() mutable {
                    if (what == "wait")
                        jobs.wait(std::move(ids), call.client, call.respond);
                    else if (what == "cancel")
                        jobs.cancel(ids, call.respond);
                    else
                        jobs.retry(ids, call.respond);
                });
}

void queues(JobQueue& jobs, const MethodCall& call) {
    jobs.queues(call.respond);
}

void set_paused(JobQueue& jobs, const MethodCall& call, const QueueArgs& q, bool paused) {
    jobs.set_paused(q.queue, paused, call.respond);
}

void queue_set(JobQueue& jobs, const MethodCall& call, const QueueSetArgs& args) {
    jobs.set_queue(args, call.respond);
}

void compact(JobQueue& jobs, const MethodCall& call) {
    jobs.compact_now();
    call.respond(JobReply::ok({{"started", true}}));
}

void job_logs_entries(const JobQueue& jobs, const MethodCall& call,
                      std::vector<std::string> targets, std::function<void(JobLogEntries)> done) {
    std::vector<JobId> ids;
    for (const auto& t : targets) ids.push_back(job_id_of(t).value_or(0));
    auto owners_known = [&jobs, call, targets, ids,
                         done = std::move(done)](JobQueue::Owners owners) mutable {
        owners.resize(targets.size());
        // The first target that is forbidden, or a number no job has, answers the request.
        for (std::size_t i = 0; i < targets.size(); ++i) {
            if (owners[i]) {
                if (auto ok = authz::authorize(call.caller, {authz::Subject::job, *owners[i]}); !ok)
                    return done(
                        {JobReply::error(Kind::forbidden, "job " + targets[i] + ": " + ok.error()),
                         {}});
            } else if (names_a_number(targets[i])) {
                return done({JobReply::error(Kind::not_found, "no job " + targets[i]), {}});
            }
        }
        // Each known job's entry; the answer goes once the last one has come (a job that
        // failed to answer: the first such failure, by target, answers the request).
        struct Join {
            std::vector<std::optional<JobReply>> replies;
            std::size_t left = 0;
            std::function<void(JobLogEntries)> done;
        };
        auto join = std::make_shared<Join>();
        join->replies.resize(targets.size());
        join->done = std::move(done);
        auto finish = [](Join& j) {
            JobLogEntries out;
            out.entries.resize(j.replies.size());
            for (std::size_t i = 0; i < j.replies.size(); ++i) {
                if (!j.replies[i]) continue;
                if (j.replies[i]->kind != Kind::ok) return j.done({std::move(*j.replies[i]), {}});
                out.entries[i] = std::move(j.replies[i]->data);
            }
            j.done(std::move(out));
        };
        for (const auto& o : owners)
            if (o) ++join->left;
        if (join->left == 0) return finish(*join);
        for (std::size_t i = 0; i < targets.size(); ++i) {
            if (!owners[i]) continue;
            jobs.logs(ids[i], [join, i, finish](const JobReply& r) {
                join->replies[i] = r;
                if (--join->left == 0) finish(*join);
            });
        }
    };
    jobs.owners(std::move(ids), std::move(owners_known));
}

}  // namespace tend::jobs
