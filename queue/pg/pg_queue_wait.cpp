// PgQueue's `tend wait` and the owner check of every job request: the jobs' rows read on the
// read connection, one statement per waiter at a time.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "queue/pg/pg_queue.hpp"
#include "queue/pg/pg_queue_text.hpp"
#include "supervisor/util/signals.hpp"

namespace tend::pg {

namespace {
using Kind = jobs::JobReply::Kind;
using jobs::JobReply;
using json = nlohmann::json;
constexpr std::uint64_t kReadTimeoutUs = 10'000'000;

std::optional<std::string> cell(const PGresult* r, int row, int col) {
    if (PQgetisnull(r, row, col)) return std::nullopt;
    return std::string(PQgetvalue(r, row, col));
}

constexpr std::string_view wait_sql =
    "SELECT id, state, exit_code, exit_signal, reason, name, queue, attempt, max_attempts, runs, "
    "uid FROM tend.job WHERE id = ANY($1::bigint[])";
constexpr std::string_view owners_sql =
    "SELECT id, coalesce(uid, 0) FROM tend.job WHERE id = ANY($1::bigint[])";
}  // namespace

// ---- wait: the jobs' states from the database, asked again at every poll and when the last
// of them not yet seen ended ends on this host, until all have ended.
void PgQueue::wait(std::vector<JobId> ids, std::uint64_t client, JobReplier reply) {
    if (must_defer()) return defer([this, ids, client, reply] { wait(ids, client, reply); }, reply);
    if (auto u = unavailable()) return reply(*u);
    if (ids.empty()) return reply(JobReply::ok(json::array()));
    std::set<JobId> open(ids.begin(), ids.end());
    waiters_.push_back(
        Waiter{std::move(ids), std::move(open), client, std::move(reply), false, nullptr});
    ask_waiter(waiters_.size() - 1);
}

void PgQueue::poll_waiters() {
    for (std::size_t i = 0; i < waiters_.size(); ++i) ask_waiter(i);
}

void PgQueue::ask_waiter(std::size_t index) {
    Waiter& w = waiters_[index];
    if (w.asking || !read_->up()) return;
    w.asking = true;
    // The reply closure finds its waiter by the reply's identity: waiters come and go.
    auto token = std::make_shared<int>(0);
    w.token = token;
    std::weak_ptr<PgQueue*> alive = self_;
    read_->send(
        std::string(wait_sql), {id_array(w.ids)}, kReadTimeoutUs,
        [this, alive, token](StatementResult r) {
            if (alive.expired()) return;
            auto it = std::find_if(waiters_.begin(), waiters_.end(),
                                   [&](const Waiter& x) { return x.token == token; });
            if (it == waiters_.end()) return;
            it->asking = false;
            if (r.outcome != Outcome::ok) return;  // the next poll asks again
            std::map<JobId, json> found;
            const PGresult* res = r.rows.get();
            bool done = true;
            for (int row = 0; row < PQntuples(res); ++row) {
                auto id = parse_int64(cell(res, row, 0).value_or(""));
                auto state = jobs::parse_job_state(cell(res, row, 1).value_or(""));
                if (!id || !state) continue;
                json j = {{"id", *id},
                          {"state", jobs::to_string(*state)},
                          {"reason", cell(res, row, 4).value_or("")},
                          {"name", cell(res, row, 5).value_or("")},
                          {"queue", cell(res, row, 6).value_or("")},
                          {"exit_status", nullptr}};
                for (auto [col, field] : {std::pair{7, "attempt"}, std::pair{8, "max_attempts"},
                                          std::pair{9, "runs"}, std::pair{10, "uid"}})
                    if (auto v = cell(res, row, col))
                        if (auto n = parse_int64(*v)) j[field] = *n;
                if (auto sig = cell(res, row, 3)) {
                    if (auto n = parse_int64(*sig))
                        j["exit_status"] = {{"signal", signal_name(int(*n))}};
                } else if (auto code = cell(res, row, 2)) {
                    if (auto n = parse_int64(*code)) j["exit_status"] = {{"code", *n}};
                }
                // Open again if it is live again (`tend retry` of an ended job).
                if (jobs::is_finished(*state)) {
                    it->open.erase(static_cast<JobId>(*id));
                } else {
                    it->open.insert(static_cast<JobId>(*id));
                    done = false;
                }
                found[static_cast<JobId>(*id)] = std::move(j);
            }
            for (JobId id : it->ids)
                if (!found.count(id)) {
                    JobReplier reply = std::move(it->reply);
                    waiters_.erase(it);
                    return reply(JobReply::error(Kind::not_found, "no job " + std::to_string(id)));
                }
            if (!done) return;
            std::vector<json> jobs;
            for (JobId id : it->ids) jobs.push_back(std::move(found[id]));
            JobReplier reply = std::move(it->reply);
            std::vector<JobId> ids = std::move(it->ids);
            waiters_.erase(it);
            answer_wait(std::move(ids), std::move(jobs), std::move(reply));
        });
}

// Each job as `tend show --json` renders it (the file store's answer) when the views can say,
// for waits of a few jobs; else, or for many, the rows read above.
void PgQueue::answer_wait(std::vector<JobId> ids, std::vector<json> jobs, JobReplier reply) {
    constexpr std::size_t kShown = 64;
    if (ids.size() > kShown) return reply(JobReply::ok(json(std::move(jobs))));
    struct Join {
        std::vector<json> jobs;
        std::size_t left = 0;
        JobReplier reply;
    };
    auto join = std::make_shared<Join>();
    join->jobs = std::move(jobs);
    join->left = ids.size();
    join->reply = std::move(reply);
    for (std::size_t i = 0; i < ids.size(); ++i)
        views_->show(ids[i], [join, i](const JobReply& r) {
            if (r.kind == Kind::ok) {
                json shown = r.text.empty() ? r.data : json::parse(r.text, nullptr, false);
                if (shown.is_object()) join->jobs[i] = std::move(shown);
            }
            if (--join->left == 0) join->reply(JobReply::ok(json(std::move(join->jobs))));
        });
}

// ---- the owner check of every job request
void PgQueue::owners(std::vector<JobId> ids, std::function<void(Owners)> done) const {
    std::weak_ptr<PgQueue*> alive = self_;
    views_->owners(ids, [this, alive, ids, done](Owners o, std::optional<std::string> error) {
        if (!error || alive.expired()) return done(std::move(o));
        // The views could not answer: ask the database directly (the same question).
        read_->send(std::string(owners_sql), {id_array(ids)}, kReadTimeoutUs,
                    [ids, done](StatementResult r) {
                        Owners out(ids.size());
                        if (r.outcome == Outcome::ok) {
                            std::map<JobId, std::uint32_t> by;
                            for (int row = 0; row < PQntuples(r.rows.get()); ++row) {
                                auto id = parse_int64(PQgetvalue(r.rows.get(), row, 0));
                                auto uid = parse_int64(PQgetvalue(r.rows.get(), row, 1));
                                if (id && uid)
                                    by[static_cast<JobId>(*id)] = static_cast<std::uint32_t>(*uid);
                            }
                            for (std::size_t i = 0; i < ids.size(); ++i)
                                if (auto it = by.find(ids[i]); it != by.end()) out[i] = it->second;
                        }
                        done(std::move(out));
                    });
    });
}

}  // namespace tend::pg
