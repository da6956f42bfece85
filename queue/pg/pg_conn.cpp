// One libpq connection on the sd-event loop: resolve, connect, pipeline, notify, reconnect.
#include "queue/pg/pg_conn.hpp"

#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "supervisor/daemon/event_loop.hpp"

namespace tend::pg {

namespace {

std::string conn_error(PGconn* c) {
    return c ? one_line(PQerrorMessage(c)) : std::string("out of memory");
}

// tend_<64 random bits>_: this connection's prepared statements' names (PreparedNames).
std::string statement_prefix() {
    std::random_device rd;
    const uint64_t v = (uint64_t(rd()) << 32) | rd();
    char buf[40];
    std::snprintf(buf, sizeof buf, "tend_%016llx_", static_cast<unsigned long long>(v));
    return buf;
}

}  // namespace

PgConn::PgConn(sd_event* loop, ConnOptions options, OnNotify on_notify, OnState on_state)
    : loop_(loop),
      options_(std::move(options)),
      on_notify_(std::move(on_notify)),
      on_state_(std::move(on_state)),
      redacted_(redact(options_.conninfo)),
      prepared_(statement_prefix()),
      backoff_(options_.backoff_min_us, options_.backoff_max_us),
      rng_(std::random_device{}()) {}

Result<std::unique_ptr<PgConn>> PgConn::create(sd_event* loop, ConnOptions options,
                                               OnNotify on_notify, OnState on_state) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(options.conninfo.c_str(), &err);
    if (!opts) {
        std::string why = err ? one_line(err) : "out of memory";
        PQfreemem(err);
        return make_error("invalid PostgreSQL connection string " + redact(options.conninfo) +
                          ": " + why);
    }
    std::unique_ptr<PgConn> c(
        new PgConn(loop, std::move(options), std::move(on_notify), std::move(on_state)));
    for (PQconninfoOption* o = opts; o->keyword; ++o)
        if (o->val && *o->val) c->given_.emplace_back(o->keyword, o->val);
    PQconninfoFree(opts);

    auto add_timer = [&](EventSource& s, sd_event_time_handler_t cb, const char* what) -> Status {
        auto t = ev::add_time_relative(loop, CLOCK_MONOTONIC, 1'000'000, 1000, cb, c.get(), what);
        if (!t) return make_error(t.error());
        s = std::move(*t);
        return ev::set_enabled(s.get(), SD_EVENT_OFF, what);
    };
    for (const auto& st :
         {add_timer(c->lookup_timer_, on_lookup_timer, "poll a host name lookup"),
          add_timer(c->connect_timer_, on_connect_timeout, "time a PostgreSQL connect"),
          add_timer(c->retry_timer_, on_retry, "time a PostgreSQL reconnect"),
          add_timer(c->deadline_timer_, on_deadline, "time PostgreSQL statements")})
        if (!st) return make_error(st.error());
    auto d = ev::add_defer(loop, on_defer, c.get(), "complete PostgreSQL statements");
    if (!d) return make_error(d.error());
    c->defer_ = std::move(*d);
    if (auto st = ev::set_enabled(c->defer_.get(), SD_EVENT_OFF, "complete statements"); !st)
        return make_error(st.error());
    return c;
}

PgConn::~PgConn() {
    HostLookup::abandon(std::move(lookups_));
    io_.reset();
    if (conn_) PQfinish(conn_);
}

Status PgConn::start() {
    if (state_ == State::idle) begin();
    return ok_status();
}

int PgConn::backend_pid() const {
    return conn_ && state_ == State::up ? PQbackendPID(conn_) : 0;
}

