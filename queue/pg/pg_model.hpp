// The pure parts of a PostgreSQL connection (design postgres.md §8): connection parameters,
// host name resolution plans, URL redaction for logs, reconnect backoff, and the FIFO of
// statements outstanding on a pipeline. No libpq calls, no loop: unit-tested alone.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tend::pg {

using Param = std::pair<std::string, std::string>;  // keyword, value (libpq's names)

// What tendd adds to the user's connection string. Each default applies only when the user
// did not set that keyword (their choice wins); application_name is always ours, so that an
// operator (and the tests) can find a host's backends in pg_stat_activity.
struct ConnDefaults {
    std::string application_name;  // tend/<host>/<incarnation>/<connection>
    int keepalives_idle_s = 5;     // TCP keepalives: a silent peer is found in ~11 s
    int keepalives_interval_s = 2;
    int keepalives_count = 3;
    int tcp_user_timeout_ms = 10000;  // unacknowledged data: the connection is dead
};

// The parameters for PQconnectStartParams, built from the user's parsed connection string
// (`given`, from PQconninfoParse: only keywords with a value) and `hostaddr` (numeric
// addresses resolved on the loop, one per entry of the returned `host`; empty: no resolution).
// gssencmode defaults to disable: GSSAPI's credential lookup can block (§8).
std::vector<Param> connect_params(const std::vector<Param>& given, const ConnDefaults& d);

// The host list of a connection string ("a,b,/run/pg"), split; the empty string when none.
std::vector<std::string> split_list(const std::string& s);

// Whether a `host` entry needs a DNS lookup: not a socket directory ('/' or '@'), not a
// numeric IPv4/IPv6 address, not empty (the default socket).
bool needs_lookup(const std::string& host);

// One host entry and the numeric addresses found for it (none for an entry needing no lookup).
struct ResolvedHost {
    std::string host;
    std::string port;  // "" when the string gave one port (or none) for every host
    std::vector<std::string> addrs;
};

// Rewrites host/hostaddr/port so that libpq never resolves a name itself: a name that resolved
// to N addresses becomes N entries (host=name for TLS checks and .pgpass, hostaddr=address);
// other entries keep an empty hostaddr. Returns the three values in libpq's comma lists;
// `port` is empty when the string had a single (or no) port. A name with no address is left
// out; when none is left, returns nullopt (nothing to connect to).
struct HostPlan {
    std::string host, hostaddr, port;
};
std::optional<HostPlan> plan_hosts(const std::vector<ResolvedHost>& hosts);

// The host entries of a parsed connection string with their ports, and for each entry that
// needs_lookup() the next of `addrs` (the lookups' answers, in the order of those entries).
std::vector<ResolvedHost> resolved_hosts(const std::vector<Param>& given,
                                         const std::vector<std::vector<std::string>>& addrs);
// `given` with host, hostaddr and port replaced by the plan's.
std::vector<Param> with_plan(const std::vector<Param>& given, const HostPlan& plan);

// The connection string with any password replaced by "***", for logs and messages: in a URL's
// user-info (postgresql://u:secret@h), in a query parameter (?password=) and in key=value form.
std::string redact(const std::string& conninfo);

// A libpq message on one line (log lines and CLI errors are lines): its line breaks and the
// tabs that indent its hints become single spaces; no trailing space.
std::string one_line(std::string_view message);

// Reconnect delays: min, doubling per failure up to max, with the retries' equal jitter
// (supervisor/util/backoff.hpp) so that hosts cut off together do not reconnect in lockstep.
// Reset on success.
class Backoff {
  public:
    Backoff(uint64_t min_us, uint64_t max_us) : min_us_(min_us), max_us_(max_us) {}
    // The next delay; `unit` in [0, 1) is the caller's random number (time is a parameter).
    uint64_t next(double unit);
    void reset() { failures_ = 0; }
    unsigned failures() const { return failures_; }

  private:
    uint64_t min_us_, max_us_;
    unsigned failures_ = 0;
};

// How one statement of a pipeline ended (each is sent with its own sync, §8).
enum class Outcome {
    ok,         // a result that is not an error
    error,      // the server refused it (its SQLSTATE says why); nothing was changed
    ambiguous,  // the connection broke or the client deadline passed after it was sent: it
                // may or may not have committed (design §4.1 rule 5)
    not_sent,   // no connection: it never reached the server
};
const char* outcome_name(Outcome o);

// The statements sent on one connection, oldest first, as libpq answers them: per statement
// its result(s), a NULL, then PGRES_PIPELINE_SYNC. T carries what the caller needs (its
// callback, its result). Deadlines are absolute times on one monotonic clock, in µs.
template <typename T>
class StatementFifo {
  public:
    struct Entry {
        uint64_t seq;
        uint64_t deadline_us;
        T payload;
    };
    uint64_t push(uint64_t deadline_us, T payload) {
        entries_.push_back(Entry{next_seq_, deadline_us, std::move(payload)});
        return next_seq_++;
    }
    bool empty() const { return entries_.empty(); }
    size_t size() const { return entries_.size(); }
    Entry& front() { return entries_.front(); }
    Entry pop_front() {
        Entry e = std::move(entries_.front());
        entries_.pop_front();
        return e;
    }
    // The earliest deadline (not necessarily the front's: statements have different budgets).
    std::optional<uint64_t> earliest_deadline() const {
        std::optional<uint64_t> best;
        for (const Entry& e : entries_)
            if (!best || e.deadline_us < *best) best = e.deadline_us;
        return best;
    }
    bool expired(uint64_t now_us) const {
        auto d = earliest_deadline();
        return d && *d <= now_us;
    }
    // Everything outstanding, oldest first, leaving the FIFO empty (the connection closed).
    std::vector<Entry> take_all() {
        std::vector<Entry> all(std::make_move_iterator(entries_.begin()),
                               std::make_move_iterator(entries_.end()));
        entries_.clear();
        return all;
    }

  private:
    std::deque<Entry> entries_;
    uint64_t next_seq_ = 1;
};

}  // namespace tend::pg
