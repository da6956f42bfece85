// tend submit into PostgreSQL while tendd is down (submit_direct.hpp): the config, one
// blocking libpq connection (the CLI is not on an event loop), the call and the NOTIFY.
#include "cmd/submit_direct.hpp"

#include <libpq-fe.h>

#include "cmd/full_config_loader.hpp"
#include "cmd/pq_api.hpp"
#include "cmd/submit_direct_text.hpp"
#include "queue/pg/pg_model.hpp"
#include "queue/pg/pg_model_lease.hpp"
#include "queue/pg/pg_model_listen.hpp"
#include "queue/pg/pg_submit.hpp"
#include "supervisor/config/paths.hpp"

namespace tend::cli {
namespace {

// tend.submit_direct($1 queue, $2 jobs jsonb, $3 env text[], $4 token uuid) -> (id, dup) rows.
constexpr const char* kSubmitDirectSql =
    "SELECT job_id, deduplicated FROM tend.submit_direct($1::text, $2::jsonb, $3::text[], "
    "$4::uuid)";
// The daemon's wake-up (pg_model_listen.hpp): channel tend_jobs, the queue as payload.
constexpr const char* kNotifySql = "SELECT pg_notify($1::text, $2::text)";

class DirectSession {
  public:
    explicit DirectSession(const PqApi& api) : api_(api) {}
    ~DirectSession() {
        if (conn_) api_.finish(conn_);
    }
    DirectSession(const DirectSession&) = delete;
    DirectSession& operator=(const DirectSession&) = delete;

    // "" when connected, else why not.
    std::string connect(const std::string& url) {
        // connect_timeout first: a value in the URL overrides it (libpq: later wins). Short:
        // the job goes to the spool after it, and a person is waiting.
        const char* keys[] = {"connect_timeout", "application_name", "gssencmode", "dbname",
                              nullptr};
        const char* vals[] = {"5", "tend submit", "disable", url.c_str(), nullptr};
        conn_ = api_.connectdb_params(keys, vals, 1);
        if (conn_ && api_.status(conn_) == CONNECTION_OK) return "";
        return pg::one_line(conn_ ? api_.error_message(conn_) : "out of memory");
    }
    bool broken() const { return !conn_ || api_.status(conn_) != CONNECTION_OK; }

    struct Answer {
        pg::Rows rows;
        std::string sqlstate, error;  // error non-empty: it failed
    };
    Answer run(const char* sql, const std::vector<std::string>& params) {
        std::vector<const char*> v;
        for (const auto& p : params) v.push_back(p.c_str());
        PGresult* r =
            api_.exec_params(conn_, sql, int(v.size()), nullptr, v.data(), nullptr, nullptr, 0);
        Answer a;
        if (!r || api_.result_status(r) != PGRES_TUPLES_OK) {
            a.error = pg::one_line(r ? api_.result_error_message(r) : api_.error_message(conn_));
            if (a.error.empty()) a.error = "no answer";
            const char* s = r ? api_.result_error_field(r, PG_DIAG_SQLSTATE) : nullptr;
            a.sqlstate = s ? s : "";
        } else {
            for (int i = 0; i < api_.ntuples(r); ++i) {
                pg::Row row;
                for (int c = 0; c < api_.nfields(r); ++c)
                    row.push_back(api_.getisnull(r, i, c)
                                      ? pg::Cell()
                                      : pg::Cell(std::string(api_.getvalue(r, i, c))));
                a.rows.push_back(std::move(row));
            }
        }
        if (r) api_.clear(r);
        return a;
    }

  private:
    const PqApi& api_;
    PGconn* conn_ = nullptr;
};

}  // namespace

DirectAttempt submit_direct(const CliContext& ctx, std::vector<jobs::JobSpec> specs,
                            const std::vector<std::string>& env) {
    DirectAttempt out;
    if (specs.empty()) return out;
    const Paths paths = resolve_paths(ctx.config_flag, "", "");
    FullLoadResult full = load_full_config(paths.config, paths.config_explicit);
    // A config that cannot be read gives no URL: the spool, as before direct submits.
    if (!full.load.loaded || !full.load.loaded->config.daemon.store.submit_url) return out;
    const std::string url = *full.load.loaded->config.daemon.store.submit_url;
    const std::string queue = specs.front().queue;
    for (auto& s : specs)
        if (s.max_attempts == 0)
            for (const auto& q : full.queue.queues)
                if (q.name == s.queue) s.max_attempts = q.max_attempts;
    out.state = DirectAttempt::State::unreachable;
    const PqApi* api = nullptr;
    try {
        api = &pq_api();
    } catch (const CliError& e) {
        out.why = e.what();  // no libpq on this host: the spool still works
        return out;
    }
    // The wrapper ignores uid, gid and groups (it records none); they are not sent either.
    for (auto& s : specs) {
        s.uid = 0;
        s.gid = 0;
        s.groups.clear();
    }
    const std::vector<std::string> params = {queue, pg::submit_jobs_json(specs),
                                             pg::text_array_param(env), pg::new_submit_token()};
    DirectSession db(*api);
    if (std::string why = db.connect(url); !why.empty()) {
        out.why = "cannot connect to " + pg::redact(url) + ": " + why;
        return out;
    }
    DirectSession::Answer a = db.run(kSubmitDirectSql, params);
    if (!a.error.empty() && db.broken()) {
        // Sent, then the connection broke: it may have committed. The same token once more on
        // a new connection is answered from tend.submit_log if it did (design §4.1 rule 5).
        DirectSession again(*api);
        if (again.connect(url).empty()) a = again.run(kSubmitDirectSql, params);
        if (!a.error.empty() && a.sqlstate.empty())
            throw CliError(kExitNoAnswer,
                           "submit: the connection to " + pg::redact(url) +
                               " broke after the direct submit was sent: it may have been "
                               "submitted (" +
                               a.error + ")",
                           "check with `tend jobs` once tendd runs before submitting again");
    }
    if (!a.error.empty()) {
        const DirectRefusal r = direct_refusal(a.sqlstate, a.error);
        throw CliError(r.status, "submit: " + r.what, r.hint);
    }
    auto jobs = pg::decode_submit(a.rows);
    if (!jobs || jobs->size() != specs.size())
        throw CliError(kExitFailed, "submit: the database's answer to the direct submit: " +
                                        (jobs ? "expected " + std::to_string(specs.size()) +
                                                    " rows, got " + std::to_string(jobs->size())
                                              : jobs.error()));
    bool fresh = false;
    for (const auto& j : *jobs) {
        out.ids.push_back(j.id);
        out.deduplicated.push_back(j.deduplicated);
        fresh = fresh || !j.deduplicated;
    }
    out.state = DirectAttempt::State::submitted;
    // Wakes the hosts that are up (another host's tendd, or this one once it starts: it
    // claims at start anyway). Not inside the data statement (design §4.1 rule 6); a failure
    // only delays the claim to the next poll.
    if (fresh) db.run(kNotifySql, {pg::kChannelJobs, queue});
    return out;
}

}  // namespace tend::cli
