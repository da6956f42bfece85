// Drives queue/pg/pg_job_store (the job statements) against a real server, run by
// tests/integration/test_pg_store.sh on a migrated database: submit -> claim -> finish; a
// stale fencing token refused; rescue keeping the attempt, the third rescue using one, then
// dead; dependents released or cancelled transitively; global slots under 3 concurrent
// claimers; promote; cancel of pending and running jobs; retry and its refusals; prune in
// batches; pause; the lost-edge race and settle; a lock-order stress of every statement from 6
// connections; and after all of it every queue's depth equal to the real count.
// Usage: tend_pg_store_probe MIGRATED_URL. Prints "ok: ..." per check, "FAIL: ..." and exits 1.
#include <signal.h>
#include <systemd/sd-event.h>
#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "queue/pg/pg_model_lease.hpp"
#include "queue/pg/pg_statements.hpp"
#include "tests/pg/pg_store_stress.hpp"
#include "tests/pg/probe_loop.hpp"

using namespace tend;
using namespace tend::pg;
using namespace probe;
using jobs::JobState;

namespace {

PgConn* admin = nullptr;
PgJobStore* store = nullptr;

std::string q(const std::string& sql, PgConn::Params p = {}) {
    return value(*admin, sql, std::move(p));
}

// tend.submit of one job (JSON object) into a queue; its id.
int64_t submit(const std::string& queue, const std::string& job) {
    const std::string id =
        q("SELECT job_id FROM tend.submit($1::text, $2::jsonb, '{}'::text[], '\\x01'::bytea, "
          "gen_random_uuid(), 'probe')",
          {queue, "[" + job + "]"});
    return std::stoll(id);
}

std::string state_of(int64_t id) {
    return q("SELECT state FROM tend.job WHERE id = $1::bigint", {std::to_string(id)});
}

int64_t host(const std::string& name) {
    return std::stoll(q(std::string(host_register_sql),
                        {name, "1", "probe", "1 hour", "{q,g}"}));  // lease 1 hour
}

void expire(int64_t host_id) {
    exec(*admin,
         "UPDATE tend.host SET lease_until = now() - interval '1 hour' WHERE id = $1::bigint",
         {std::to_string(host_id)});
}

std::vector<ClaimedJob> claim(const std::string& queue, int64_t h, int n, bool global = false) {
    return must(await<std::vector<ClaimedJob>>(
                    [&](auto cb) { store->claim(queue, h, n, global, std::move(cb)); }),
                "claim " + queue);
}

std::optional<FinishResult> finish(const ClaimedJob& j, JobState s, const std::string& outcome,
                                   int64_t lease_delta = 0) {
    FinishArgs a;
    a.id = j.id;
    a.lease = j.lease + lease_delta;
    a.state = s;
    a.exit_code = s == JobState::succeeded ? 0 : 1;
    a.host = "h";
    a.outcome = outcome;
    a.reason = outcome;
    a.checkpoint = "cursor-" + std::to_string(j.runs);
    a.output_tail = std::string("out\0put", 7);
    return must(
        await<std::optional<FinishResult>>([&](auto cb) { store->finish(a, std::move(cb)); }),
        "finish " + std::to_string(j.id));
}

RescueResult rescue() {
    return must(await<RescueResult>([&](auto cb) { store->rescue(Usec(0), std::move(cb)); }),
                "rescue");
}

void sync_queue(const std::string& name, int64_t max_pending, std::optional<int> global) {
    QueueSyncArgs a;
    a.name = name;
    a.max_pending = max_pending;
    a.global_limit = global;
    must(await<QueueRow>([&](auto cb) { store->queue_sync(a, std::move(cb)); }), "queue_sync");
}

bool pid_ok(int64_t id, int64_t lease) {
    const bool set = must(
        await<bool>([&](auto cb) { store->set_pid(id, lease, 4242, std::move(cb)); }), "set_pid");
    const bool stale = must(
        await<bool>([&](auto cb) { store->set_pid(id, lease + 1, 1, std::move(cb)); }), "set_pid");
    return set && !stale &&
           q("SELECT pid FROM tend.job WHERE id = $1::bigint", {std::to_string(id)}) == "4242";
}

void basics(int64_t h) {
    const int64_t id = submit("q", R"({"argv":["echo","hi"],"cwd":"/tmp","name":"greet"})");
    auto got = claim("q", h, 5);
    check(got.size() == 1 && got[0].id == id, "claim the one pending job");
    check(got[0].argv == std::vector<std::string>{"echo", "hi"} && got[0].cwd == "/tmp" &&
              got[0].name == "greet" && got[0].attempt == 1 && !got[0].checkpoint,
          "the claimed job's fields");
    check(state_of(id) == "running", "running after the claim");
    check(got[0].env_id.has_value(), "the claimed job has an environment");
    auto env = must(await<std::optional<std::vector<std::string>>>(
                        [&](auto cb) { store->env(*got[0].env_id, std::move(cb)); }),
                    "env");
    check(env && env->empty(), "its variables (none were given)");
    check(pid_ok(id, got[0].lease), "set_pid under the fence");
    check(claim("q", h, 5).empty(), "nothing more to claim");
    check(!finish(got[0], JobState::succeeded, "succeeded", 1), "a stale lease is refused");
    check(state_of(id) == "running", "still running after the stale finish");
    auto f = finish(got[0], JobState::succeeded, "succeeded");
    check(f && f->id == id && f->state == JobState::succeeded, "finish succeeded");
    check(!finish(got[0], JobState::failed, "failed"), "a second finish of the run is refused");
    check(q("SELECT outcome || ' ' || lease || ' ' || encode(output_tail, 'escape') FROM tend.run "
            "WHERE job_id = $1::bigint",
            {std::to_string(id)}) == "succeeded " + std::to_string(got[0].lease) + " out\\000put",
          "the run row");
    check(must(await<bool>([&](auto cb) { store->finish_check(id, got[0].lease, std::move(cb)); }),
               "finish_check"),
          "finish_check finds the committed run");
    ok("submit -> claim -> finish succeeded; a stale fencing token changes nothing (0 rows)");
}

void rescues() {
    const int64_t id = submit("q", R"({"argv":["true"],"cwd":"/","max_attempts":1})");
    for (int round = 1; round <= 3; ++round) {
        const int64_t h = host("doomed" + std::to_string(round));
        auto got = claim("q", h, 1);
        check(got.size() == 1 && got[0].id == id, "claim before rescue " + std::to_string(round));
        check(got[0].attempt == 1,
              "the attempt is kept across rescues (run " + std::to_string(got[0].runs) + ")");
        check(rescue().host == std::nullopt, "a live lease is not rescued");
        expire(h);
        auto r = rescue();
        check(r.host == "doomed" + std::to_string(round) && r.jobs == 1, "rescue took the host");
        const std::string st = state_of(id);
        if (round < 3) {
            check(st == "pending" && r.wake == std::vector<std::string>{"q"},
                  "rescued job is pending again, queue woken");
        } else {
            check(st == "dead" && r.wake.empty(), "the third rescue used the last attempt: " + st);
        }
    }
    check(q("SELECT count(*) || ' ' || bool_and(outcome = 'interrupted') FROM tend.run WHERE "
            "job_id = $1::bigint",
            {std::to_string(id)}) == "3 true",
          "three interrupted runs recorded");
    check(q("SELECT count(*) FROM tend.host WHERE name LIKE 'doomed%'") == "0", "hosts deleted");
    ok("rescue re-queues keeping the attempt; the third rescue uses one; none left: dead");
}

void dependents(int64_t h) {
    const int64_t a = submit("q", R"({"argv":["a"],"cwd":"/"})");
    const int64_t b =
        submit("q", R"({"argv":["b"],"cwd":"/","after":[)" + std::to_string(a) + "]}");
    const int64_t c =
        submit("q", R"({"argv":["c"],"cwd":"/","after":[)" + std::to_string(b) + "]}");
    check(state_of(b) == "blocked" && state_of(c) == "blocked", "dependents blocked");
    auto got = claim("q", h, 5);
    check(got.size() == 1 && got[0].id == a, "only the head runs");
    auto f = finish(got[0], JobState::succeeded, "succeeded");
    check(f && f->wake == std::vector<std::string>{"q"}, "success wakes the dependent's queue");
    check(state_of(b) == "pending" && state_of(c) == "blocked", "success releases one level");

    const int64_t d = submit("q", R"({"argv":["d"],"cwd":"/"})");
    const int64_t e =
        submit("q", R"({"argv":["e"],"cwd":"/","after":[)" + std::to_string(d) + "]}");
    const int64_t g =
        submit("q", R"({"argv":["g"],"cwd":"/","after":[)" + std::to_string(e) + "]}");
    got = claim("q", h, 5);  // b and d
    check(got.size() == 2, "claim b and d");
    for (const auto& j : got) finish(j, j.id == d ? JobState::failed : JobState::succeeded, "x");
    check(state_of(e) == "cancelled" && state_of(g) == "cancelled",
          "failure cancels dependents transitively");
    check(q("SELECT reason FROM tend.job WHERE id = $1::bigint", {std::to_string(g)}) ==
              "cancelled: dependency " + std::to_string(d) + " did not succeed",
          "the reason names the dependency");
    got = claim("q", h, 5);
    check(got.size() == 1 && got[0].id == c, "c was released by b");
    finish(got[0], JobState::succeeded, "succeeded");
    ok("dependents: success releases, failure cancels transitively");
}

// The race settle exists for: a finish whose statement began while a submit held its job
// FOR SHARE (adding a dependent) waits for the lock, then reads tend.dep with its older
// snapshot and misses the new edge; the dependent stays blocked until settle releases it.
void lost_edge(int64_t h, PgConn& aux) {
    const int64_t d = submit("q", R"({"argv":["d"],"cwd":"/"})");
    auto got = claim("q", h, 1);
    check(got.size() == 1 && got[0].id == d, "claim the dependency");
    exec(*admin, "BEGIN");
    const int64_t e =
        std::stoll(q("SELECT job_id FROM tend.submit('q', $1::jsonb, '{}'::text[], "
                     "'\\x01'::bytea, gen_random_uuid(), 'probe')",
                     {R"([{"argv":["e"],"cwd":"/","after":[)" + std::to_string(d) + "]}]"}));
    bool done = false;
    StoreReply<std::optional<FinishResult>> fr;
    FinishArgs a;
    a.id = d;
    a.lease = got[0].lease;
    a.host = "h";
    a.outcome = "succeeded";
    store->finish(a, [&](StoreReply<std::optional<FinishResult>> r) {
        fr = std::move(r);
        done = true;
    });
    run_until(
        [&] {
            return value(aux,
                         "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                         "'tend/probe/1/work' AND wait_event_type = 'Lock'") == "1";
        },
        10'000, "the finish waiting for the submit's lock");
    exec(*admin, "COMMIT");
    run_until([&] { return done; }, 10'000, "the finish");
    check(fr.ok() && *fr.value, "the finish went through");
    check(state_of(e) == "blocked",
          "the finish missed the edge (the race is reproduced): " + state_of(e));
    auto st =
        must(await<SettleResult>([&](auto cb) { store->settle(100, std::move(cb)); }), "settle");
    check(st.jobs == 1 && st.wake == std::vector<std::string>{"q"} && state_of(e) == "pending",
          "settle released the dependent");
    for (auto& j : claim("q", h, 10)) finish(j, JobState::succeeded, "succeeded");
    ok("a finish racing a submit of a dependent misses the edge; settle releases the dependent");
}

// A one-shot timer running a function; kept alive by `timers` until the end of main.
struct Timer {
    EventSource source;
    std::function<void()> fn;
};
std::vector<std::unique_ptr<Timer>> timers;

void after(uint64_t us, std::function<void()> fn) {
    auto t = std::make_unique<Timer>();
    t->fn = std::move(fn);
    sd_event_source* s = nullptr;
    if (sd_event_add_time_relative(
            loop, &s, CLOCK_MONOTONIC, us, 1000,
            [](sd_event_source*, uint64_t, void* p) -> int {
                auto fn = std::move(static_cast<Timer*>(p)->fn);
                fn();
                return 0;
            },
            t.get()) < 0)
        fail("sd_event_add_time_relative");
    t->source.reset(s);
    timers.push_back(std::move(t));
}

// 3 claimers on 3 connections take up to 4 slots each of a queue with global_concurrency 3,
// hold each job 20 ms and finish it; a 4th connection samples the running jobs and the taken
// slots meanwhile (each sample is one snapshot: a real state of the database).
void global_slots(const std::string& url) {
    constexpr int kJobs = 36;
    sync_queue("g", 1000, 3);
    for (int i = 0; i < kJobs; ++i) submit("g", R"({"argv":["true"],"cwd":"/"})");
    struct Claimer {
        std::unique_ptr<PgConn> conn;
        std::unique_ptr<PgJobStore> store;
        int64_t host = 0;
        int held = 0;
        bool busy = false;
    };
    std::vector<Claimer> cs(3);
    for (size_t i = 0; i < cs.size(); ++i) {
        cs[i].conn = connect(url, "claimer" + std::to_string(i));
        cs[i].store = std::make_unique<PgJobStore>(*cs[i].conn);
        cs[i].host = host("g" + std::to_string(i));
    }
    int finished = 0, empty_claims = 0;
    std::set<int64_t> seen;
    std::function<void(Claimer&)> pump = [&](Claimer& c) {
        if (c.busy || c.held >= 4 || finished >= kJobs) return;
        c.busy = true;
        c.store->claim("g", c.host, 4 - c.held, true, [&](StoreReply<std::vector<ClaimedJob>> r) {
            c.busy = false;
            if (!r.ok()) fail("claim_limited: " + r.message);
            if (r.value->empty()) ++empty_claims;
            for (const ClaimedJob& j : *r.value) {
                if (!seen.insert(j.id).second) fail("job claimed twice");
                ++c.held;
                after(20'000, [&, j] {
                    FinishArgs a;
                    a.id = j.id;
                    a.lease = j.lease;
                    a.host = "g";
                    a.outcome = "succeeded";
                    c.store->finish(a, [&](StoreReply<std::optional<FinishResult>> f) {
                        if (!f.ok() || !*f.value) fail("finish under global slots");
                        --c.held;
                        ++finished;
                        pump(c);
                    });
                });
            }
            // Slots full: try again soon (the service would wait for a wake-up).
            after(r.value->empty() ? 2'000 : 0, [&] { pump(c); });
        });
    };
    for (auto& c : cs) pump(c);
    int64_t peak_running = 0, peak_slots = 0, samples = 0;
    auto monitor = connect(url, "monitor");
    bool sampling = false;
    const uint64_t deadline = mono_us() + 20'000'000;
    while (finished < kJobs || sampling) {
        if (mono_us() > deadline) fail("timed out: global slot jobs");
        if (!sampling && finished < kJobs) {
            sampling = true;
            monitor->send(
                "SELECT (SELECT count(*) FROM tend.job WHERE queue = 'g' AND state = 'running'), "
                "(SELECT count(*) FROM tend.slot WHERE queue = 'g' AND job_id IS NOT NULL)",
                {}, 5'000'000, [&](StatementResult r) {
                    sampling = false;
                    if (r.outcome != Outcome::ok) fail("monitor: " + r.message);
                    Rows rows = rows_of(r.rows.get());
                    peak_running = std::max<int64_t>(peak_running, std::stoll(*rows.at(0).at(0)));
                    peak_slots = std::max<int64_t>(peak_slots, std::stoll(*rows.at(0).at(1)));
                    ++samples;
                });
        }
        if (sd_event_run(loop, 20'000) < 0) fail("sd_event_run failed");
    }
    // Claims still in flight and pumps still armed refer to this frame: drop them now (a
    // connection's destructor runs none of its callbacks).
    cs.clear();
    timers.clear();
    std::printf(
        "global slots: %d jobs, %lld samples, peak running %lld, peak slots taken %lld, "
        "%d empty claims\n",
        kJobs, static_cast<long long>(samples), static_cast<long long>(peak_running),
        static_cast<long long>(peak_slots), empty_claims);
    check(peak_running <= 3 && peak_slots <= 3, "never more than 3 running under global limit 3");
    check(peak_running == 3, "the limit was reached (the test can fail)");
    check(q("SELECT count(*) FROM tend.slot WHERE queue = 'g' AND job_id IS NOT NULL") == "0",
          "every slot freed");
    check(q("SELECT count(*) FROM tend.job WHERE queue = 'g' AND state = 'succeeded'") ==
              std::to_string(kJobs),
          "every job succeeded once");
    ok("global_concurrency 3, 3 claimers x 4: never more than 3 slots held");
}

void promote_cancel_retry(int64_t h) {
    const int64_t due =
        submit("q", R"({"argv":["due"],"cwd":"/","run_at":"2999-01-01T00:00:00Z"})");
    const int64_t later =
        submit("q", R"({"argv":["later"],"cwd":"/","run_at":"2999-01-01T00:00:00Z"})");
    exec(*admin, "UPDATE tend.job SET run_at = now() - interval '1 second' WHERE id = $1::bigint",
         {std::to_string(due)});
    auto p =
        must(await<PromoteResult>([&](auto cb) { store->promote(100, std::move(cb)); }), "promote");
    check(p.jobs == 1 && p.wake == std::vector<std::string>{"q"}, "one due job promoted");
    check(state_of(due) == "pending" && state_of(later) == "scheduled", "only the due one");
    check(p.next_us && *p.next_us > 0, "the next scheduled job is in the future");
    ok("promote moves due scheduled jobs, leaves the rest, says when the next is due");

    auto cancel = [&](int64_t id) {
        return must(await<std::optional<CancelResult>>(
                        [&](auto cb) { store->cancel(id, "cancelled by probe", std::move(cb)); }),
                    "cancel");
    };
    const int64_t dep = submit(
        "q", R"({"argv":["after-later"],"cwd":"/","after":[)" + std::to_string(later) + "]}");
    auto c = cancel(later);
    check(c && c->state == JobState::cancelled && c->dependents == 1 && !c->host_id,
          "cancel of a scheduled job, its dependent with it");
    check(state_of(later) == "cancelled" && state_of(dep) == "cancelled", "both cancelled");
    check(!cancel(later), "a second cancel finds no live job");

    auto got = claim("q", h, 1);
    check(got.size() == 1 && got[0].id == due, "claim the promoted job");
    c = cancel(due);
    check(c && c->state == JobState::running && c->host_id == h, "cancel of a running job");
    check(q("SELECT state || ' ' || cancel_requested FROM tend.job WHERE id = $1::bigint",
            {std::to_string(due)}) == "running true",
          "it keeps running with cancel_requested");
    auto running = must(
        await<std::vector<RunningJob>>([&](auto cb) { store->running_of_host(h, std::move(cb)); }),
        "running_of_host");
    check(running.size() == 1 && running[0].cancel_requested, "the host sees the request");
    auto f = finish(got[0], JobState::succeeded, "succeeded");
    check(f && f->state == JobState::cancelled && state_of(due) == "cancelled",
          "its finish ends it cancelled");
    ok("cancel: pending now (dependents too); running: requested, then finish -> cancelled");

    auto retry = [&](int64_t id) {
        return await<std::optional<RetryResult>>([&](auto cb) { store->retry(id, std::move(cb)); });
    };
    auto r = retry(due);
    check(r.ok() && *r.value && (*r.value)->queue == "q", "retry of a cancelled job");
    check(q("SELECT state || ' ' || attempt FROM tend.job WHERE id = $1::bigint",
            {std::to_string(due)}) == "pending 0",
          "pending again, attempts reset");
    r = retry(due);
    check(r.ok() && !*r.value, "retry of a pending job: no row");
    // Key held by a live job: TE409 passed up unchanged.
    const int64_t k1 = submit("q", R"({"argv":["k"],"cwd":"/","key":"the-key"})");
    cancel(k1);
    submit("q", R"({"argv":["k"],"cwd":"/","key":"the-key"})");
    r = retry(k1);
    check(r.outcome == Outcome::error && r.sqlstate == "TE409",
          "retry with the key held: TE409, got " + r.sqlstate + " " + r.message);
    // A full queue: TE075.
    sync_queue("tiny", 1, std::nullopt);
    const int64_t t1 = submit("tiny", R"({"argv":["t"],"cwd":"/"})");
    cancel(t1);
    submit("tiny", R"({"argv":["t2"],"cwd":"/"})");
    r = retry(t1);
    check(r.outcome == Outcome::error && r.sqlstate == "TE075", "retry into a full queue: TE075");
    check(state_of(t1) == "cancelled", "the refused retry changed nothing");
    ok("retry: cancelled -> pending; refusals come up as TE409 / TE075, nothing changed");
}

void pause_and_prune(int64_t h) {
    auto paused = [&](const std::string& name, bool on) {
        return must(await<bool>([&](auto cb) { store->set_paused(name, on, std::move(cb)); }),
                    "set_paused");
    };
    check(paused("q", true), "pause q");
    check(claim("q", h, 10).empty(), "a paused queue gives nothing");
    check(!paused("no-such-queue", true), "pausing an unknown queue finds no row");
    check(paused("q", false), "resume q");
    for (auto& j : claim("q", h, 100)) finish(j, JobState::succeeded, "succeeded");
    ok("pause stops claims; resume restarts them; an unknown queue is reported");

    for (int i = 0; i < 25; ++i) submit("q", R"({"argv":["old"],"cwd":"/"})");
    for (auto& j : claim("q", h, 100)) finish(j, JobState::succeeded, "succeeded");
    exec(*admin,
         "UPDATE tend.job SET finished_at = now() - interval '30 days' WHERE argv = '{old}'");
    std::vector<int64_t> batches;
    while (true) {
        auto p =
            must(await<PruneResult>([&](auto cb) { store->prune(10, std::move(cb)); }), "prune");
        batches.push_back(p.jobs);
        if (p.jobs < 10) break;
    }
    check(batches == std::vector<int64_t>{10, 10, 5}, "prune in batches of 10: 10, 10, 5");
    check(q("SELECT count(*) FROM tend.job WHERE argv = '{old}'") == "0", "old jobs gone");
    check(q("SELECT count(*) FROM tend.run r WHERE NOT EXISTS (SELECT 1 FROM tend.job j WHERE "
            "j.id = r.job_id)") == "0",
          "their runs gone");
    ok("prune deletes finished jobs past keep in batches, with their runs");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: tend_pg_store_probe MIGRATED_URL\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    sd_event_default(&loop);
    auto a = connect(argv[1], "admin");
    admin = a.get();
    auto work = connect(argv[1], "work");
    PgJobStore s(*work);
    store = &s;

    sync_queue("q", 1000, std::nullopt);
    const int64_t h = host("main");
    basics(h);
    rescues();
    dependents(h);
    global_slots(argv[1]);
    promote_cancel_retry(h);
    pause_and_prune(h);
    auto aux = connect(argv[1], "aux");
    lost_edge(h, *aux);
    stress(argv[1], 6, 2'000'000);

    const std::string drift =
        q("SELECT string_agg(q.name || ' ' || q.depth || '/' || (SELECT count(*) FROM tend.job j "
          "WHERE j.queue = q.name AND j.state IN ('scheduled','blocked','pending')), ', ') FROM "
          "tend.queue q WHERE q.depth <> (SELECT count(*) FROM tend.job j WHERE j.queue = q.name "
          "AND j.state IN ('scheduled','blocked','pending'))");
    check(drift == "<null>", "depth drifted: " + drift);
    ok("every queue's depth equals the real count of its scheduled, blocked and pending jobs");
    return 0;
}
