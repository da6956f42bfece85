// LISTEN/NOTIFY on the loop: subscribe at every connect, send debounced notifications after
// the commits, and self-test that they arrive.
#include "queue/pg/pg_listen.hpp"

#include <random>

#include "supervisor/daemon/event_loop.hpp"

namespace tend::pg {

namespace {
constexpr clockid_t kListenClock = CLOCK_MONOTONIC;
constexpr std::uint64_t kNever = UINT64_MAX;
constexpr std::uint64_t kSelftestWaitUs = 1'000'000;  // the notification must be back
constexpr std::uint64_t kSelftestEveryUs = 300'000'000;
constexpr std::uint64_t kSelftestRetryUs =
    250'000;  // after the work connection could not send  // again every 5 minutes
constexpr std::uint64_t kPeriodicUs = 10'000'000;   // heartbeat of a dedicated listener
constexpr std::uint64_t kStatementUs = 10'000'000;  // LISTEN, NOTIFY, SELECT 1
constexpr const char* kNotifySql = "SELECT pg_notify($1, $2)";

std::uint64_t random_nonce() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    return rng();
}
}  // namespace

Result<std::unique_ptr<PgListener>> PgListener::create(ListenOptions options) {
    std::unique_ptr<PgListener> l(new PgListener(std::move(options)));
    sd_event* loop = l->opt_.loop;
    auto make = [&](sd_event_time_handler_t cb, const char* what) -> Result<EventSource> {
        return ev::add_time(loop, kListenClock, kNever, 1000, cb, l.get(), what);
    };
    auto d = make(&PgListener::on_debounce, "arm the NOTIFY debounce timer");
    if (!d) return make_error(d.error());
    l->debounce_timer_ = std::move(*d);
    auto s = make(&PgListener::on_selftest_timeout, "arm the LISTEN self-test timer");
    if (!s) return make_error(s.error());
    l->selftest_timer_ = std::move(*s);
    auto p = make(&PgListener::on_periodic, "arm the LISTEN heartbeat timer");
    if (!p) return make_error(p.error());
    l->periodic_timer_ = std::move(*p);
    if (l->opt_.listen) l->arm(l->periodic_timer_.get(), l->now_us() + kPeriodicUs, "heartbeat");
    return l;
}

PgListener::PgListener(ListenOptions options)
    : opt_(std::move(options)), self_(std::make_shared<PgListener*>(this)) {}

PgListener::~PgListener() {
    self_.reset();
}

std::uint64_t PgListener::now_us() const {
    return ev::now(opt_.loop, kListenClock);
}

void PgListener::arm(sd_event_source* s, std::uint64_t at_us, const char* what) {
    if (auto st = ev::rearm_at(s, at_us, std::string("re-arm the LISTEN ") + what + " timer"); !st)
        opt_.error(st.error());
}

// ---- the listening side

void PgListener::on_state(bool up, const std::string& why) {
    if (!opt_.listen) return;
    ++subscribe_generation_;
    listening_ = false;
    testing_ = false;
    if (!up) {
        if (up_)
            opt_.warn("wake-ups by LISTEN/NOTIFY: down (" + why +
                      "); polling every queue_poll until the listening connection is back");
        up_ = false;
        reported_ = false;
        return;
    }
    subscribe();
}

void PgListener::subscribe() {
    const unsigned gen = subscribe_generation_;
    auto left = std::make_shared<int>(3);
    auto failed = std::make_shared<std::string>();
    std::weak_ptr<PgListener*> alive = self_;
    for (const char* channel : {kChannelJobs, kChannelCancel, kChannelCtl}) {
        opt_.listen->send(std::string("LISTEN ") + channel, {}, kStatementUs,
                          [this, alive, gen, left, failed](StatementResult r) {
                              if (alive.expired() || gen != subscribe_generation_) return;
                              if (r.outcome != Outcome::ok && failed->empty())
                                  *failed = r.message.empty() ? "no answer" : r.message;
                              if (--*left > 0) return;
                              if (!failed->empty())
                                  return selftest_failed("LISTEN failed: " + *failed);
                              listening_ = true;
                              // Notifications sent while nobody listened are lost.
                              if (opt_.on_listening) opt_.on_listening();
                              selftest();
                          });
    }
}

void PgListener::selftest() {
    if (!listening_ || testing_ || !opt_.work) return;
    testing_ = true;
    nonce_ = random_nonce();
    test_host_ = opt_.host_id();
    test_sent_us_ = last_test_us_ = now_us();
    arm(selftest_timer_.get(), test_sent_us_ + kSelftestWaitUs, "self-test");
    // Sent on the work connection: it proves the path other hosts' notifications take.
    // Not debounced: a self-test is never merged with another.
    const unsigned gen = subscribe_generation_;
    std::weak_ptr<PgListener*> alive = self_;
    opt_.work->send(kNotifySql, {std::string(kChannelCtl), selftest_payload(test_host_, nonce_)},
                    kStatementUs, [this, alive, gen](StatementResult r) {
                        if (alive.expired() || gen != subscribe_generation_ || !testing_) return;
                        if (r.outcome != Outcome::ok) {
                            // The work connection is not up (yet): no verdict on LISTEN;
                            // the self-test timer sends it again soon.
                            testing_ = false;
                            arm(selftest_timer_.get(), now_us() + kSelftestRetryUs, "self-test");
                        }
                    });
}

