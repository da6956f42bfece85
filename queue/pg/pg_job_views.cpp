// Reads of the PostgreSQL store (pg_job_views.hpp): each read is one statement on the read
// connection (show: two, pipelined), its rows decoded and rendered by the pure
// pg_decode_reads / pg_decode_views. Callbacks hold only the shared State and copies of what
// they render with, never `this`: a reply that arrives after the views are gone is harmless.
#include "queue/pg/pg_job_views.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include "queue/core/job_render.hpp"
#include "queue/pg/pg_decode_views.hpp"
#include "queue/pg/pg_job_store.hpp"
#include "queue/pg/pg_statements_reads.hpp"

namespace tend::pg {

struct PgJobViews::State {
    std::vector<PgQueueFigures> figures;  // queue_stats' last answer
    bool refreshing = false;              // one queue_stats in flight at most
    jobs::WallUs started_at = 0;          // counts of ended jobs start here
};

namespace {

using Kind = protocol::Outcome::Kind;

// Why a read got no rows, for the CLI: the server's refusal, or the connection's trouble.
std::string db_failure(const StatementResult& r) {
    if (r.outcome == Outcome::error) return "the queue's database refused the read: " + r.message;
    return "the queue's database is unreachable: " + r.message;
}

// The rows of an answered statement, or why there are none.
Result<Rows> rows_or_error(const StatementResult& r) {
    if (r.outcome != Outcome::ok) return make_error(db_failure(r));
    return rows_of(r.rows.get());
}

protocol::Outcome failed(std::string why) {
    return protocol::Outcome::error(Kind::failed, std::move(why));
}

std::string id_text(jobs::JobId id) {
    return std::to_string(id);
}

// A bigint[] parameter: {1,2,3}.
std::string id_array(const std::vector<jobs::JobId>& ids) {
    std::string out = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) (out += i ? "," : "") += std::to_string(ids[i]);
    return out + "}";
}

// Ids the database can hold (bigint); larger ones are simply unknown.
bool valid_id(jobs::JobId id) {
    return id > 0 && id <= static_cast<jobs::JobId>(INT64_MAX);
}

}  // namespace

PgJobViews::PgJobViews(PgViewDeps deps)
    : deps_(std::move(deps)), state_(std::make_shared<State>()) {
    state_->started_at = deps_.now ? deps_.now() : 0;
}
PgJobViews::~PgJobViews() = default;

// Everything rendering needs, taken now (the callbacks must not call back into deps_).
static ViewEnv env_of(const PgViewDeps& d) {
    ViewEnv env;
    env.state_dir = d.state_dir;
    env.host_name = d.host_name;
    if (d.queue_settings) env.queues = d.queue_settings();
    env.now = d.now ? d.now() : 0;
    return env;
}

void PgJobViews::list(const jobs::JobListQuery& query, protocol::Respond reply) const {
    if (!deps_.conn) return reply(failed("the queue's database is not configured"));
    const std::size_t limit =
        query.limit == 0 || query.limit > jobs::kMaxListPage ? jobs::kMaxListPage : query.limit;
    ViewEnv env = env_of(deps_);
    bool known_queue = !query.queue;
    for (const auto& q : env.queues) known_queue = known_queue || q.name == *query.queue;
    PgConn::Params p{
        query.state ? PgConn::Params::value_type(jobs::to_string(*query.state)) : std::nullopt,
        query.queue, std::to_string(std::min<jobs::JobId>(query.before, INT64_MAX)),
        std::to_string(limit)};
    deps_.conn->send(
        std::string(list_jobs_sql), std::move(p), deps_.timeout_us,
        [env = std::move(env), query, known_queue, reply = std::move(reply)](StatementResult r) {
            auto rows = rows_or_error(r);
            if (!rows) return reply(failed(rows.error()));
            auto jobs = decode_jobs(*rows);
            if (!jobs) return reply(failed("undecodable jobs: " + jobs.error()));
            // A queue neither configured here nor holding a job is unknown.
            if (jobs->empty() && !known_queue)
                return reply(protocol::Outcome::error(Kind::not_found,
                                                      "no queue named \"" + *query.queue + "\""));
            reply(pg_list_answer(*jobs, env, query.viewer_uid));
        });
}

void PgJobViews::show(jobs::JobId id, protocol::Respond reply) const {
    if (!deps_.conn) return reply(failed("the queue's database is not configured"));
    if (!valid_id(id))
        return reply(protocol::Outcome::error(Kind::not_found, "no job " + id_text(id)));
    // Two statements in a row are pipelined; the answer waits for both.
    struct Show {
        std::optional<StatementResult> job, runs;
        ViewEnv env;
        protocol::Respond reply;
    };
    auto s = std::make_shared<Show>();
    s->env = env_of(deps_);
    s->reply = std::move(reply);
    auto done = [s, id](bool job_part) {
        return [s, id, job_part](StatementResult r) {
            (job_part ? s->job : s->runs) = std::move(r);
            if (!s->job || !s->runs) return;
            auto job_rows = rows_or_error(*s->job);
            if (!job_rows) return s->reply(failed(job_rows.error()));
            auto jobs = decode_jobs(*job_rows);
            if (!jobs) return s->reply(failed("undecodable job: " + jobs.error()));
            // The runs are a detail: a job whose runs could not be read is still shown.
            std::vector<RunView> runs;
            if (auto run_rows = rows_or_error(*s->runs))
                if (auto decoded = decode_runs(*run_rows)) runs = std::move(*decoded);
            s->reply(pg_show_answer(id, *jobs, runs, s->env));
        };
    };
    deps_.conn->send(std::string(show_job_sql), {id_text(id)}, deps_.timeout_us, done(true));
    deps_.conn->send(std::string(show_runs_sql), {id_text(id)}, deps_.timeout_us, done(false));
}

