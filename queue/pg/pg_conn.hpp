// One libpq connection on tendd's sd-event loop (design postgres.md §8): host names resolved
// off the loop (getaddrinfo_a), a non-blocking connect, pipeline mode with one sync per
// statement, a client deadline per statement, LISTEN notifications, reconnect with backoff.
// Nothing here waits on the network: a slow or unreachable server never stalls the loop.
#pragma once

#include <libpq-fe.h>
#include <systemd/sd-event.h>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "queue/pg/pg_model.hpp"
#include "queue/pg/pg_model_prepared.hpp"
#include "queue/pg/pg_resolve.hpp"
#include "supervisor/daemon/event_source.hpp"
#include "supervisor/util/result.hpp"

namespace tend::pg {

struct ResultFree {
    void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultFree>;

struct StatementResult {
    Outcome outcome = Outcome::not_sent;
    ResultPtr rows;        // ok: the statement's result
    std::string sqlstate;  // error: the server's SQLSTATE
    std::string message;   // anything but ok: why, for logs and replies
};

struct ConnOptions {
    std::string conninfo;  // a libpq URL or key=value string (may name several hosts)
    ConnDefaults defaults;
    uint64_t connect_timeout_us = 10'000'000;  // resolve + connect + authenticate
    uint64_t backoff_min_us = 100'000;
    uint64_t backoff_max_us = 5'000'000;
    uint64_t lookup_poll_us = 10'000;  // how often a pending host name lookup is checked
    // send_prepared() prepares its statements (off behind a transaction pooler, where a
    // prepared statement lives in one of the pooler's server connections, not in ours).
    bool prepare = true;
};

class PgConn {
  public:
    using Done = std::function<void(StatementResult)>;
    // sender: the server process that sent it (PGnotify's be_pid).
    using OnNotify =
        std::function<void(const std::string& channel, const std::string& payload, int sender)>;
    // Called when the connection comes up (true) or goes down (false, with why).
    using OnState = std::function<void(bool up, const std::string& why)>;
    using Params = std::vector<std::optional<std::string>>;  // $1.., text; nullopt is NULL

    // Fails only on a connection string libpq cannot parse (the message is redacted).
    static Result<std::unique_ptr<PgConn>> create(sd_event* loop, ConnOptions options,
                                                  OnNotify on_notify, OnState on_state);
    // Outstanding statements' callbacks are not run; a host name lookup still in flight is
    // kept alive until glibc is done with it.
    ~PgConn();
    PgConn(const PgConn&) = delete;
    PgConn& operator=(const PgConn&) = delete;

    // Starts connecting (and reconnecting after every loss, with backoff).
    Status start();
    bool up() const { return state_ == State::up; }
    // Sends one statement in its own implicit transaction. `done` runs exactly once, on the
    // loop and never inside send(): ok/error with the server's answer; ambiguous when the
    // connection broke or `timeout_us` passed after sending (the connection is then closed);
    // not_sent when there was no connection. A callback must not destroy this object.
    void send(std::string sql, Params params, uint64_t timeout_us, Done done);
    // As send(), for the store's fixed statement texts: the first time on a connection the
    // text is prepared in the same pipeline, and after that only its parameters are sent, so
    // the server parses it once and, after a few runs, plans it once. Planning was 40% of the
    // server's time for a claim and three quarters for a finish (tests/bench/README.md).
    void send_prepared(std::string_view sql, Params params, uint64_t timeout_us, Done done);
    // Closes the connection as if it had broken, and reconnects after the backoff.
    void reset(const std::string& why);

    const std::string& redacted_conninfo() const { return redacted_; }
    unsigned connects() const { return connects_; }
    // The server process of the current connection (0 when down).
    int backend_pid() const;

  private:
    enum class State { idle, resolving, connecting, up, waiting };
    struct Pending {
        Done done;
        StatementResult result;
        bool failed = false;
        std::string prepared;  // its prepared statement's name ("": sent unnamed)
        bool parsing = false;  // its first result is the Parse of that statement
        // A prepared run keeps its text and parameters: if the server does not know the
        // statement (26000: nothing ran), it is sent again unnamed instead of failing.
        std::string sql;
        Params params;
        bool resend = false;
    };

    PgConn(sd_event* loop, ConnOptions options, OnNotify on_notify, OnState on_state);
    void dispatch(std::string_view sql, Params params, uint64_t timeout_us, Done done,
                  bool prepare);
    bool forget_prepared(const std::string& name, const char* sqlstate);
    void begin();
    void begin_connect(const std::vector<Param>& params);
    void connect_step(PostgresPollingStatusType s);
    void connected();
    void close(const std::string& why);
    void watch(uint32_t events);
    void flush();
    void read_input();
    void read_results();
    void arm_deadline();
    void complete_later(Done done, StatementResult r);
    void poll_lookups();

    static int on_io(sd_event_source* s, int fd, uint32_t revents, void* self);
    static int on_lookup_timer(sd_event_source* s, uint64_t usec, void* self);
    static int on_connect_timeout(sd_event_source* s, uint64_t usec, void* self);
    static int on_retry(sd_event_source* s, uint64_t usec, void* self);
    static int on_deadline(sd_event_source* s, uint64_t usec, void* self);
    static int on_defer(sd_event_source* s, void* self);

    sd_event* loop_;
    ConnOptions options_;
    OnNotify on_notify_;
    OnState on_state_;
    std::vector<Param> given_;  // the parsed connection string
    std::string redacted_;
    State state_ = State::idle;
    PGconn* conn_ = nullptr;
    int fd_ = -1;
    EventSource io_, lookup_timer_, connect_timer_, retry_timer_, deadline_timer_, defer_;
    std::unique_ptr<HostLookup> lookups_;
    StatementFifo<Pending> fifo_;
    PreparedNames prepared_;
    std::vector<std::pair<Done, StatementResult>> later_;  // callbacks run by defer_
    Backoff backoff_;
    std::mt19937_64 rng_;
    unsigned connects_ = 0;
};

}  // namespace tend::pg
