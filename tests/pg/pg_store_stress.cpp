// Lock-order stress of the job statements (design postgres.md §4.1 rule 1): clients on their
// own connections run random operations at once (keyed submits with dependencies, claims and
// finishes of every kind, global-slot claims while the limit changes, cancel, retry, promote,
// rescue of a host that dies holding jobs, prune) for a while. No statement may fail with a
// deadlock (40P01) or a serialization failure (40001), nor with anything but the refusals the
// operations can meet (TE065 bad dependency, TE409 key held, TE075 full: the probe's tiny
// queue); afterwards the queues' depth is exact and slots match running jobs.
#include "tests/pg/pg_store_stress.hpp"

#include <map>
#include <random>

#include "queue/pg/pg_model_lease.hpp"
#include "tests/pg/probe_loop.hpp"

using namespace tend;
using namespace tend::pg;

namespace probe {

namespace {

struct Client {
    std::unique_ptr<PgConn> conn;
    std::unique_ptr<PgJobStore> store;
    int64_t host = 0;
    bool busy = false;
};

}  // namespace

void stress(const std::string& url, int clients, uint64_t duration_us) {
    auto admin = connect(url, "stress-admin");
    PgJobStore setup(*admin);
    for (const char* name : {"s", "sg"}) {
        QueueSyncArgs a;
        a.name = name;
        a.max_pending = 1'000'000;
        a.keep = Usec(0);  // prune takes every finished job
        if (std::string(name) == "sg") a.global_limit = 3;
        must(await<QueueRow>([&](auto cb) { setup.queue_sync(a, std::move(cb)); }), "sync");
    }
    std::vector<Client> cs(static_cast<size_t>(clients));
    for (size_t i = 0; i < cs.size(); ++i) {
        cs[i].conn = connect(url, "stress" + std::to_string(i));
        cs[i].store = std::make_unique<PgJobStore>(*cs[i].conn);
        cs[i].host = std::stoll(value(*admin, std::string(host_register_sql),
                                      {"stress" + std::to_string(i), "1", "t", "1 hour", "{}"}));
    }
    // The last client's host "dies" halfway: it stops finishing and its lease is ended.
    Client& doomed = cs.back();
    bool doomed_dead = false;

    std::mt19937_64 rng(42);
    auto rnd = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
    std::map<std::string, int> errors;  // sqlstate -> count
    int64_t ops = 0, max_id = 1;
    auto note = [&](Outcome o, const std::string& sqlstate, const std::string& msg) {
        if (o == Outcome::ok) return;
        if (o != Outcome::error) fail("stress: " + std::string(outcome_name(o)) + ": " + msg);
        ++errors[sqlstate];
        if (sqlstate != "TE065" && sqlstate != "TE409" && sqlstate != "TE075")
            fail("stress: unexpected error " + sqlstate + ": " + msg);
    };

    std::function<void(Client&)> next = [&](Client& c) {
        c.busy = false;
        ++ops;
    };
    auto finish_all = [&](Client& c, std::vector<ClaimedJob> jobs) {
        if (jobs.empty() || (&c == &doomed && doomed_dead)) return next(c);
        auto left = std::make_shared<size_t>(jobs.size());
        for (const ClaimedJob& j : jobs) {
            FinishArgs a;
            a.id = j.id;
            a.lease = j.lease;
            a.host = "stress";
            static constexpr jobs::JobState kinds[] = {
                jobs::JobState::succeeded, jobs::JobState::failed, jobs::JobState::dead,
                jobs::JobState::pending, jobs::JobState::scheduled};
            a.state = kinds[rnd(5)];
            a.outcome = a.state == jobs::JobState::pending ? "yielded" : "x";
            if (a.state == jobs::JobState::scheduled) a.run_at_us = 0;  // due at once
            c.store->finish(a, [&, left](StoreReply<std::optional<FinishResult>> r) {
                note(r.outcome, r.sqlstate, r.message);
                if (--*left == 0) next(c);
            });
        }
    };
    auto start_op = [&](Client& c) {
        c.busy = true;
        const int64_t op = rnd(100);
        if (op < 30) {
            std::string after;
            if (rnd(3) == 0) after = R"(,"after":[)" + std::to_string(1 + rnd(max_id)) + "]";
            const std::string queue = rnd(2) ? "s" : "sg";
            const std::string jobs = R"([{"argv":["a"],"cwd":"/","key":"k)" +
                                     std::to_string(rnd(40)) + "\"" + after +
                                     R"(},{"argv":["b"],"cwd":"/")" + after + "}]";
            c.conn->send(
                "SELECT max(job_id) FROM tend.submit($1::text, $2::jsonb, '{}'::text[], "
                "'\\x01'::bytea, gen_random_uuid(), 'stress')",
                {queue, jobs}, 10'000'000, [&](StatementResult r) {
                    note(r.outcome, r.sqlstate, r.message);
                    if (r.outcome == Outcome::ok) {
                        Rows rows = rows_of(r.rows.get());
                        if (!rows.empty() && rows[0][0])
                            max_id = std::max<int64_t>(max_id, std::stoll(*rows[0][0]));
                    }
                    next(c);
                });
        } else if (op < 65) {
            const bool global = rnd(2) == 0;
            c.store->claim(global ? "sg" : "s", c.host, 1 + static_cast<int>(rnd(3)), global,
                           [&](StoreReply<std::vector<ClaimedJob>> r) {
                               note(r.outcome, r.sqlstate, r.message);
                               finish_all(c, r.ok() ? *r.value : std::vector<ClaimedJob>{});
                           });
        } else if (op < 75) {
            c.store->cancel(1 + rnd(max_id), "stress", [&](auto r) {
                note(r.outcome, r.sqlstate, r.message);
                next(c);
            });
        } else if (op < 83) {
            c.store->retry(1 + rnd(max_id), [&](auto r) {
                note(r.outcome, r.sqlstate, r.message);
                next(c);
            });
        } else if (op < 86) {
            c.store->promote(50, [&](auto r) {
                note(r.outcome, r.sqlstate, r.message);
                next(c);
            });
        } else if (op < 89) {
            c.store->settle(50, [&](auto r) {
                note(r.outcome, r.sqlstate, r.message);
                next(c);
            });
        } else if (op < 93) {
            c.store->rescue(Usec(0), [&](auto r) {
                note(r.outcome, r.sqlstate, r.message);
                next(c);
            });
        } else if (op < 97) {
            c.store->prune(50, [&](auto r) {
                note(r.outcome, r.sqlstate, r.message);
                next(c);
            });
        } else {
            QueueSyncArgs a;
            a.name = "sg";
            a.max_pending = 1'000'000;
            a.keep = Usec(0);
            a.global_limit = 1 + static_cast<int>(rnd(4));
            c.store->queue_sync(a, [&](auto r) {
                note(r.outcome, r.sqlstate, r.message);
                next(c);
            });
        }
    };