void PgJobViews::logs(jobs::JobId id, protocol::Respond reply) const {
    if (!deps_.conn) return reply(failed("the queue's database is not configured"));
    if (!valid_id(id))
        return reply(protocol::Outcome::error(Kind::not_found, "no job " + id_text(id)));
    deps_.conn->send(std::string(job_logs_sql), {id_text(id)}, deps_.timeout_us,
                     [id, env = env_of(deps_), reply = std::move(reply)](StatementResult r) {
                         auto rows = rows_or_error(r);
                         if (!rows) return reply(failed(rows.error()));
                         auto v = decode_logs(*rows);
                         if (!v) return reply(failed("undecodable job: " + v.error()));
                         // A local stat, not a network wait: whether this host still has the file.
                         struct stat st {};
                         const std::string path = jobs::job_output_path(env.state_dir, id);
                         const bool exists =
                             fstatat(AT_FDCWD, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                             S_ISREG(st.st_mode);
                         reply(pg_logs_answer(id, *v, env, exists));
                     });
}

void PgJobViews::queues(protocol::Respond reply) const {
    if (!deps_.conn) return reply(failed("the queue's database is not configured"));
    ViewEnv env = env_of(deps_);
    const jobs::WallUs since = state_->started_at;
    deps_.conn->send(
        std::string(queue_stats_sql), {timestamptz_param(since)}, deps_.timeout_us,
        [state = state_, env = std::move(env), reply = std::move(reply)](StatementResult r) {
            auto rows = rows_or_error(r);
            if (!rows) return reply(failed(rows.error()));
            auto stats = decode_queue_stats(*rows);
            if (!stats) return reply(failed("undecodable queues: " + stats.error()));
            state->figures = pg_queue_figures(*stats, env.queues);
            nlohmann::json arr = nlohmann::json::array();
            for (const auto& f : state->figures)
                arr.push_back(pg_queue_json(f, env.now, state->started_at));
            reply(protocol::Outcome::ok(std::move(arr)));
        });
}

void PgJobViews::owners(std::vector<jobs::JobId> ids,
                        std::function<void(Owners, std::optional<std::string>)> done) const {
    if (!deps_.conn) return done(Owners(ids.size()), "the queue's database is not configured");
    std::vector<jobs::JobId> asked;
    for (jobs::JobId id : ids)
        if (valid_id(id)) asked.push_back(id);
    if (asked.empty()) return done(Owners(ids.size()), std::nullopt);
    deps_.conn->send(std::string(owners_sql), {id_array(asked)}, deps_.timeout_us,
                     [ids = std::move(ids), done = std::move(done)](StatementResult r) {
                         auto rows = rows_or_error(r);
                         if (!rows) return done(Owners(ids.size()), rows.error());
                         auto owners = decode_owners(*rows, ids);
                         if (!owners)
                             return done(Owners(ids.size()),
                                         "undecodable owners: " + owners.error());
                         done(std::move(*owners), std::nullopt);
                     });
}

void PgJobViews::brief(jobs::JobId id,
                       std::function<void(std::optional<jobs::JobBrief>)> done) const {
    if (!deps_.conn || !valid_id(id)) return done(std::nullopt);
    deps_.conn->send(std::string(job_brief_sql), {id_text(id)}, deps_.timeout_us,
                     [done = std::move(done)](StatementResult r) {
                         auto rows = rows_or_error(r);
                         if (!rows) return done(std::nullopt);
                         auto b = decode_brief(*rows);
                         done(b ? *b : std::nullopt);
                     });
}

std::vector<jobs::QueueFigures> PgJobViews::figures() const {
    std::vector<jobs::QueueFigures> out;
    out.reserve(state_->figures.size());
    for (const auto& f : state_->figures) out.push_back(f.figures);
    return out;
}

void PgJobViews::refresh_figures() {
    if (!deps_.conn || state_->refreshing) return;
    state_->refreshing = true;
    deps_.conn->send(std::string(queue_stats_sql), {timestamptz_param(state_->started_at)},
                     deps_.timeout_us,
                     [state = state_, queues = env_of(deps_).queues](StatementResult r) {
                         state->refreshing = false;
                         auto rows = rows_or_error(r);
                         if (!rows) return;  // keep the last figures
                         if (auto stats = decode_queue_stats(*rows))
                             state->figures = pg_queue_figures(*stats, queues);
                     });
}

}  // namespace tend::pg
