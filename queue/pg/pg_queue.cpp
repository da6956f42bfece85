// PgQueue's bring-up and upkeep: the connections, the schema (checked, migrated on the loop with
// queue_migrate = "auto"), the queue rows, the host lease, the poll tick (claims, promote,
// settle, rescue, prune, cancel and wait polling, finish retries) and the clean stop.
#include "queue/pg/pg_queue.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "queue/pg/pg_queue_text.hpp"
#include "queue/pg/pg_schema.hpp"
#include "supervisor/daemon/event_loop.hpp"
#include "supervisor/daemon/state_lock.hpp"

namespace tend::pg {

namespace {
constexpr std::uint64_t kMigrateTimeoutUs = 120'000'000;

// The whole migration as one statement: the work connection runs in pipeline mode, which
// sends one statement per query, so the file's statements run through EXECUTE inside a DO
// block (one transaction, under the migrate lock, skipped when another host applied it).
std::string migration_statement(const Migration& m, const std::string& applied_by) {
    const std::string v = std::to_string(m.version);
    return "DO $tend_migrate$ DECLARE v int := 0; BEGIN "
           "PERFORM pg_advisory_xact_lock(hashtext('tend.migrate')); IF (" +
           std::string(has_schema_sql) + ") THEN EXECUTE " + sql_literal(version_sql) +
           " INTO v; END IF; IF v >= " + v + " THEN RETURN; END IF; " + "EXECUTE " +
           sql_literal(m.sql) + "; EXECUTE " +
           sql_literal("INSERT INTO tend.migration (version, applied_by) VALUES (" + v + ", " +
                       sql_literal(applied_by) + ")") +
           "; END $tend_migrate$";
}

}  // namespace

PgQueue::PgQueue(PgQueueOptions options)
    : opt_(std::move(options)), batches_(opt_.budget), self_(std::make_shared<PgQueue*>(this)) {
    for (const auto& q : opt_.queues) queues_.push_back(QueueState{q, 0, false});
}

PgQueue::~PgQueue() {
    // Statements still in flight answer into the void; processes die with their JobProcess.
    self_.reset();
}

jobs::WallUs PgQueue::now() const {
    return static_cast<jobs::WallUs>(ev::now(opt_.loop, CLOCK_REALTIME));
}

PgQueue::QueueState* PgQueue::find_queue(const std::string& name) {
    for (auto& q : queues_)
        if (q.s.name == name && q.s.configured) return &q;
    return nullptr;
}
const PgQueue::QueueState* PgQueue::find_queue(const std::string& name) const {
    return const_cast<PgQueue*>(this)->find_queue(name);
}

Result<std::unique_ptr<PgQueue>> PgQueue::open(PgQueueOptions options) {
    std::unique_ptr<PgQueue> q(new PgQueue(std::move(options)));
    if (auto st = q->start(); !st) return make_error(st.error());
    return q;
}

Status PgQueue::start() {
    started_at_ = now();
    for (const char* sub : {"/jobs/output", "/jobs/checkpoints"})
        if (auto st = make_dirs(opt_.state_dir + sub, 0700); !st) return st;
    auto shim = jobs::locate_shim();
    if (!shim) return make_error(shim.error());
    shim_ = *shim;
    shim_fd_ = UniqueFd(::open(shim_.c_str(), O_PATH | O_CLOEXEC));
    if (!shim_fd_) return make_error("cannot open " + shim_ + ": " + std::strerror(errno));
    const std::string incarnation = std::to_string(getpid());
    auto make = [&](const std::string& role, PgConn::OnState on_state,
                    PgConn::OnNotify on_notify = {},
                    const std::string* url = nullptr) -> Result<std::unique_ptr<PgConn>> {
        ConnOptions o;
        o.conninfo = url ? *url : opt_.store.queue;
        o.defaults.application_name = "tend/" + opt_.host_name + "/" + incarnation + "/" + role;
        o.prepare = opt_.store.pooler != QueuePooler::transaction;
        return PgConn::create(opt_.loop, o, std::move(on_notify), std::move(on_state));
    };
    std::weak_ptr<PgQueue*> alive = self_;
    // LISTEN (pg_queue_wake.cpp) runs on the control connection, or on queue_listen_url's own.
    auto listen_state = [this, alive](bool up, const std::string& why) {
        if (!alive.expired() && listener_) listener_->on_state(up, why);
    };
    auto listen_notify = [this, alive](const std::string& channel, const std::string& payload,
                                       int sender) {
        if (!alive.expired() && listener_) listener_->on_notify(channel, payload, sender);
    };
    const bool listens = opt_.store.listen != QueueListen::off;
    const bool own_listen = listens && opt_.store.listen_url.has_value();
    // work: submits, claims, finishes, upkeep. control: the lease alone (a renew must never
    // wait behind a job statement, §8). read: listings and waits, which may be large, must not
    // delay a finish or a claim either; one more server connection per host is the price.
    auto work = make("work", [this, alive](bool up, const std::string& why) {
        if (alive.expired()) return;
        on_work_state(up, why);
    });
    if (!work) return make_error("[daemon] queue: " + work.error());
    work_ = std::move(*work);
    auto control =
        listens && !own_listen ? make("control", listen_state, listen_notify) : make("control", {});
    if (!control) return make_error("[daemon] queue: " + control.error());
    control_ = std::move(*control);
    auto read = make("read", {});
    if (!read) return make_error("[daemon] queue: " + read.error());
    read_ = std::move(*read);
    if (own_listen) {
        auto l = make("listen", listen_state, listen_notify, &*opt_.store.listen_url);
        if (!l) return make_error("[daemon] queue_listen_url: " + l.error());
        listen_conn_ = std::move(*l);
    }
    conninfo_shown_ = work_->redacted_conninfo();
    store_ = std::make_unique<PgJobStore>(*work_);

    HostOptions ho;
    ho.name = opt_.host_name;
    ho.pid = getpid();
    ho.version = opt_.version;
    for (const auto& q : queues_) ho.queues.push_back(q.s.name);
    ho.timing = LeaseTiming{opt_.store.lease, opt_.store.renew, opt_.store.rescue_grace};
    auto host = PgHost::create(
        opt_.loop, *control_, std::move(ho),
        [this, alive](std::int64_t id) {
            if (!alive.expired()) on_live(id);
        },
        [this, alive](const std::string& why) {
            if (!alive.expired()) on_fence(why);
        });
    if (!host) return make_error(host.error());
    host_ = std::move(*host);

    PgViewDeps vd;
    vd.conn = read_.get();
    vd.state_dir = opt_.state_dir;
    vd.host_name = opt_.host_name;
    vd.now = [this] { return now(); };
    vd.queue_settings = [this] {
        std::vector<jobs::QueueSettings> out;
        for (const auto& q : queues_)
            if (q.s.configured) out.push_back(q.s);
        return out;
    };
    views_ = std::make_unique<PgJobViews>(std::move(vd));
    PgCronDeps cd;
    cd.conn = work_.get();
    cd.host_name = opt_.host_name;
    cd.loop = opt_.loop;
    cd.warn = opt_.warn;
    cron_ = std::make_unique<PgCronStore>(std::move(cd));

    auto timer = ev::add_time_relative(opt_.loop, CLOCK_MONOTONIC, 1, 1000, &PgQueue::on_tick, this,
                                       "arm the queue's poll timer");
    if (!timer) return make_error(timer.error());
    tick_timer_ = std::move(*timer);
    auto pid_timer = ev::add_time(opt_.loop, CLOCK_MONOTONIC, UINT64_MAX, 1000,
                                  &PgQueue::on_pid_timer, this, "arm the pid timer");
    if (!pid_timer) return make_error(pid_timer.error());
    pid_timer_ = std::move(*pid_timer);
    if (auto st = start_listener(); !st) return st;
    for (PgConn* c : {work_.get(), control_.get(), read_.get(), listen_conn_.get()})
        if (c)
            if (auto st = c->start(); !st) return st;
    opt_.info("job queue on PostgreSQL " + conninfo_shown_ + " as host " + opt_.host_name +
              ": connecting");
    return ok_status();
}

void PgQueue::on_work_state(bool up, const std::string& why) {
    if (!up) {
        down_why_ = why;
        if (schema_ != Schema::ready && schema_ != Schema::refused) schema_ = Schema::unknown;
        opt_.warn("the queue's database is unreachable (" + why + "); retrying");
        return;
    }
    down_why_.clear();
    opt_.info("connected to the queue's database " + conninfo_shown_);
    if (schema_ == Schema::unknown) check_schema();
    // Notifications and wake-ups sent meanwhile are lost: a full pass now.
    if (schema_ == Schema::ready) tick();
}

std::optional<jobs::JobReply> PgQueue::unavailable() const {
    using Kind = JobReply::Kind;
    if (stopping_) return JobReply::error(Kind::failed, "tendd is shutting down");
    if (schema_ == Schema::refused || (!schema_error_.empty() && schema_ != Schema::ready))
        return JobReply::error(Kind::failed,
                               "the queue's database cannot be used: " + schema_error_);
    if (!work_->up())
        return JobReply::error(Kind::failed,
                               "the queue's database is unreachable: " +
                                   (down_why_.empty() ? "no connection to " + conninfo_shown_ +
                                                            " yet (tendd keeps trying; its log "
                                                            "says why)"
                                                      : down_why_));
    if (schema_ != Schema::ready)
        return JobReply::error(Kind::failed,
                               "the queue's database is not ready yet (checking its schema); "
                               "try again");
    return std::nullopt;
}

bool PgQueue::must_defer() const {
    return !stopping_ && schema_ != Schema::ready && schema_ != Schema::refused &&
           schema_error_.empty() && deferred_.size() < 10000;
}

void PgQueue::defer(std::function<void()> again, JobReplier reply) {
    deferred_.push_back(
        Deferred{std::move(again), std::move(reply), ev::now(opt_.loop, CLOCK_MONOTONIC)});
}

void PgQueue::expire_deferred(bool all) {
    if (deferred_.empty()) return;
    const std::uint64_t now_us = ev::now(opt_.loop, CLOCK_MONOTONIC);
    const std::uint64_t limit = work_->up() ? 10'000'000 : 2'000'000;
    std::vector<Deferred> keep, due;
    for (auto& d : deferred_)
        (all || now_us - d.since_us >= limit ? due : keep).push_back(std::move(d));
    deferred_ = std::move(keep);
    for (auto& d : due) {
        if (auto u = unavailable())
            d.reply(*u);
        else
            d.again();
    }
}

void PgQueue::check_schema() {
    if (schema_ != Schema::unknown || !work_->up()) return;
    schema_ = Schema::checking;
    std::weak_ptr<PgQueue*> alive = self_;
    auto fail = [this](const std::string& why) {
        schema_ = Schema::unknown;
        opt_.warn("cannot read the queue's schema version: " + why + "; retrying");
    };
    work_->send(
        std::string(has_schema_sql), {}, 10'000'000, [this, alive, fail](StatementResult r) {
            if (alive.expired()) return;
            if (r.outcome != Outcome::ok) return fail(r.message);
            const bool has =
                PQntuples(r.rows.get()) == 1 && std::string(PQgetvalue(r.rows.get(), 0, 0)) == "t";
            if (!has) return migrate(0);
            work_->send(std::string(version_sql), {}, 10'000'000,
                        [this, alive, fail](StatementResult v) {
                            if (alive.expired()) return;
                            if (v.outcome != Outcome::ok || PQntuples(v.rows.get()) != 1)
                                return fail(v.message);
                            auto n = parse_int64(PQgetvalue(v.rows.get(), 0, 0));
                            if (!n) return fail(n.error());
                            migrate(static_cast<int>(*n));
                        });
        });
}

void PgQueue::migrate(int from) {
    auto plan = migration_plan(from, embedded_migrations());
    if (!plan) {
        schema_ = Schema::refused;
        schema_error_ = plan.error();
        opt_.error(conninfo_shown_ + ": " + schema_error_ +
                   "; the job queue is unavailable (programs are supervised as usual)");
        return;
    }
    if (plan->empty()) return sync_queues();
    if (opt_.store.migrate == QueueMigrate::manual) {
        schema_ = Schema::unknown;  // checked again every poll: the user may migrate now
        schema_error_ = "its schema is version " + std::to_string(from) + " and this tendd needs " +
                        std::to_string(max_schema) +
                        " (queue_migrate = \"manual\"): run `tend migrate`";
        if (ticks_ % 60 == 0) opt_.error(conninfo_shown_ + ": " + schema_error_);
        return;
    }
    schema_ = Schema::migrating;
    const Migration m = plan->front();
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    const std::string by = "tendd@" + std::string(host) + " (tend " + opt_.version + ")";
    opt_.info("migrating the queue's schema from version " + std::to_string(from) + " to " +
              std::to_string(m.version) + " (" + std::string(m.name) + ")");
    std::weak_ptr<PgQueue*> alive = self_;
    work_->send(
        migration_statement(m, by), {}, kMigrateTimeoutUs, [this, alive, m](StatementResult r) {
            if (alive.expired()) return;
            if (r.outcome != Outcome::ok) {
                schema_ = Schema::unknown;
                schema_error_ =
                    "migration " + std::to_string(m.version) + " failed: " + server_text(r.message);
                opt_.error(conninfo_shown_ + ": " + schema_error_ + "; retrying");
                return;
            }
            schema_ = Schema::checking;
            migrate(m.version);
        });
}

void PgQueue::sync_queues() {
    const bool initial = schema_ != Schema::ready;
    if (initial) schema_ = Schema::syncing;
    auto left = std::make_shared<std::size_t>(0);
    auto failed = std::make_shared<std::string>();
    std::weak_ptr<PgQueue*> alive = self_;
    for (const auto& q : queues_) {
        if (!q.s.configured) continue;
        ++*left;
        QueueSyncArgs a;
        a.name = q.s.name;
        a.max_pending = static_cast<std::int64_t>(q.s.max_pending);
        a.keep = q.s.keep;
        if (q.s.global_concurrency > 0) a.global_limit = q.s.global_concurrency;
        store_->queue_sync(
            a, [this, alive, left, failed, initial, name = q.s.name](StoreReply<QueueRow> r) {
                if (alive.expired()) return;
                if (!r.ok() && failed->empty())
                    *failed = "queue " + name + ": " + server_text(r.message);
                if (--*left > 0) return;
                if (!failed->empty()) {
                    opt_.warn("cannot record the [queue.*] sections in the database: " + *failed +
                              "; retrying");
                    if (initial) schema_ = Schema::unknown;
                    return;
                }
                if (initial) schema_ready();
                claim_all();
            });
    }
    if (*left == 0 && initial) schema_ready();
}

void PgQueue::schema_ready() {
    schema_ = Schema::ready;
    schema_error_.clear();
    opt_.info("the queue's database is ready (schema " + std::to_string(max_schema) +
              "): registering host " + opt_.host_name);
    host_->start();
    load_cron();
    expire_deferred(true);  // the requests that waited for this run now
    tick();
}

void PgQueue::arm_tick() {
    // Jittered by ±10%: hosts started together do not poll in step.
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    const double f = std::uniform_real_distribution<double>(0.9, 1.1)(rng);
    const auto us = static_cast<std::uint64_t>(double(opt_.store.poll.count()) * f);
    if (auto st = ev::rearm_after(tick_timer_.get(), std::max<std::uint64_t>(us, 1000),
                                  "re-arm the queue's poll timer");
        !st)
        opt_.error(st.error() + ": the queue is no longer polled");
}

int PgQueue::on_tick(sd_event_source*, uint64_t, void* self) {
    auto* q = static_cast<PgQueue*>(self);
    ++q->ticks_;
    q->expire_deferred(false);
    q->tick();
    q->arm_tick();
    return 0;
}

void PgQueue::tick() {
    if (!work_->up()) return;
    if (schema_ == Schema::unknown) check_schema();
    if (schema_ != Schema::ready) return;
    for (auto& [id, f] : finishes_)
        if (!f.in_flight) send_finish(id);
    if (stopping_) return;
    const auto per_s =
        std::max<std::int64_t>(1, 1'000'000 / std::max<std::int64_t>(1, opt_.store.poll.count()));
    count_hosts();
    claim_all();
    promote();
    settle();
    rescue();
    poll_running();
    poll_waiters();
    if (!cron_loaded_ && ticks_ - cron_tried_at_ >= static_cast<unsigned>(10 * per_s)) load_cron();
    if (cron_loaded_) {
        if (!cron_refreshing_) {  // the live jobs of cron entries (overlap, job_brief)
            cron_refreshing_ = true;
            std::weak_ptr<PgQueue*> alive = self_;
            cron_->refresh([this, alive](Status) {
                if (!alive.expired()) cron_refreshing_ = false;
            });
        }
        if (ticks_ % static_cast<unsigned>(std::max<std::int64_t>(1, 5 * per_s)) == 2)
            refresh_cron_book();
    }
    if (ticks_ % static_cast<unsigned>(std::max<std::int64_t>(1, 5 * per_s)) == 0)
        views_->refresh_figures();
    if (ticks_ % static_cast<unsigned>(std::max<std::int64_t>(1, 60 * per_s)) == 1) prune();
}

}  // namespace tend::pg