// One connection attempt: look up host names first when there are any (never on the loop).
void PgConn::begin() {
    ignore_result(ev::rearm_after(connect_timer_.get(), options_.connect_timeout_us, "connect"),
                  "a failed timer only loses the connect timeout; the attempt still ends");
    auto has = [&](const char* k) {
        for (const Param& p : given_)
            if (p.first == k) return true;
        return false;
    };
    std::vector<std::string> names;
    if (!has("hostaddr")) {
        std::string host;
        for (const Param& p : given_)
            if (p.first == "host") host = p.second;
        for (const std::string& h : split_list(host))
            if (needs_lookup(h)) names.push_back(h);
    }
    if (names.empty()) {
        begin_connect(given_);
        return;
    }
    state_ = State::resolving;
    auto l = HostLookup::start(std::move(names));
    if (!l) {
        close(l.error());
        return;
    }
    lookups_ = std::move(*l);
    ignore_result(ev::rearm_after(lookup_timer_.get(), options_.lookup_poll_us, "lookup"),
                  "without the poll the connect timeout ends the attempt");
}

void PgConn::poll_lookups() {
    HostLookup::reap();
    if (state_ != State::resolving || !lookups_) return;
    if (!lookups_->done()) {
        ignore_result(ev::rearm_after(lookup_timer_.get(), options_.lookup_poll_us, "lookup"),
                      "without the poll the connect timeout ends the attempt");
        return;
    }
    const std::vector<HostLookup::Answer> answers = lookups_->answers();
    lookups_.reset();
    std::string failures;
    std::vector<std::vector<std::string>> addrs;
    for (const HostLookup::Answer& a : answers) {
        if (!a.error.empty()) failures += (failures.empty() ? "" : "; ") + a.error;
        addrs.push_back(a.addrs);
    }
    auto plan = plan_hosts(resolved_hosts(given_, addrs));
    if (!plan) {
        close("cannot resolve the database host: " + failures);
        return;
    }
    begin_connect(with_plan(given_, *plan));
}

void PgConn::begin_connect(const std::vector<Param>& given) {
    state_ = State::connecting;
    const std::vector<Param> params = connect_params(given, options_.defaults);
    std::vector<const char*> keys, vals;
    for (const Param& p : params) {
        keys.push_back(p.first.c_str());
        vals.push_back(p.second.c_str());
    }
    keys.push_back(nullptr);
    vals.push_back(nullptr);
    conn_ = PQconnectStartParams(keys.data(), vals.data(), 0);
    if (!conn_ || PQstatus(conn_) == CONNECTION_BAD) {
        close("cannot connect to " + redacted_ + ": " + conn_error(conn_));
        return;
    }
    if (PQsetnonblocking(conn_, 1) != 0) {
        close("cannot make the connection non-blocking: " + conn_error(conn_));
        return;
    }
    connect_step(PGRES_POLLING_WRITING);  // libpq's documented first state
}

// Re-registers the socket every step: libpq opens a new socket for each address it tries, and
// the new one may even reuse the old descriptor's number (epoll forgot the old file).
void PgConn::connect_step(PostgresPollingStatusType s) {
    switch (s) {
        case PGRES_POLLING_OK:
            connected();
            return;
        case PGRES_POLLING_FAILED:
            close("cannot connect to " + redacted_ + ": " + conn_error(conn_));
            return;
        case PGRES_POLLING_READING:
        case PGRES_POLLING_WRITING:
        default:
            io_.reset();
            fd_ = -1;
            watch(s == PGRES_POLLING_READING ? EPOLLIN : EPOLLOUT);
            return;
    }
}

void PgConn::watch(uint32_t events) {
    const int fd = PQsocket(conn_);
    if (fd < 0) {
        close("the connection has no socket: " + conn_error(conn_));
        return;
    }
    if (io_ && fd == fd_) {
        ignore_result(ev::set_io_events(io_.get(), events, "watch the database socket"),
                      "the statement deadline closes a connection left unwatched");
        return;
    }
    io_.reset();
    auto s = ev::add_io(loop_, fd, events, on_io, this, "watch the database socket");
    if (!s) {
        close(s.error());
        return;
    }
    io_ = std::move(*s);
    fd_ = fd;
}