    const uint64_t t0 = mono_us(), end = t0 + duration_us;
    while (mono_us() < end) {
        if (!doomed_dead && mono_us() > t0 + duration_us / 2) {
            doomed_dead = true;
            exec(*admin,
                 "UPDATE tend.host SET lease_until = now() - interval '1 hour' WHERE id = "
                 "$1::bigint",
                 {std::to_string(doomed.host)});
        }
        for (Client& c : cs)
            if (!c.busy && !(&c == &doomed && doomed_dead)) start_op(c);
        if (sd_event_run(loop, 20'000) < 0) fail("sd_event_run failed");
    }
    run_until(
        [&] {
            for (Client& c : cs)
                if (c.busy) return false;
            return true;
        },
        15'000, "the last operations");
    std::string errs;
    for (auto& [state, n] : errors) errs += " " + state + "=" + std::to_string(n);
    std::printf("stress: %d clients, %lld operations in %.1f s, refusals:%s\n", clients,
                static_cast<long long>(ops), static_cast<double>(mono_us() - t0) / 1e6,
                errs.empty() ? " none" : errs.c_str());
    check(ops > 100, "the stress ran operations");
    // The dead host's jobs are rescued once its lease is gone.
    while (true) {
        auto r = must(await<RescueResult>([&](auto cb) { setup.rescue(Usec(0), std::move(cb)); }),
                      "rescue");
        if (!r.host) break;
    }
    // Dependents left blocked by a finish that missed a new edge (see settle_sql) are released
    // or cancelled by settle, which every host runs with promote.
    int64_t settled = 0;
    while (true) {
        auto r =
            must(await<SettleResult>([&](auto cb) { setup.settle(100, std::move(cb)); }), "settle");
        settled += r.jobs;
        if (r.jobs < 100) break;
    }
    std::printf("stress: settle found %lld blocked jobs whose dependencies had ended\n",
                static_cast<long long>(settled));
    check(value(*admin,
                "SELECT count(*) FROM tend.job WHERE state = 'running' AND host_id = $1::bigint",
                {std::to_string(doomed.host)}) == "0",
          "the dead host's jobs were rescued");
    const std::string drift =
        value(*admin,
              "SELECT string_agg(q.name || ' ' || q.depth || '/' || c.n, ', ') FROM tend.queue q, "
              "LATERAL (SELECT count(*) AS n FROM tend.job j WHERE j.queue = q.name AND j.state IN "
              "('scheduled','blocked','pending')) c WHERE q.depth <> c.n");
    check(drift == "<null>", "depth drifted under stress: " + drift);
    check(value(*admin,
                "SELECT count(*) FROM tend.job j WHERE j.queue = 'sg' AND j.state = 'running' AND "
                "NOT EXISTS (SELECT 1 FROM tend.slot s WHERE s.job_id = j.id)") == "0",
          "every running job of sg holds a slot");
    check(value(*admin,
                "SELECT count(*) FROM tend.slot s WHERE s.job_id IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM tend.job j WHERE j.id = s.job_id AND j.state = 'running')") == "0",
          "every taken slot belongs to a running job");
    check(value(*admin,
                "SELECT count(*) FROM tend.job c WHERE c.state = 'blocked' AND EXISTS (SELECT 1 "
                "FROM tend.dep d JOIN tend.job a ON a.id = d.after_id WHERE d.job_id = c.id AND "
                "a.state IN ('failed', 'dead', 'cancelled'))") == "0",
          "no job stays blocked on a dependency that ended without success");
    ok("stress: no deadlock, depth exact, slots match running jobs, dependents settled");
}

}  // namespace probe
