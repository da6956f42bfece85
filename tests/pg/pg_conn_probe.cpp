// Drives queue/pg/pg_conn against a real server (run by tests/integration/test_pg_conn.sh,
// which starts the server): connect by host name, pipelined statements, an error that aborts
// only its statement, NOTIFY, a killed backend and the reconnect, a stopped backend (client
// deadline: ambiguous) and a stopped postmaster (connect timeout), while a 10 ms timer on the
// same loop measures the longest gap between its ticks: the loop must never block.
// Then the host lease's statements (queue/pg/pg_model_lease.hpp) on a migrated database.
// Usage (both first URLs name one database): tend_pg_probe URL_BY_HOST_NAME URL_BY_SOCKET
// POSTMASTER_PID MIGRATED_URL. Prints "ok: ..." per check, "FAIL: ..." and exits 1 at the first
// failure.
#include <signal.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "queue/pg/pg_conn.hpp"
#include "queue/pg/pg_model_lease.hpp"
#include "tests/pg/probe_loop.hpp"

using namespace tend;
using namespace tend::pg;
using probe::clock_us, probe::fail, probe::last_tick, probe::loop, probe::max_gap, probe::mono_us,
    probe::ok, probe::on_tick, probe::run_for, probe::run_until;

namespace {

EventSource ticker;

std::unique_ptr<PgConn> make(const std::string& url, const std::string& name,
                             PgConn::OnNotify notify = {}) {
    ConnOptions o;
    o.conninfo = url;
    o.defaults.application_name = "tend/probe/1/" + name;
    o.connect_timeout_us = 1'000'000;
    o.backoff_min_us = 50'000;
    o.backoff_max_us = 400'000;
    auto c = PgConn::create(loop, o, std::move(notify), {});
    if (!c) fail(c.error());
    if (auto st = (*c)->start(); !st) fail(st.error());
    return std::move(*c);
}

// send and wait for its result.
StatementResult exec(PgConn& c, const std::string& sql, PgConn::Params params = {},
                     uint64_t timeout_us = 5'000'000) {
    bool done = false;
    StatementResult out;
    c.send(sql, std::move(params), timeout_us, [&](StatementResult r) {
        out = std::move(r);
        done = true;
    });
    run_until([&] { return done; }, 10'000, sql);
    return out;
}

// send_prepared and wait for its result.
StatementResult exec_prepared(PgConn& c, const std::string& sql, PgConn::Params params = {}) {
    bool done = false;
    StatementResult out;
    c.send_prepared(sql, std::move(params), 5'000'000, [&](StatementResult r) {
        out = std::move(r);
        done = true;
    });
    run_until([&] { return done; }, 10'000, sql);
    return out;
}

// How many statements the server holds prepared for this connection.
std::string prepared_count(PgConn& c) {
    bool done = false;
    StatementResult out;
    c.send("SELECT count(*) FROM pg_prepared_statements", {}, 5'000'000, [&](StatementResult r) {
        out = std::move(r);
        done = true;
    });
    run_until([&] { return done; }, 10'000, "pg_prepared_statements");
    return out.outcome == Outcome::ok && out.rows && PQntuples(out.rows.get()) == 1
               ? PQgetvalue(out.rows.get(), 0, 0)
               : "<none>";
}

std::string value(const StatementResult& r) {
    if (r.outcome != Outcome::ok || !r.rows || PQntuples(r.rows.get()) < 1) return "<none>";
    return PQgetvalue(r.rows.get(), 0, 0);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(
            stderr,
            "usage: tend_pg_probe URL_BY_HOST_NAME URL_BY_SOCKET POSTMASTER_PID MIGRATED_URL\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    const pid_t postmaster = std::atoi(argv[3]);
    sd_event_default(&loop);
    sd_event_source* t = nullptr;
    sd_event_add_time_relative(loop, &t, CLOCK_MONOTONIC, 10'000, 1000, on_tick, nullptr);
    ticker.reset(t);

    // 1. By host name: resolved with getaddrinfo_a, connected with hostaddr.
    uint64_t t0 = mono_us();
    auto a = make(argv[1], "a");
    run_until([&] { return a->up(); }, 10'000, "a connection by host name");
    ok("connected by host name in " + std::to_string((mono_us() - t0) / 1000) + " ms");

    // 2. 200 statements in one pipeline, answered in order.
    t0 = mono_us();
    int answered = 0;
    bool in_order = true;
    for (int i = 0; i < 200; ++i)
        a->send("SELECT $1::int + 1", {std::to_string(i)}, 5'000'000, [&, i](StatementResult r) {
            if (value(r) != std::to_string(i + 1) || answered != i) in_order = false;
            ++answered;
        });
    run_until([&] { return answered == 200; }, 10'000, "200 pipelined statements");
    if (!in_order) fail("pipelined answers out of order or wrong");
    ok("200 pipelined statements answered in order in " + std::to_string((mono_us() - t0) / 1000) +
       " ms");

    // 3. An error aborts only its own statement (one sync per statement).
    Outcome o1 = Outcome::not_sent, o2 = Outcome::not_sent;
    std::string state1;
    a->send("SELECT 1/0", {}, 5'000'000, [&](StatementResult r) {
        o1 = r.outcome;
        state1 = r.sqlstate;
    });
    a->send("SELECT 2", {}, 5'000'000, [&](StatementResult r) { o2 = r.outcome; });
    run_until([&] { return o2 != Outcome::not_sent; }, 10'000, "an error then a statement");
    if (o1 != Outcome::error || state1 != "22012" || o2 != Outcome::ok)
        fail(std::string("error isolation: ") + outcome_name(o1) + " " + state1 + ", then " +
             outcome_name(o2));
    ok("division by zero is error 22012; the next statement still runs");

    // 3b. Prepared statements: prepared once in the pipeline of their first run, then run by
    // name; a text whose Parse fails is that statement's error and is prepared again next
    // time; a pipeline of runs of one new text prepares it once.
    const std::string twice = "SELECT $1::int * 2";
    if (value(exec_prepared(*a, twice, {"21"})) != "42" ||
        value(exec_prepared(*a, twice, {"5"})) != "10")
        fail("a prepared statement run twice");
    if (prepared_count(*a) != "1") fail("prepared statements held: " + prepared_count(*a));
    auto bad = exec_prepared(*a, "SELECT FROM WHERE $1::int");
    if (bad.outcome != Outcome::error || bad.sqlstate != "42601")
        fail("a statement that does not parse: " + std::string(outcome_name(bad.outcome)) + " " +
             bad.sqlstate + " " + bad.message);
    if (value(exec_prepared(*a, twice, {"4"})) != "8") fail("a prepared statement after an error");
    int runs = 0;
    bool right = true;
    const std::string plus = "SELECT $1::int + 100";
    for (int i = 0; i < 20; ++i)
        a->send_prepared(plus, {std::to_string(i)}, 5'000'000, [&, i](StatementResult r) {
            right = right && value(r) == std::to_string(i + 100);
            ++runs;
        });
    run_until([&] { return runs == 20; }, 10'000, "20 pipelined runs of a new text");
    if (!right) fail("pipelined runs of a prepared statement answered wrong");
    if (prepared_count(*a) != "2") fail("prepared statements held: " + prepared_count(*a));
    int refused = 0;
    for (int i = 0; i < 5; ++i)
        a->send_prepared("SELECT $1::int FROM no_such_table", {"1"}, 5'000'000,
                         [&](StatementResult r) { refused += r.outcome == Outcome::error; });
    run_until([&] { return refused == 5; }, 10'000, "5 runs of a text whose Parse fails");
    if (value(exec_prepared(*a, "SELECT $1::int - 1", {"1"})) != "0" || prepared_count(*a) != "3")
        fail("a Parse error turned prepared statements off: " + prepared_count(*a));
    ok("prepared statements: run by name, a Parse error is the statement's (42601), 20 "
       "pipelined runs of a new text prepared it once, 5 behind a failed Parse all refused");

    // 3c. A prepared statement the server lost (as behind a transaction pooler, here by
    // DEALLOCATE ALL): the run is sent again unnamed and answers; the connection prepares
    // nothing from then on.
    auto b = make(argv[2], "b");
    run_until([&] { return b->up(); }, 10'000, "a second connection");
    if (value(exec_prepared(*b, twice, {"1"})) != "2" || prepared_count(*b) != "1")
        fail("prepared on the second connection");
    if (exec(*b, "DEALLOCATE ALL").outcome != Outcome::ok) fail("DEALLOCATE ALL");
    const std::string lost = value(exec_prepared(*b, twice, {"3"}));
    if (lost != "6") fail("a run of a lost statement: " + lost);
    if (value(exec_prepared(*b, "SELECT $1::int", {"7"})) != "7" || prepared_count(*b) != "0")
        fail("prepared statements still made after one was lost: " + prepared_count(*b));
    b.reset();
    ok("a statement the server lost: sent again unnamed (right answer), nothing prepared since");

    // 4. LISTEN on one connection, NOTIFY from another; the notification names its sender.
    std::string heard;
    int heard_from = 0;
    auto listener =
        make(argv[2], "listen", [&](const std::string& ch, const std::string& payload, int sender) {
            heard = ch + ":" + payload;
            heard_from = sender;
        });
    run_until([&] { return listener->up(); }, 10'000, "a connection by socket");
    if (exec(*listener, "LISTEN tend_test").outcome != Outcome::ok) fail("LISTEN");
    if (exec(*a, "SELECT pg_notify('tend_test', $1)", {"hello"}).outcome != Outcome::ok)
        fail("NOTIFY");
    run_until([&] { return !heard.empty(); }, 5'000, "the notification");
    if (heard != "tend_test:hello") fail("heard " + heard);
    if (heard_from != a->backend_pid())
        fail("the notification came from " + std::to_string(heard_from) + ", not " +
             std::to_string(a->backend_pid()));
    ok("notification received: " + heard + " from the sender's server process");

    // 5. pg_terminate_backend: the connection notices and reconnects by itself.
    const int pid_a = a->backend_pid();
    if (value(exec(*listener, "SELECT pg_terminate_backend($1)", {std::to_string(pid_a)})) != "t")
        fail("pg_terminate_backend");
    run_until([&] { return a->connects() == 2 && a->up(); }, 10'000,
              "the reconnect after the kill");
    if (value(exec(*a, "SELECT 41 + 1")) != "42") fail("a statement after the reconnect");
    if (value(exec_prepared(*a, twice, {"50"})) != "100")
        fail("a prepared statement after the reconnect");
    ok("backend " + std::to_string(pid_a) + " killed; reconnected as " +
       std::to_string(a->backend_pid()));

    // 6. A stopped backend: the statement's client deadline closes the connection and makes it
    // ambiguous; the loop keeps ticking.
    max_gap = 0;
    const int pid_b = a->backend_pid();
    kill(pid_b, SIGSTOP);
    t0 = mono_us();
    auto r = exec(*a, "SELECT 1", {}, 500'000);
    const uint64_t waited = (mono_us() - t0) / 1000;
    if (r.outcome != Outcome::ambiguous)
        fail(std::string("stopped backend: ") + outcome_name(r.outcome));
    if (waited < 450 || waited > 3000) fail("deadline took " + std::to_string(waited) + " ms");
    ok("statement to a stopped backend: ambiguous after " + std::to_string(waited) + " ms");
    run_until([&] { return a->up(); }, 10'000, "a new backend");
    kill(pid_b, SIGCONT);

    // 7. A stopped postmaster: connects hang in the startup packet; the connect timeout ends
    // each attempt while the loop runs on. A host name that does not resolve, meanwhile.
    kill(postmaster, SIGSTOP);
    auto unresolvable = make("postgresql://tend@no-such-host.invalid/postgres", "nowhere");
    a->reset("test: postmaster stopped");
    const unsigned before = a->connects();
    StatementResult while_down = exec(*a, "SELECT 1");
    run_for(2500);
    kill(postmaster, SIGCONT);
    if (while_down.outcome != Outcome::not_sent)
        fail("a statement while down was not refused at once");
    if (a->connects() != before) fail("connected to a stopped postmaster?");
    if (unresolvable->up()) fail("connected to no-such-host.invalid?");
    ok("postmaster stopped 2.5 s: not connected, statements refused at once");
    run_until([&] { return a->up(); }, 10'000, "the reconnect after SIGCONT");
    if (value(exec(*a, "SELECT 'back'")) != "back") fail("a statement after SIGCONT");
    ok("reconnected after the postmaster continued (" + std::to_string(a->connects()) +
       " connects in all)");

    const double gap_ms = max_gap / 1000.0;
    std::printf("longest loop gap while stalled: %.1f ms\n", gap_ms);
    if (gap_ms > 300) fail("the loop was blocked");
    ok("the 10 ms timer kept firing");

    // 8. The lease statements: register, renew, an expired lease is never renewed, retire.
    auto control = make(argv[4], "control");
    run_until([&] { return control->up(); }, 10'000, "the control connection");
    HostLease lease(LeaseTiming{});
    const std::string lease_len = interval_param(Usec(15'000'000));
    auto reg = exec(*control, std::string(host_register_sql),
                    {"probe", std::to_string(getpid()), "test", lease_len, "{default,batch}"});
    if (value(reg) == "<none>") fail("host_register: " + reg.message);
    lease.registered(std::stoll(value(reg)), Usec(0));
    lease.renew_sent(Usec(1'000'000));
    auto ren = exec(*control, std::string(host_renew_sql), {std::to_string(lease.id()), lease_len});
    if (ren.outcome != Outcome::ok || PQntuples(ren.rows.get()) != 1)
        fail("host_renew: " + ren.message);
    lease.renewed();
    if (lease.deadline() != Usec(15'000'000)) fail("deadline after a renew");
    exec(*control, "UPDATE tend.host SET lease_until = now() - interval '1 second' WHERE id = $1",
         {std::to_string(lease.id())});
    lease.renew_sent(Usec(2'000'000));
    ren = exec(*control, std::string(host_renew_sql), {std::to_string(lease.id()), lease_len});
    if (ren.outcome != Outcome::ok || PQntuples(ren.rows.get()) != 0)
        fail("an expired lease was renewed");
    lease.lost();
    if (!lease.must_fence(Usec(2'000'000))) fail("a lost lease does not fence");
    auto ret = exec(*control, std::string(host_retire_sql), {std::to_string(lease.id())});
    if (ret.outcome != Outcome::ok) fail("host_retire: " + ret.message);
    if (value(exec(*control, "SELECT lease_until = '-infinity' FROM tend.host WHERE id = $1",
                   {std::to_string(lease.id())})) != "t")
        fail("host_retire did not end the lease");
    ok("lease " + std::to_string(lease.id()) + ": registered, renewed, expired for good, retired");
    return 0;
}