void PgConn::connected() {
    if (PQenterPipelineMode(conn_) != 1) {
        close("cannot enter pipeline mode: " + conn_error(conn_));
        return;
    }
    ignore_result(ev::set_enabled(connect_timer_.get(), SD_EVENT_OFF, "connect timer"),
                  "a stray connect timeout finds the state up and does nothing");
    state_ = State::up;
    ++connects_;
    backoff_.reset();
    watch(EPOLLIN);
    if (state_ == State::up && on_state_) on_state_(true, "");
}

void PgConn::send(std::string sql, Params params, uint64_t timeout_us, Done done) {
    dispatch(sql, std::move(params), timeout_us, std::move(done), false);
}

void PgConn::send_prepared(std::string_view sql, Params params, uint64_t timeout_us, Done done) {
    dispatch(sql, std::move(params), timeout_us, std::move(done), options_.prepare);
}

void PgConn::dispatch(std::string_view sql, Params params, uint64_t timeout_us, Done done,
                      bool prepare) {
    if (state_ != State::up) {
        StatementResult r;
        r.outcome = Outcome::not_sent;
        r.message = "not connected to the database";
        complete_later(std::move(done), std::move(r));
        return;
    }
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    const int n = static_cast<int>(values.size());
    Pending pending;
    pending.done = std::move(done);
    bool sent = false;
    if (prepare) {
        // A new text is parsed in the same pipeline, before its first run and without a sync
        // of its own: if the Parse fails, the run is skipped and the Parse's error is the
        // statement's (read_results).
        const std::string* name = prepared_.find(sql);
        if (!name) {
            name = &prepared_.add(sql);
            pending.parsing = true;
        }
        pending.prepared = *name;
        sent =
            (!pending.parsing ||
             PQsendPrepare(conn_, name->c_str(), std::string(sql).c_str(), 0, nullptr) == 1) &&
            PQsendQueryPrepared(conn_, name->c_str(), n, values.data(), nullptr, nullptr, 0) == 1;
    } else {
        sent = PQsendQueryParams(conn_, std::string(sql).c_str(), n, nullptr, values.data(),
                                 nullptr, nullptr, 0) == 1;
    }
    if (prepare) {  // libpq has copied the values: the strings may move
        pending.sql = std::string(sql);
        pending.params = std::move(params);
    }
    if (!sent || PQpipelineSync(conn_) != 1) {
        StatementResult r;
        r.outcome = Outcome::not_sent;
        r.message = "cannot send a statement: " + conn_error(conn_);
        const std::string why = r.message;
        complete_later(std::move(pending.done), std::move(r));
        close(why);
        return;
    }
    fifo_.push(ev::now(loop_, CLOCK_MONOTONIC) + timeout_us, std::move(pending));
    arm_deadline();
    flush();
}

// After an error of a prepared run: whether to send it again unnamed (the server did not know
// the statement, so nothing ran).
bool PgConn::forget_prepared(const std::string& name, const char* sqlstate) {
    // The server cannot reuse its plan (0A000, after a migration changed a row type): prepare
    // it afresh next time.
    if (std::strcmp(sqlstate, "0A000") == 0) prepared_.forget_name(name);
    if (std::strcmp(sqlstate, "26000") != 0) return false;
    // 26000 for a name whose Parse failed (a run pipelined behind it): sent again, and no sign
    // of a pooler.
    if (!prepared_.has_name(name)) return true;
    // A statement prepared on this connection is gone: statements are going to different
    // server connections, which only a pooler in transaction mode does.
    prepared_.forget_name(name);
    if (!options_.prepare) return true;
    options_.prepare = false;
    spdlog::warn(
        "database {}: a statement prepared on this connection was not found by the next one: a "
        "pooler in transaction mode is between tendd and the server; sending statements "
        "unprepared from now on (set queue_pooler = \"transaction\" to say so)",
        redacted_);
    return true;
}

