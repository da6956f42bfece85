// The host lease at run time (design postgres.md §4.2, §5): register this tendd's incarnation
// on the control connection, renew it on a CLOCK_BOOTTIME timer with one renew in flight, and
// fence (the caller kills every job group and stops claiming) when the local deadline passes or
// a renew finds the lease gone; then retire the old incarnation and register anew once the
// database answers. The arithmetic is HostLease's (pg_model_lease.hpp); this is its sd-event
// shell. A clean stop retires the lease so that the next rescue takes the host's jobs at once.
#pragma once

#include <sys/types.h>
#include <systemd/sd-event.h>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "queue/pg/pg_conn.hpp"
#include "queue/pg/pg_model_lease.hpp"
#include "supervisor/daemon/event_source.hpp"
#include "supervisor/util/result.hpp"

namespace tend::pg {

struct HostOptions {
    std::string name;  // [daemon] host_name
    pid_t pid = 0;
    std::string version;
    std::vector<std::string> queues;  // the queues this host serves (fairness, §4.5)
    LeaseTiming timing;
};

class PgHost {
  public:
    // The host may claim again under a new incarnation `id` (registered at start or after a
    // fence and retire).
    using OnLive = std::function<void(int64_t id)>;
    // The lease cannot be proved: kill every job group now and stop claiming. `why` is for
    // the log. Runs on the loop; the callback must not destroy this object.
    using OnFence = std::function<void(const std::string& why)>;

    // `control` must outlive this object; its other statements share its pipeline, so keep
    // slow ones off it (a renew waiting behind a listing can fence a healthy host, §8).
    static Result<std::unique_ptr<PgHost>> create(sd_event* loop, PgConn& control,
                                                  HostOptions options, OnLive on_live,
                                                  OnFence on_fence);
    ~PgHost();
    PgHost(const PgHost&) = delete;
    PgHost& operator=(const PgHost&) = delete;

    // Registers as soon as the connection is up, and keeps the lease from then on.
    void start();
    // A clean stop: no more renews; retires the lease (bounded by `timeout_us`), then `done`
    // (on the loop, also when the retire failed: the lease then simply expires).
    void stop(uint64_t timeout_us, std::function<void()> done);

    // Live and before the local deadline: the only state in which jobs may be claimed.
    bool may_claim() const;
    int64_t id() const { return lease_.id(); }
    HostLease::State state() const { return lease_.state(); }
    // Counters for logs, metrics and tests.
    unsigned fences() const { return fences_; }
    // Seconds until the local deadline (the host fences then unless a renew lands first); 0
    // when it may not claim.
    double lease_remaining_s() const;
    unsigned registrations() const { return registrations_; }
    unsigned renewals() const { return renewals_; }

  private:
    PgHost(sd_event* loop, PgConn& control, HostOptions options, OnLive on_live, OnFence on_fence);
    Usec now() const;
    void step();
    void send_register();
    void send_renew();
    void send_retire(int64_t id);
    void fence(const std::string& why);
    void arm(sd_event_source* timer, Usec at);
    void retry_later();
    static int on_step_timer(sd_event_source*, uint64_t, void* self);
    static int on_deadline(sd_event_source*, uint64_t, void* self);

    sd_event* loop_;
    PgConn& control_;
    HostOptions opt_;
    OnLive on_live_;
    OnFence on_fence_;
    HostLease lease_;
    EventSource step_timer_, deadline_timer_;
    bool started_ = false, stopping_ = false;
    bool in_flight_ = false;  // one statement of the lease at a time
    int64_t retire_id_ = 0;   // a fenced incarnation still to retire
    Usec retry_at_{0};        // after a failed statement, not before this
    unsigned fences_ = 0, registrations_ = 0, renewals_ = 0;
    // Callbacks of statements still in flight when this object goes away see it expired.
    std::shared_ptr<PgHost*> self_;
};

}  // namespace tend::pg
