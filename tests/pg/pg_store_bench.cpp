// The PostgreSQL store alone, measured (tests/bench/bench_pg_store.sh): claim + fenced finish
// of no-op jobs through PgJobStore, no process spawned. JOBS jobs are submitted first (tend.submit,
// 1,000 per call); then CLIENTS clients, each on its own connection with its own host id, loop:
// claim up to BATCH, finish every claimed job (the finishes pipelined on the connection, each
// with its own sync), and claim again once all are answered, until the queue is empty. Timed
// from the first claim to the last finish's answer.
// Usage: tend_pg_store_bench URL JOBS BATCH CLIENTS QUEUE
// Prints: "RESULT jobs=N seconds=S rate=R" (rate in claim+finish cycles per second).
#include <signal.h>
#include <systemd/sd-event.h>
#include <cstdio>
#include <string>
#include <vector>

#include "queue/pg/pg_model_lease.hpp"
#include "tests/pg/probe_loop.hpp"

using namespace tend;
using namespace tend::pg;
using namespace probe;

namespace {

struct Client {
    std::unique_ptr<PgConn> conn;
    std::unique_ptr<PgJobStore> store;
    int64_t host = 0;
    int outstanding = 0;
    bool done = false;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: tend_pg_store_bench URL JOBS BATCH CLIENTS QUEUE\n");
        return 2;
    }
    const std::string url = argv[1], queue = argv[5];
    const int jobs = std::atoi(argv[2]), batch = std::atoi(argv[3]), nclients = std::atoi(argv[4]);
    if (jobs <= 0 || batch <= 0 || nclients <= 0) fail("JOBS, BATCH and CLIENTS must be > 0");
    signal(SIGPIPE, SIG_IGN);
    sd_event_default(&loop);
    auto admin = connect(url, "bench-admin");
    PgJobStore setup(*admin);
    QueueSyncArgs qa;
    qa.name = queue;
    qa.max_pending = 10'000'000;
    must(await<QueueRow>([&](auto cb) { setup.queue_sync(qa, std::move(cb)); }), "queue_sync");
    for (int left = jobs; left > 0;) {
        const int n = std::min(left, 1000);
        std::string arr = "[";
        for (int i = 0; i < n; ++i)
            arr += (i ? "," : "") + std::string(R"({"argv":["true"],"cwd":"/"})");
        arr += "]";
        exec(*admin,
             "SELECT count(*) FROM tend.submit($1::text, $2::jsonb, '{}'::text[], '\\x01'::bytea, "
             "gen_random_uuid(), 'bench')",
             {queue, arr});
        left -= n;
    }

    std::vector<Client> cs(static_cast<size_t>(nclients));
    for (size_t i = 0; i < cs.size(); ++i) {
        cs[i].conn = connect(url, "bench" + std::to_string(i));
        cs[i].store = std::make_unique<PgJobStore>(*cs[i].conn);
        cs[i].host = std::stoll(value(*admin, std::string(host_register_sql),
                                      {"bench" + std::to_string(i), "1", "bench", "1 hour", "{}"}));
    }
    int finished = 0, clients_done = 0;
    std::function<void(Client&)> cycle = [&](Client& c) {
        c.store->claim(queue, c.host, batch, false, [&](StoreReply<std::vector<ClaimedJob>> r) {
            if (!r.ok()) fail("claim: " + r.message);
            if (r.value->empty()) {
                c.done = true;
                ++clients_done;
                return;
            }
            c.outstanding = static_cast<int>(r.value->size());
            for (const ClaimedJob& j : *r.value) {
                FinishArgs a;
                a.id = j.id;
                a.lease = j.lease;
                a.host = "bench";
                a.outcome = "succeeded";
                a.exit_code = 0;
                c.store->finish(a, [&](StoreReply<std::optional<FinishResult>> f) {
                    if (!f.ok() || !*f.value) fail("finish: " + f.message);
                    ++finished;
                    if (--c.outstanding == 0) cycle(c);
                });
            }
        });
    };
    const uint64_t t0 = mono_us();
    for (auto& c : cs) cycle(c);
    run_until([&] { return clients_done == nclients; }, 600'000, "the benchmark");
    const double secs = static_cast<double>(mono_us() - t0) / 1e6;
    if (finished != jobs)
        fail("finished " + std::to_string(finished) + " of " + std::to_string(jobs));
    const std::string left = value(*admin,
                                   "SELECT count(*) FROM tend.job WHERE queue = $1::text AND state "
                                   "<> 'succeeded'",
                                   {queue});
    if (left != "0") fail(left + " jobs not succeeded");
    std::printf("RESULT jobs=%d seconds=%.3f rate=%.0f\n", jobs, secs, jobs / secs);
    return 0;
}
