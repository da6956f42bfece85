// Cron on the PostgreSQL store (pg_cron_store.hpp): the statements of pg_statements_cron.hpp
// sent over the work connection, their answers decoded (pg_decode_cron.hpp), retries on the
// loop's timers, and the cache of the entries' jobs that job_brief answers from.
#include "queue/pg/pg_cron_store.hpp"

#include <time.h>
#include <algorithm>
#include <cstdint>
#include <set>

#include "queue/pg/pg_job_store.hpp"
#include "queue/pg/pg_model_lease.hpp"
#include "queue/pg/pg_statements_cron.hpp"
#include "queue/pg/pg_submit.hpp"
#include "supervisor/daemon/event_loop.hpp"

namespace tend::pg {

namespace {

constexpr std::uint64_t kRetryMinUs = 200'000;      // the first retry of a statement
constexpr std::uint64_t kRetryMaxUs = 2'000'000;    // retries double up to this
constexpr std::uint64_t kEarlyRetryUs = 1'000'000;  // a tick ahead of the database's clock

std::uint64_t mono_us() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

std::uint64_t next_delay(std::uint64_t d) {
    return d == 0 ? kRetryMinUs : std::min(d * 2, kRetryMaxUs);
}

std::string failure(const StatementResult& r) {
    std::string m = outcome_name(r.outcome);
    if (!r.sqlstate.empty()) m += " " + r.sqlstate;
    if (!r.message.empty()) m += ": " + r.message;
    return m;
}

}  // namespace

// What the store's callbacks share (PgCronStore::State is this, under the header's name).
struct CronShared {
    PgCronDeps deps;
    cron::CronBook book;
    std::map<jobs::JobId, jobs::JobBrief> briefs;
    // Jobs fired since a refresh was sent, by the refresh generation they were fired in: a
    // refresh whose snapshot may predate them keeps their brief.
    std::map<jobs::JobId, std::uint64_t> fired_gen;
    std::uint64_t refresh_gen = 0;
    std::set<std::string> warned;
    std::map<std::string, cron::Overlap> overlap;  // set_overlap

    // One retry waiting on its timer.
    struct Timer {
        std::weak_ptr<CronShared> state;
        std::uint64_t key = 0;
        std::function<void()> fn;
        EventSource source;
    };
    std::map<std::uint64_t, std::unique_ptr<Timer>> timers;
    std::uint64_t next_timer = 0;

