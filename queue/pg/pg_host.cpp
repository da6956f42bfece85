// The host lease's sd-event shell: register, renew (one at a time), self-fence, retire, anew.
#include "queue/pg/pg_host.hpp"

#include <algorithm>
#include <ctime>
#include <utility>

#include "supervisor/daemon/event_loop.hpp"
#include "supervisor/util/duration.hpp"

namespace tend::pg {
namespace {

// The fence counts on CLOCK_BOOTTIME: it keeps counting through a suspend, so a resumed host
// fences at once instead of running jobs whose lease expired while it slept (design §5).
constexpr clockid_t kClock = CLOCK_BOOTTIME;
constexpr uint64_t kTimerAccuracyUs = 1000;

// After a failed statement (no connection, an error, no answer in time): not sooner than this,
// so a down database costs a few statements per second, and well inside one renew interval.
Usec retry_delay(const LeaseTiming& t) {
    return std::clamp(t.renew / 4, Usec(100'000), Usec(1'000'000));
}

std::string first_value(const StatementResult& r) {
    if (r.outcome != Outcome::ok || !r.rows || PQntuples(r.rows.get()) < 1) return {};
    return PQgetvalue(r.rows.get(), 0, 0);
}

}  // namespace

Result<std::unique_ptr<PgHost>> PgHost::create(sd_event* loop, PgConn& control, HostOptions options,
                                               OnLive on_live, OnFence on_fence) {
    std::unique_ptr<PgHost> h(
        new PgHost(loop, control, std::move(options), std::move(on_live), std::move(on_fence)));
    const uint64_t never = UINT64_MAX;
    auto step = ev::add_time(loop, kClock, never, kTimerAccuracyUs, &PgHost::on_step_timer, h.get(),
                             "arm the host lease's renew timer");
    if (!step) return make_error(step.error());
    h->step_timer_ = std::move(*step);
    // The deadline fires at its time, not up to a millisecond late (sd-event may coalesce
    // timers within their accuracy): it must beat the database's lease_until by its margin.
    auto deadline = ev::add_time(loop, kClock, never, 1, &PgHost::on_deadline, h.get(),
                                 "arm the host lease's self-fence deadline");
    if (!deadline) return make_error(deadline.error());
    h->deadline_timer_ = std::move(*deadline);
    return h;
}

PgHost::PgHost(sd_event* loop, PgConn& control, HostOptions options, OnLive on_live,
               OnFence on_fence)
    : loop_(loop),
      control_(control),
      opt_(std::move(options)),
      on_live_(std::move(on_live)),
      on_fence_(std::move(on_fence)),
      lease_(opt_.timing),
      self_(std::make_shared<PgHost*>(this)) {}

PgHost::~PgHost() = default;

Usec PgHost::now() const {
    return Usec(static_cast<int64_t>(ev::now(loop_, kClock)));
}

void PgHost::start() {
    started_ = true;
    step();
}

double PgHost::lease_remaining_s() const {
    if (!may_claim()) return 0;
    return double((lease_.deadline() - now()).count()) / 1e6;
}

bool PgHost::may_claim() const {
    return !stopping_ && lease_.state() == HostLease::State::live && !lease_.must_fence(now());
}

void PgHost::arm(sd_event_source* timer, Usec at) {
    if (ev::rearm_at(timer, static_cast<uint64_t>(std::max<int64_t>(at.count(), 1)),
                     "re-arm a host lease timer"))
        return;
    // A timer that cannot be armed: the deadline's failure fences now rather than never; the
    // renew timer is re-armed by the next statement's answer or the deadline.
    if (timer == deadline_timer_.get()) fence("cannot arm the self-fence deadline");
}

void PgHost::retry_later() {
    retry_at_ = now() + retry_delay(opt_.timing);
}

// The one place that decides what the lease needs next; called after every answer and by the
// renew timer. At most one statement of the lease is in flight.
void PgHost::step() {
    if (!started_ || stopping_ || in_flight_) return;
    const Usec t = now();
    if (t < retry_at_) return arm(step_timer_.get(), retry_at_);
    if (!control_.up()) return arm(step_timer_.get(), t + retry_delay(opt_.timing));
    if (retire_id_ != 0) return send_retire(retire_id_);
    switch (lease_.state()) {
        case HostLease::State::unregistered:
            return send_register();
        case HostLease::State::live:
            if (t >= lease_.next_renew()) return send_renew();
            return arm(step_timer_.get(), lease_.next_renew());
        case HostLease::State::fenced:
            return;  // retire_id_ is set whenever the lease is fenced
    }
}

void PgHost::send_register() {
    in_flight_ = true;
    const Usec sent = now();
    std::weak_ptr<PgHost*> alive = self_;
    control_.send(std::string(host_register_sql),
                  {opt_.name, std::to_string(opt_.pid), opt_.version,
                   interval_param(opt_.timing.lease), text_array_param(opt_.queues)},
                  static_cast<uint64_t>(opt_.timing.renew.count()),
                  [alive, sent](StatementResult r) {
                      auto p = alive.lock();
                      if (!p) return;
                      PgHost& h = **p;
                      h.in_flight_ = false;
                      const std::string id = first_value(r);
                      if (id.empty()) {
                          // Ambiguous: a row may exist; never renewed, it expires and is
                          // rescued with nothing to take.
                          h.retry_later();
                          return h.step();
                      }
                      if (h.stopping_) return h.send_retire(std::stoll(id));
                      h.lease_.registered(std::stoll(id), sent);
                      ++h.registrations_;
                      h.arm(h.deadline_timer_.get(), h.lease_.deadline());
                      if (h.on_live_) h.on_live_(h.lease_.id());
                      h.step();
                  });
}

void PgHost::send_renew() {
    in_flight_ = true;
    const Usec t = now();
    lease_.renew_sent(t);
    // No answer within a renew interval, or by the deadline if that is sooner: the connection
    // is closed (PgConn's deadline) and a fresh one may still renew in time. A renew never
    // waits past the deadline, so a stuck backend fences the host instead of holding it.
    const Usec budget = std::max(Usec(10'000), std::min(opt_.timing.renew, lease_.deadline() - t));
    const int64_t id = lease_.id();
    std::weak_ptr<PgHost*> alive = self_;
    control_.send(std::string(host_renew_sql),
                  {std::to_string(id), interval_param(opt_.timing.lease)},
                  static_cast<uint64_t>(budget.count()), [alive, id](StatementResult r) {
                      auto p = alive.lock();
                      if (!p) return;
                      PgHost& h = **p;
                      h.in_flight_ = false;
                      if (h.lease_.state() != HostLease::State::live || h.lease_.id() != id)
                          return h.step();  // fenced meanwhile: this answer is about the past
                      if (r.outcome == Outcome::ok && r.rows && PQntuples(r.rows.get()) == 1) {
                          h.lease_.renewed();
                          ++h.renewals_;
                          h.arm(h.deadline_timer_.get(), h.lease_.deadline());
                          return h.step();
                      }
                      if (r.outcome == Outcome::ok) {
                          // Expired or rescued: "expired" is final, never renewed (§4.2).
                          h.lease_.lost();
                          return h.fence("the database no longer holds this host's lease " +
                                         std::to_string(id) + " (expired or rescued)");
                      }
                      // An error or no answer: the deadline stands; try again soon.
                      h.retry_later();
                      h.step();
                  });
}

void PgHost::send_retire(int64_t id) {
    in_flight_ = true;
    std::weak_ptr<PgHost*> alive = self_;
    control_.send(std::string(host_retire_sql), {std::to_string(id)},
                  static_cast<uint64_t>(opt_.timing.renew.count()), [alive, id](StatementResult r) {
                      auto p = alive.lock();
                      if (!p) return;
                      PgHost& h = **p;
                      h.in_flight_ = false;
                      if (r.outcome != Outcome::ok) {
                          h.retry_later();
                          return h.step();
                      }
                      if (id == h.retire_id_) {
                          h.retire_id_ = 0;
                          h.lease_.retired();
                      }
                      h.step();
                  });
}

void PgHost::fence(const std::string& why) {
    if (lease_.state() != HostLease::State::live) return;
    ++fences_;
    retire_id_ = lease_.id();
    lease_.fenced();
    ignore_result(ev::set_enabled(deadline_timer_.get(), SD_EVENT_OFF, "disarm the deadline"),
                  "a deadline firing later finds the lease fenced and does nothing");
    if (on_fence_) on_fence_(why);
    step();
}

int PgHost::on_step_timer(sd_event_source*, uint64_t, void* self) {
    static_cast<PgHost*>(self)->step();
    return 0;
}

int PgHost::on_deadline(sd_event_source*, uint64_t, void* self) {
    auto* h = static_cast<PgHost*>(self);
    if (h->lease_.must_fence(h->now())) {
        h->fence("no renewal of lease " + std::to_string(h->lease_.id()) + " answered within " +
                 format_duration(h->opt_.timing.lease - Usec(1'000'000)) +
                 " (queue_lease - 1s): the database may already have given its jobs away");
    } else if (h->lease_.state() == HostLease::State::live) {
        h->arm(h->deadline_timer_.get(), h->lease_.deadline());
    }
    return 0;
}

void PgHost::stop(uint64_t timeout_us, std::function<void()> done) {
    stopping_ = true;
    ignore_result(ev::set_enabled(step_timer_.get(), SD_EVENT_OFF, "disarm the renew timer"),
                  "stopping: nothing is renewed any more");
    ignore_result(ev::set_enabled(deadline_timer_.get(), SD_EVENT_OFF, "disarm the deadline"),
                  "stopping: the caller ends the jobs itself");
    int64_t id = lease_.state() == HostLease::State::live ? lease_.id() : retire_id_;
    if (id == 0) {
        if (done) done();
        return;
    }
    std::weak_ptr<PgHost*> alive = self_;
    control_.send(std::string(host_retire_sql), {std::to_string(id)}, timeout_us,
                  [alive, done = std::move(done)](StatementResult r) {
                      if (auto p = alive.lock(); p && r.outcome == Outcome::ok) {
                          (*p)->retire_id_ = 0;
                          (*p)->lease_.retired();
                      }
                      if (done) done();
                  });
}

}  // namespace tend::pg