void PgListener::selftest_failed(const std::string& why) {
    testing_ = false;
    const bool was = up_;
    up_ = false;
    if (reported_ && !was) return;  // said once already
    reported_ = true;
    std::string cause =
        opt_.pooled ? "queue_pooler = \"transaction\": a transaction pooler does not deliver "
                      "notifications; set queue_listen_url to a direct connection"
                    : "a transaction pooler (PgBouncer pool_mode = transaction) between tendd "
                      "and the server is the likely cause";
    const std::string msg = "wake-ups by LISTEN/NOTIFY: not working (" + why + "; " + cause +
                            "): claims, cancels and waits poll every queue_poll";
    if (opt_.mode == QueueListen::on)
        opt_.error(msg + " [queue_listen = \"on\" requires them: fix the connection]");
    else
        opt_.warn(msg);
}

void PgListener::on_notify(const std::string& channel, const std::string& payload, int sender) {
    if (channel == kChannelJobs) {
        // Our own, sent after a commit of ours whose claim this host has made already: a claim
        // per job saved. Behind a pooler the work connection's pid is the pooler's invention,
        // so none is skipped there.
        if (!opt_.pooled && sender != 0 && opt_.work && sender == opt_.work->backend_pid()) return;
        if (opt_.on_jobs && !payload.empty() && payload.size() <= 128) opt_.on_jobs(payload);
        return;
    }
    if (channel == kChannelCancel) {
        auto p = parse_cancel_payload(payload);
        const std::int64_t me = opt_.host_id();
        if (p && me != 0 && p->first == me && opt_.on_cancel) opt_.on_cancel(p->second);
        return;
    }
    if (channel == kChannelCtl && testing_ && is_selftest_reply(payload, test_host_, nonce_)) {
        testing_ = false;
        ignore_result(
            ev::set_enabled(selftest_timer_.get(), SD_EVENT_OFF, "disarm the self-test timer"),
            "a late firing finds no test running");
        const bool was = up_;
        up_ = true;
        if (!was || !reported_) {
            reported_ = true;
            opt_.info("wake-ups by LISTEN/NOTIFY: working (self-test answered in " +
                      std::to_string((now_us() - test_sent_us_) / 1000) + " ms)");
        }
    }
}

int PgListener::on_selftest_timeout(sd_event_source*, uint64_t, void* self) {
    auto* l = static_cast<PgListener*>(self);
    if (l->testing_)
        l->selftest_failed("the self-test notification did not arrive within 1s");
    else
        l->selftest();  // its notification could not be sent: again
    return 0;
}

int PgListener::on_periodic(sd_event_source*, uint64_t, void* self) {
    auto* l = static_cast<PgListener*>(self);
    const std::uint64_t t = l->now_us();
    l->arm(l->periodic_timer_.get(), t + kPeriodicUs, "heartbeat");
    if (!l->opt_.listen || !l->opt_.listen->up()) return 0;
    // A dedicated listener runs no other statement: SELECT 1 finds a silently dropped
    // connection (the control connection renews the lease every few seconds already).
    if (l->opt_.dedicated)
        l->opt_.listen->send("SELECT 1", {}, kStatementUs, [](StatementResult) {});
    if (!l->listening_) return 0;
    if (t - l->last_test_us_ >= kSelftestEveryUs) l->selftest();
    return 0;
}

// ---- the notifying side

void PgListener::notify_jobs(const std::string& queue) {
    request({kChannelJobs, queue});
}

void PgListener::notify_cancel(std::int64_t host_id, std::int64_t job_id) {
    request({kChannelCancel, cancel_payload(host_id, job_id)});
}

void PgListener::request(NotifyDebounce::Key key) {
    if (!opt_.work) return;
    const std::uint64_t t = now_us();
    if (debounce_.request(key, t)) return send_notify(key);
    if (auto next = debounce_.next_due()) arm(debounce_timer_.get(), *next, "debounce");
}

void PgListener::send_notify(const NotifyDebounce::Key& key) {
    // Its own statement after the data's commit: a NOTIFY inside the data transaction takes a
    // cluster-wide lock at commit (§6). Lost when the connection is down: the poll covers it.
    opt_.work->send(kNotifySql, {key.first, key.second}, kStatementUs, [](StatementResult) {});
}

int PgListener::on_debounce(sd_event_source*, uint64_t, void* self) {
    auto* l = static_cast<PgListener*>(self);
    for (const auto& key : l->debounce_.due(l->now_us())) l->send_notify(key);
    if (auto next = l->debounce_.next_due()) l->arm(l->debounce_timer_.get(), *next, "debounce");
    return 0;
}

}  // namespace tend::pg