    void warn(const std::string& m) {
        if (deps.warn && warned.insert(m).second) deps.warn(m);
    }
};

struct PgCronStore::State : CronShared {};

namespace {

using State = CronShared;

int on_timer(sd_event_source*, uint64_t, void* userdata) {
    auto* t = static_cast<State::Timer*>(userdata);
    std::function<void()> fn = std::move(t->fn);
    if (auto st = t->state.lock()) st->timers.erase(t->key);  // sd-event defers the free
    if (fn) fn();
    return 0;
}

// Runs `fn` after `delay_us` on the loop; false when there is no loop to wait on.
bool later(const std::shared_ptr<State>& st, std::uint64_t delay_us, std::function<void()> fn) {
    if (!st->deps.loop) return false;
    auto t = std::make_unique<State::Timer>();
    t->state = st;
    t->key = ++st->next_timer;
    t->fn = std::move(fn);
    auto src = ev::add_time_relative(st->deps.loop, CLOCK_MONOTONIC, delay_us, 10'000, &on_timer,
                                     t.get(), "retry a cron statement");
    if (!src) return false;
    t->source = std::move(*src);
    st->timers.emplace(t->key, std::move(t));
    return true;
}

// One statement sent until it is answered, or retried while cron_retryable says so and
// `retry_until_us` (monotonic; 0: never retry, UINT64_MAX: forever) has not passed.
void send(const std::shared_ptr<State>& st, std::string sql, PgConn::Params params,
          std::uint64_t retry_until_us, std::uint64_t delay_us,
          std::function<void(StatementResult)> done) {
    PgConn* conn = st->deps.conn;
    std::weak_ptr<State> weak = st;
    conn->send(sql, params, st->deps.timeout_us,
               [weak, sql, params, retry_until_us, delay_us,
                done = std::move(done)](StatementResult r) mutable {
                   auto st = weak.lock();
                   if (!st) return;
                   if (r.outcome != Outcome::ok && cron_retryable(r.outcome, r.sqlstate) &&
                       mono_us() < retry_until_us) {
                       const std::uint64_t d = next_delay(delay_us);
                       std::weak_ptr<State> w2 = st;
                       auto again = [w2, sql, params, retry_until_us, d, done]() mutable {
                           if (auto s = w2.lock())
                               send(s, std::move(sql), std::move(params), retry_until_us, d,
                                    std::move(done));
                       };
                       if (later(st, d, std::move(again))) return;
                   }
                   done(std::move(r));
               });
}

std::string ids_param(const std::shared_ptr<State>& st) {
    std::string out = "{";
    bool first = true;
    auto add = [&](std::uint64_t id) {
        if (id == 0) return;
        if (!first) out += ',';
        out += std::to_string(id);
        first = false;
    };
    for (const auto& [name, s] : st->book.states()) add(s.last_job);
    for (const auto& [id, gen] : st->fired_gen) add(id);
    return out + "}";
}

// The cache of briefs from one answer of cron_briefs_sql sent at generation `gen`.
Status take_briefs(State& st, const StatementResult& r, std::uint64_t gen) {
    if (r.outcome != Outcome::ok) return make_error("cron jobs not read: " + failure(r));
    auto got = decode_briefs(rows_of(r.rows.get()));
    if (!got) return make_error(got.error());
    std::map<jobs::JobId, jobs::JobBrief> fresh;
    for (const auto& [id, b] : *got) fresh[static_cast<jobs::JobId>(id)] = b;
    for (auto it = st.fired_gen.begin(); it != st.fired_gen.end();) {
        if (it->second >= gen) {  // fired after the read was sent: keep what fire said
            if (!fresh.count(it->first)) {
                auto old = st.briefs.find(it->first);
                if (old != st.briefs.end()) fresh[it->first] = old->second;
            }
            ++it;
        } else {
            it = st.fired_gen.erase(it);
        }
    }
    st.briefs = std::move(fresh);
    return Unit{};
}

void read_briefs(const std::shared_ptr<State>& st, std::function<void(Status)> done) {
    const std::uint64_t gen = ++st->refresh_gen;
    std::weak_ptr<State> weak = st;
    send(st, std::string(cron_briefs_sql), {ids_param(st)}, 0, 0,
         [weak, gen, done = std::move(done)](StatementResult r) {
             auto st = weak.lock();
             if (!st) return;
             Status s = take_briefs(*st, r, gen);
             if (done) done(std::move(s));
         });
}

Result<LoadedBook> read_book(State& st, const StatementResult& r) {
    if (r.outcome != Outcome::ok) return make_error("tend.cron not read: " + failure(r));
    auto rows = decode_cron_rows(rows_of(r.rows.get()));
    if (!rows) return make_error("tend.cron: " + rows.error());
    LoadedBook loaded = book_of(*rows);
    for (const auto& w : loaded.warnings) st.warn(w);
    return loaded;
}

struct FireCall {
    jobs::CronTick tick;
    std::string token;  // the same for every send: a retry of a committed fire finds its job
    std::uint64_t give_up_us = 0;
    std::function<void(Result<jobs::CronFired>)> done;
};

void send_fire(const std::shared_ptr<State>& st, std::shared_ptr<FireCall> c);

// Whether the entry's overlap is skip: set_overlap's word, else its `tend cron add`
// definition's, else allow (no check in the database).
bool skip_live(const State& st, const std::string& entry) {
    if (auto it = st.overlap.find(entry); it != st.overlap.end())
        return it->second == cron::Overlap::skip;
    if (auto it = st.book.cli_defs().find(entry); it != st.book.cli_defs().end())
        return it->second.overlap == cron::Overlap::skip;
    return false;
}

void fire_answered(const std::shared_ptr<State>& st, const std::shared_ptr<FireCall>& c,
                   const StatementResult& r) {
    const std::string& queue = c->tick.spec.queue;
    if (r.outcome != Outcome::ok)
        return c->done(make_error("the tick's job was not stored: " + failure(r)));
    auto f = decode_fire(rows_of(r.rows.get()));
    if (!f) return c->done(make_error(f.error()));
    switch (f->outcome) {
        case FireOutcome::fired: {
            const auto id = static_cast<jobs::JobId>(*f->job);
            jobs::JobBrief b;
            b.state = f->state.value_or(jobs::JobState::pending);
            st->briefs[id] = b;
            st->fired_gen[id] = st->refresh_gen;
            return c->done(jobs::CronFired{id});
        }
        case FireOutcome::taken:
        case FireOutcome::duplicate:
        case FireOutcome::skipped:
            return c->done(jobs::CronFired{0});
        case FireOutcome::full:
            return c->done(make_error("queue " + queue + " is full (max_pending)"));
        case FireOutcome::no_queue:
            return c->done(make_error("no queue named " + queue));
        case FireOutcome::early:
            if (mono_us() < c->give_up_us &&
                later(st, kEarlyRetryUs, [w = std::weak_ptr<State>(st), c] {
                    if (auto s = w.lock()) send_fire(s, c);
                }))
                return;
            return c->done(
                make_error("the tick is ahead of the database's clock (more than "
                           "500 ms): check the clocks of the hosts"));
    }
}

void send_fire(const std::shared_ptr<State>& st, std::shared_ptr<FireCall> c) {
    const jobs::CronTick& t = c->tick;
    std::optional<std::string> state_tick;
    for (const auto& s : t.state.states)
        if (s.name == t.entry && s.last_tick_s > 0) state_tick = std::to_string(s.last_tick_s);
    PgConn::Params p{t.entry,
                     std::to_string(t.tick_s),
                     state_tick,
                     t.spec.queue,
                     submit_jobs_json({t.spec}),
                     text_array_param(t.env),
                     c->token,
                     "cron:" + t.entry,
                     st->deps.host_name,
                     skip_live(*st, t.entry) ? "true" : "false"};
    std::weak_ptr<State> weak = st;
    send(st, std::string(cron_fire_sql), std::move(p), c->give_up_us, 0,
         [weak, c](StatementResult r) {
             if (auto st = weak.lock()) fire_answered(st, c, r);
         });
}

}  // namespace

PgCronStore::PgCronStore(PgCronDeps deps) : deps_(deps), state_(std::make_shared<State>()) {
    state_->deps = std::move(deps);
}
PgCronStore::~PgCronStore() = default;

void PgCronStore::load(std::function<void(Status)> done) {
    std::weak_ptr<State> weak = state_;
    send(state_, std::string(cron_load_sql), {}, 0, 0,
         [weak, done = std::move(done)](StatementResult r) mutable {
             auto st = weak.lock();
             if (!st) return;
             auto loaded = read_book(*st, r);
             if (!loaded) return done(Status(make_error(loaded.error())));
             st->book = std::move(loaded->book);
             read_briefs(st, std::move(done));
         });
}

cron::CronBook& PgCronStore::book() {
    return state_->book;
}

void PgCronStore::write(jobs::CronRecords records, bool droppable,
                        std::function<void(Status)> done) {
    CronWriteParams w = cron_write_params(records);
    send(state_, std::string(cron_write_sql), {std::move(w.defs), std::move(w.states)},
         droppable ? 0 : UINT64_MAX, 0, [done = std::move(done)](StatementResult r) {
             if (r.outcome == Outcome::ok) return done(Unit{});
             done(make_error("cron entries not stored: " + failure(r)));
         });
}

void PgCronStore::fire(jobs::CronTick tick, std::function<void(Result<jobs::CronFired>)> done) {
    auto c = std::make_shared<FireCall>();
    c->tick = std::move(tick);
    c->token = new_submit_token();
    c->give_up_us = mono_us() + state_->deps.fire_give_up_us;
    c->done = std::move(done);
    send_fire(state_, std::move(c));
}

void PgCronStore::set_overlap(const std::string& entry, cron::Overlap overlap) {
    state_->overlap[entry] = overlap;
}

std::optional<jobs::JobBrief> PgCronStore::job_brief(jobs::JobId id) const {
    auto it = state_->briefs.find(id);
    if (it == state_->briefs.end()) return std::nullopt;
    return it->second;
}

void PgCronStore::refresh(std::function<void(Status)> done) {
    read_briefs(state_, std::move(done));
}

void PgCronStore::refresh_book(std::function<void(Result<CronDefsDiff>)> done) {
    std::weak_ptr<State> weak = state_;
    send(state_, std::string(cron_load_sql), {}, 0, 0,
         [weak, done = std::move(done)](StatementResult r) {
             auto st = weak.lock();
             if (!st) return;
             auto loaded = read_book(*st, r);
             if (!loaded) {
                 if (done) done(make_error(loaded.error()));
                 return;
             }
             CronDefsDiff diff = diff_cli_defs(st->book.cli_defs(), loaded->book.cli_defs());
             for (const auto& name : diff.removed) {
                 cron::CronDefRecord gone;
                 gone.def.name = name;
                 gone.removed = true;
                 st->book.apply(gone);
             }
             for (const auto& [name, def] : loaded->book.cli_defs())
                 st->book.apply(cron::CronDefRecord{def, false});
             for (const auto& [name, s] : loaded->book.states())
                 st->book.apply(cron::CronStateRecord{name, s.last_tick_s, s.last_job});
             if (done) done(std::move(diff));
         });
}

}  // namespace tend::pg
