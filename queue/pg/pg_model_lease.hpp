// A host's lease in the shared queue (design postgres.md §4.2, §5), as arithmetic on one
// clock: when to renew, when the lease must be taken as lost (the self-fence deadline), and
// whether systemd's watchdog is short enough for the lease to protect anything. Times are on
// CLOCK_BOOTTIME (it keeps counting through a suspend, unlike CLOCK_MONOTONIC: a resumed host
// must not run jobs whose lease expired while it slept). No I/O: the caller sends the SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/util/duration.hpp"

namespace tend::pg {

struct LeaseTiming {
    Usec lease{15'000'000};
    Usec renew{5'000'000};
    Usec grace{5'000'000};
};

// The statements of the lease, on the control connection (explicit casts: §4.1 rule 3).
// host_register($1 name, $2 pid, $3 version, $4 lease, $5 queues) -> id
inline constexpr std::string_view host_register_sql =
    "INSERT INTO tend.host (name, pid, version, queues, lease_until) "
    "VALUES ($1::text, $2::int, $3::text, $5::text[], now() + $4::interval) RETURNING id";
// host_renew($1 id, $2 lease) -> one row, or none: the lease is gone (expired or rescued).
// An expired lease is never renewed, so "expired" is final.
inline constexpr std::string_view host_renew_sql =
    "UPDATE tend.host SET lease_until = now() + $2::interval "
    "WHERE id = $1::bigint AND lease_until >= now() RETURNING lease_until";
// host_retire($1 id): a clean exit or after a fence; the next rescue takes its jobs at once.
inline constexpr std::string_view host_retire_sql =
    "UPDATE tend.host SET lease_until = '-infinity' WHERE id = $1::bigint";

// A duration as a PostgreSQL interval literal in microseconds ("15000000 microseconds").
std::string interval_param(Usec d);
// A text[] literal: every element double-quoted, with " and \ escaped: {"a","b \"c\""}.
std::string text_array_param(const std::vector<std::string>& items);

class HostLease {
  public:
    enum class State { unregistered, live, fenced };

    explicit HostLease(LeaseTiming t) : t_(t) {}

    // The register statement was sent at `sent` and answered with `id`: the lease runs from
    // the send (the database's lease_until is later than that, whatever the clocks say).
    void registered(int64_t id, Usec sent);
    // A renew is sent at `at` (one at a time: the caller waits for its answer).
    void renew_sent(Usec at);
    // Its answer: renewed (one row) moves the deadline; lost (no row) fences at once.
    // A failure (error, timeout, no connection) changes nothing: the deadline stands.
    void renewed();
    void lost();
    // The host killed its jobs and stopped claiming; after host_retire it registers anew.
    void fenced() { state_ = State::fenced; }
    void retired() {
        state_ = State::unregistered;
        id_ = 0;
    }

    State state() const { return state_; }
    int64_t id() const { return id_; }
    // When the next renew is due: one `renew` after the last successful one was sent.
    Usec next_renew() const { return last_ok_sent_ + t_.renew; }
    // Local self-fence deadline: the last successful renew's send + lease − 1 s. Before the
    // database's lease_until by at least the 1 s margin, without synchronised clocks.
    Usec deadline() const { return last_ok_sent_ + t_.lease - Usec(1'000'000); }
    // Whether the host must kill its jobs now (deadline passed, or the lease was lost).
    bool must_fence(Usec now) const;
    // The worst case after a host dies until another host re-runs its jobs: the lease ends
    // (`lease` after its last renew), then the grace, then up to one rescue pass (1 s).
    Usec failover_bound() const { return t_.lease + t_.grace + Usec(1'000'000); }

  private:
    LeaseTiming t_;
    State state_ = State::unregistered;
    int64_t id_ = 0;
    Usec last_ok_sent_{0};
    std::optional<Usec> pending_sent_;
    bool lost_ = false;
};

// A stopped or hung tendd cannot fence itself; systemd's watchdog must kill it first, so that
// its jobs die (parent-death signal) before another host may rescue them:
//   WatchdogSec + renew + 1 s < lease + grace.
// The refusal names both sides (tendd does not start in PostgreSQL mode), or nullopt.
std::optional<std::string> watchdog_conflict(Usec watchdog, const LeaseTiming& t);

}  // namespace tend::pg