void PgConn::flush() {
    const int r = PQflush(conn_);
    if (r < 0) {
        close("cannot send to the database: " + conn_error(conn_));
        return;
    }
    watch(r == 1 ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

void PgConn::read_input() {
    if (PQconsumeInput(conn_) != 1) {
        close("lost the database connection: " + conn_error(conn_));
        return;
    }
    read_results();
    if (!conn_) return;
    while (PGnotify* n = PQnotifies(conn_)) {
        const std::string channel = n->relname, payload = n->extra ? n->extra : "";
        const int sender = n->be_pid;
        PQfreemem(n);
        if (on_notify_) on_notify_(channel, payload, sender);
    }
    if (PQstatus(conn_) == CONNECTION_BAD)
        close("lost the database connection: " + conn_error(conn_));
}

// Per statement: its result (or error), a NULL, then PGRES_PIPELINE_SYNC, which completes it.
// PQgetResult only while something is outstanding and libpq has a whole message.
void PgConn::read_results() {
    while (conn_ && !fifo_.empty() && !PQisBusy(conn_)) {
        PGresult* raw = PQgetResult(conn_);
        if (!raw) continue;  // the end of the front statement's results; its sync follows
        ResultPtr res(raw);
        Pending& p = fifo_.front().payload;
        if (p.parsing) {
            p.parsing = false;
            if (PQresultStatus(raw) == PGRES_COMMAND_OK) continue;  // prepared: its run follows
            prepared_.forget_name(p.prepared);  // not made: prepared again the next time
        }
        switch (PQresultStatus(raw)) {
            case PGRES_PIPELINE_SYNC: {
                auto e = fifo_.pop_front();
                if (e.payload.resend) {
                    const uint64_t now = ev::now(loop_, CLOCK_MONOTONIC);
                    dispatch(e.payload.sql, std::move(e.payload.params),
                             e.deadline_us > now ? e.deadline_us - now : 1000,
                             std::move(e.payload.done), false);
                    break;
                }
                if (!e.payload.failed && !e.payload.result.rows) {
                    e.payload.result.outcome = Outcome::error;
                    e.payload.result.message = "the statement returned no result";
                }
                arm_deadline();
                if (e.payload.done) e.payload.done(std::move(e.payload.result));
                break;
            }
            case PGRES_TUPLES_OK:
            case PGRES_COMMAND_OK:
                if (!p.failed) {
                    p.result.outcome = Outcome::ok;
                    p.result.rows = std::move(res);
                }
                break;
            case PGRES_PIPELINE_ABORTED:
                if (!p.failed) {
                    p.failed = true;
                    p.result.outcome = Outcome::error;
                    p.result.message = "aborted by an earlier error in the pipeline";
                }
                break;
            default: {
                if (p.failed) break;
                p.failed = true;
                const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
                if (!p.prepared.empty() && state && forget_prepared(p.prepared, state)) {
                    p.resend = true;  // at its sync
                    break;
                }
                // An error libpq made up itself (no SQLSTATE) means the connection broke: the
                // statement may have committed.
                p.result.outcome = state ? Outcome::error : Outcome::ambiguous;
                p.result.sqlstate = state ? state : "";
                p.result.message = one_line(PQresultErrorMessage(raw));
                p.result.rows.reset();
                break;
            }
        }
    }
}

void PgConn::arm_deadline() {
    if (auto d = fifo_.earliest_deadline())
        ignore_result(ev::rearm_at(deadline_timer_.get(), *d, "statement deadline"),
                      "without it a hung statement waits for the keepalives to end it");
    else
        ignore_result(ev::set_enabled(deadline_timer_.get(), SD_EVENT_OFF, "statement deadline"),
                      "a stray deadline finds nothing outstanding and does nothing");
}

void PgConn::complete_later(Done done, StatementResult r) {
    later_.emplace_back(std::move(done), std::move(r));
    ignore_result(ev::set_enabled(defer_.get(), SD_EVENT_ONESHOT, "complete statements"),
                  "logged by the wrapper; the callbacks then run with the next completion");
}

void PgConn::close(const std::string& why) {
    const bool was_up = state_ == State::up;
    HostLookup::abandon(std::move(lookups_));
    for (auto& e : fifo_.take_all()) {
        StatementResult r = std::move(e.payload.result);
        if (!e.payload.failed || r.outcome == Outcome::ambiguous) {
            r.outcome = Outcome::ambiguous;
            r.rows.reset();
            r.message = "the connection closed before the answer (" + why + ")";
        }
        complete_later(std::move(e.payload.done), std::move(r));
    }
    arm_deadline();
    io_.reset();
    fd_ = -1;
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    prepared_.clear();  // they died with the server connection
    ignore_result(ev::set_enabled(connect_timer_.get(), SD_EVENT_OFF, "connect timer"),
                  "a stray connect timeout finds no attempt and does nothing");
    ignore_result(ev::set_enabled(lookup_timer_.get(), SD_EVENT_OFF, "lookup timer"),
                  "a stray poll finds no lookup and does nothing");
    state_ = State::waiting;
    const uint64_t delay = backoff_.next(std::uniform_real_distribution<double>(0, 1)(rng_));
    // The first failure is a warning; the retries that follow (every few seconds while the
    // database is away) only say so at debug level.
    if (backoff_.failures() <= 1)
        spdlog::warn("database {}: {}; reconnecting in {} ms", redacted_, why, delay / 1000);
    else
        spdlog::debug("database {}: {}; reconnecting in {} ms", redacted_, why, delay / 1000);
    ignore_result(ev::rearm_after(retry_timer_.get(), delay, "reconnect"),
                  "logged by the wrapper; without it this connection stays down");
    if (was_up && on_state_) on_state_(false, why);
}

void PgConn::reset(const std::string& why) {
    if (state_ != State::waiting && state_ != State::idle) close(why);
}

int PgConn::on_io(sd_event_source*, int, uint32_t revents, void* self) {
    auto* c = static_cast<PgConn*>(self);
    if (c->state_ == State::connecting) {
        c->connect_step(PQconnectPoll(c->conn_));
        return 0;
    }
    if (c->state_ != State::up) return 0;
    if (revents & EPOLLOUT) c->flush();
    if (c->state_ == State::up && (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))) c->read_input();
    return 0;
}

int PgConn::on_lookup_timer(sd_event_source*, uint64_t, void* self) {
    static_cast<PgConn*>(self)->poll_lookups();
    return 0;
}

int PgConn::on_connect_timeout(sd_event_source*, uint64_t, void* self) {
    auto* c = static_cast<PgConn*>(self);
    if (c->state_ == State::resolving || c->state_ == State::connecting)
        c->close("no connection within " + std::to_string(c->options_.connect_timeout_us / 1000) +
                 " ms");
    return 0;
}

int PgConn::on_retry(sd_event_source*, uint64_t, void* self) {
    auto* c = static_cast<PgConn*>(self);
    if (c->state_ == State::waiting) c->begin();
    return 0;
}

int PgConn::on_deadline(sd_event_source*, uint64_t, void* self) {
    auto* c = static_cast<PgConn*>(self);
    if (c->fifo_.expired(ev::now(c->loop_, CLOCK_MONOTONIC)))
        c->close("a statement got no answer within its deadline");
    else
        c->arm_deadline();
    return 0;
}

int PgConn::on_defer(sd_event_source*, void* self) {
    auto* c = static_cast<PgConn*>(self);
    auto batch = std::move(c->later_);
    c->later_.clear();
    for (auto& [done, r] : batch)
        if (done) done(std::move(r));
    return 0;
}

}  // namespace tend::pg
