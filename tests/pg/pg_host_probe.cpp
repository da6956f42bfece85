// Drives queue/pg/pg_host (the host lease at run time) against a real server, lease 3 s and
// renew 1 s (run by tests/integration/test_pg_host.sh, which starts the server and migrates
// the database): renewals keep the lease; a SIGSTOPped backend of the control connection fences
// the host within lease - 1 s (+ a margin) while the database still holds the lease; the host
// then retires that incarnation and registers anew; an expired row is never renewed (it
// fences); a clean stop retires. A 10 ms timer on the same loop measures the longest gap: the
// loop never waits on the database. Usage: tend_pg_host_probe MIGRATED_URL. Prints "ok: ..."
// per check, "FAIL: ..." and exits 1 at the first failure.
#include <signal.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "queue/pg/pg_conn.hpp"
#include "queue/pg/pg_host.hpp"
#include "tests/pg/probe_loop.hpp"

using namespace tend;
using namespace tend::pg;
using probe::clock_us, probe::fail, probe::last_tick, probe::loop, probe::max_gap, probe::mono_us,
    probe::ok, probe::on_tick, probe::run_for, probe::run_until;

namespace {

EventSource ticker;

std::unique_ptr<PgConn> make(const std::string& url, const std::string& name) {
    ConnOptions o;
    o.conninfo = url;
    o.defaults.application_name = "tend/probe/1/" + name;
    // Generous: on a busy machine (CI builds beside the tests) a backend can take a while.
    o.connect_timeout_us = 5'000'000;
    o.backoff_min_us = 50'000;
    o.backoff_max_us = 200'000;
    auto c = PgConn::create(loop, o, {}, {});
    if (!c) fail(c.error());
    if (auto st = (*c)->start(); !st) fail(st.error());
    return std::move(*c);
}

std::string query(PgConn& c, const std::string& sql, PgConn::Params params = {}) {
    bool done = false;
    StatementResult out;
    c.send(sql, std::move(params), 5'000'000, [&](StatementResult r) {
        out = std::move(r);
        done = true;
    });
    run_until([&] { return done; }, 10'000, sql);
    if (out.outcome != Outcome::ok) fail(sql + ": " + out.message);
    if (!out.rows || PQntuples(out.rows.get()) < 1) return "<none>";
    return PQgetvalue(out.rows.get(), 0, 0);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: tend_pg_host_probe MIGRATED_URL\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    sd_event_default(&loop);
    sd_event_source* t = nullptr;
    sd_event_add_time_relative(loop, &t, CLOCK_MONOTONIC, 10'000, 1000, on_tick, nullptr);
    ticker.reset(t);

    auto control = make(argv[1], "control");
    auto check = make(argv[1], "check");  // the test's own eyes on the database
    HostOptions o;
    o.name = "probe";
    o.pid = getpid();
    o.version = "test";
    o.queues = {"default", "a \"quoted\" queue"};
    o.timing = LeaseTiming{Usec(3'000'000), Usec(1'000'000), Usec(1'000'000)};
    int64_t live_id = 0;
    std::string fence_why;
    uint64_t fenced_at = 0;
    auto host = PgHost::create(
        loop, *control, o, [&](int64_t id) { live_id = id; },
        [&](const std::string& why) {
            fence_why = why;
            fenced_at = clock_us(CLOCK_BOOTTIME);
        });
    if (!host) fail(host.error());
    PgHost& h = **host;
    h.start();

    // 1. Registered, with the queues as a text[]; renewals keep it past the lease.
    run_until([&] { return h.registrations() == 1; }, 20'000, "the first registration");
    const int64_t first = live_id;
    if (first != h.id() || !h.may_claim()) fail("registered but not live");
    if (query(*check, "SELECT queues[2] FROM tend.host WHERE id = $1", {std::to_string(first)}) !=
        "a \"quoted\" queue")
        fail("the queues were not stored as given");
    max_gap = 0;
    run_for(4'000);  // more than the lease
    if (h.fences() != 0) fail("fenced while the database answered: " + fence_why);
    if (h.renewals() < 2) fail("only " + std::to_string(h.renewals()) + " renewals in 4 s");
    if (query(*check, "SELECT lease_until > now() + interval '1 s' FROM tend.host WHERE id = $1",
              {std::to_string(first)}) != "t")
        fail("the lease is not kept ahead");
    ok("lease " + std::to_string(first) + " registered and renewed " +
       std::to_string(h.renewals()) + " times in 4 s, never fenced");

    // 2. The control connection's backend stops: the host fences by its own deadline, before
    // the database's lease ends.
    const int backend = control->backend_pid();
    if (backend <= 0) fail("no backend pid");
    const uint64_t stopped_at = clock_us(CLOCK_BOOTTIME);
    if (kill(backend, SIGSTOP) != 0) fail("cannot stop the backend");
    run_until([&] { return h.fences() == 1; }, 6'000, "the fence after SIGSTOP of the backend");
    const double after_s = (fenced_at - stopped_at) / 1e6;
    const std::string left =
        query(*check, "SELECT extract(epoch FROM lease_until - now()) FROM tend.host WHERE id = $1",
              {std::to_string(first)});
    std::printf(
        "fenced %.3f s after SIGSTOP (lease 3 s, renew 1 s); the database's lease had "
        "%s s left; why: %s\n",
        after_s, left.c_str(), fence_why.c_str());
    if (after_s > 2.0 + 0.5) fail("fenced later than lease - 1 s + 0.5 s");
    if (std::atof(left.c_str()) <= 0) fail("the database's lease ended before the fence");
    if (h.may_claim()) fail("a fenced host may still claim");
    ok("fenced within lease - 1 s of losing the backend, while the database still held the lease");

    // 3. The backend continues (and the connection was reset meanwhile): the old incarnation
    // is retired, a new one registered.
    kill(backend, SIGCONT);
    run_until([&] { return h.registrations() == 2; }, 20'000, "the registration after the fence");
    const int64_t second = live_id;
    if (second == first || !h.may_claim()) fail("not live under a new incarnation");
    if (query(*check, "SELECT lease_until = '-infinity' FROM tend.host WHERE id = $1",
              {std::to_string(first)}) != "t")
        fail("the fenced incarnation was not retired");
    ok("retired lease " + std::to_string(first) + ", registered anew as " + std::to_string(second));

    // 4. An expired lease is never renewed: the next renew finds no row and fences at once.
    run_for(300);
    query(*check, "UPDATE tend.host SET lease_until = now() - interval '1 s' WHERE id = $1",
          {std::to_string(second)});
    run_until([&] { return h.fences() == 2; }, 5'000, "the fence after the lease expired");
    if (fence_why.find("no longer holds") == std::string::npos)
        fail("fenced for the wrong reason: " + fence_why);
    run_until([&] { return h.registrations() == 3; }, 20'000, "the registration after expiry");
    if (query(*check, "SELECT lease_until <= now() FROM tend.host WHERE id = $1",
              {std::to_string(second)}) != "t")
        fail("the expired lease was renewed");
    ok("expired lease " + std::to_string(second) + " fenced, never renewed; now " +
       std::to_string(live_id));

    // 5. A clean stop retires the lease.
    const int64_t third = live_id;
    bool stopped = false;
    h.stop(2'000'000, [&] { stopped = true; });
    run_until([&] { return stopped; }, 5'000, "the retire at stop");
    if (query(*check, "SELECT lease_until = '-infinity' FROM tend.host WHERE id = $1",
              {std::to_string(third)}) != "t")
        fail("a clean stop did not retire the lease");
    ok("a clean stop retired lease " + std::to_string(third));

    const double gap_ms = max_gap / 1000.0;
    std::printf("longest loop gap: %.1f ms\n", gap_ms);
    if (gap_ms > 300) fail("the loop was blocked");
    ok("the 10 ms timer kept firing");
    host->reset();
    control.reset();
    check.reset();
    return 0;
}
