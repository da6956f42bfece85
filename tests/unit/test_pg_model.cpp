// The pure parts of the PostgreSQL connection and schema: parameters, host plans, redaction,
// reconnect backoff, the statement FIFO, migration plans and the newer-schema refusal.
#include <catch2/catch.hpp>

#include <algorithm>

#include "queue/pg/pg_model.hpp"
#include "queue/pg/pg_model_lease.hpp"
#include "queue/pg/pg_schema.hpp"

using namespace tend;
using namespace tend::pg;

namespace {
std::string value_of(const std::vector<Param>& ps, const std::string& key) {
    std::string v = "<absent>";
    for (const Param& p : ps)
        if (p.first == key) v = p.second;  // the last one wins, as in libpq
    return v;
}
}  // namespace

TEST_CASE("connect_params adds defaults the user did not set", "[pg]") {
    ConnDefaults d;
    d.application_name = "tend/h1/7/work";
    auto ps = connect_params({{"host", "db"}, {"dbname", "jobs"}}, d);
    CHECK(value_of(ps, "host") == "db");
    CHECK(value_of(ps, "application_name") == "tend/h1/7/work");
    CHECK(value_of(ps, "gssencmode") == "disable");
    CHECK(value_of(ps, "keepalives") == "1");
    CHECK(value_of(ps, "tcp_user_timeout") == "10000");
    // The user's own choices win, except application_name (tendd finds its backends by it).
    ps = connect_params(
        {{"gssencmode", "require"}, {"keepalives_idle", "60"}, {"application_name", "mine"}}, d);
    CHECK(value_of(ps, "gssencmode") == "require");
    CHECK(value_of(ps, "keepalives_idle") == "60");
    CHECK(value_of(ps, "application_name") == "tend/h1/7/work");
    CHECK(std::count_if(ps.begin(), ps.end(),
                        [](const Param& p) { return p.first == "gssencmode"; }) == 1);
}

TEST_CASE("only host names are looked up", "[pg]") {
    CHECK(needs_lookup("db.example.com"));
    CHECK(needs_lookup("localhost"));
    CHECK_FALSE(needs_lookup("127.0.0.1"));
    CHECK_FALSE(needs_lookup("::1"));
    CHECK_FALSE(needs_lookup("/run/postgresql"));
    CHECK_FALSE(needs_lookup("@abstract"));
    CHECK_FALSE(needs_lookup(""));
    CHECK(split_list("a,,b") == std::vector<std::string>{"a", "", "b"});
    CHECK(split_list("").empty());
}

TEST_CASE("plan_hosts gives libpq an address for every name", "[pg]") {
    auto plan = plan_hosts({{"db", "", {"10.0.0.1", "10.0.0.2"}}, {"/run/pg", "", {}}});
    REQUIRE(plan);
    CHECK(plan->host == "db,db,/run/pg");
    CHECK(plan->hostaddr == "10.0.0.1,10.0.0.2,");
    CHECK(plan->port.empty());
    // Per-host ports follow their host's addresses.
    plan = plan_hosts({{"a", "5433", {"10.0.0.1", "10.0.0.2"}}, {"b", "5434", {"10.0.0.3"}}});
    REQUIRE(plan);
    CHECK(plan->port == "5433,5433,5434");
    // A name that did not resolve is left out; nothing left: nothing to connect to.
    plan = plan_hosts({{"gone", "", {}}, {"b", "", {"::1"}}});
    REQUIRE(plan);
    CHECK(plan->host == "b");
    CHECK(plan->hostaddr == "::1");
    CHECK_FALSE(plan_hosts({{"gone", "", {}}}));
    // Only sockets: no hostaddr at all.
    plan = plan_hosts({{"/tmp/x", "", {}}});
    REQUIRE(plan);
    CHECK(plan->hostaddr.empty());
}

TEST_CASE("passwords never reach a log line", "[pg]") {
    CHECK(redact("postgresql://tend:s3cret@db:5432/jobs") == "postgresql://tend:***@db:5432/jobs");
    CHECK(redact("postgres://tend@db/jobs?password=s3cret&sslmode=require") ==
          "postgres://tend@db/jobs?password=***&sslmode=require");
    CHECK(redact("postgresql:///jobs?host=/tmp&user=tend") ==
          "postgresql:///jobs?host=/tmp&user=tend");
    CHECK(redact("host=db password=s3cret user=tend") == "host=db password=*** user=tend");
    CHECK(redact("host=db password = 'it\\'s a \\\\ secret' user=tend") ==
          "host=db password = *** user=tend");
    CHECK(redact("passfile=/x host=db") == "passfile=/x host=db");
}

TEST_CASE("reconnect backoff doubles, is capped, and resets", "[pg]") {
    Backoff b(100'000, 1'000'000);
    CHECK(b.next(0.999) == Approx(100'000).epsilon(0.01));
    CHECK(b.next(0.999) == Approx(200'000).epsilon(0.01));
    CHECK(b.next(0.0) == 200'000);  // 400 ms at the low end of the jitter
    for (int i = 0; i < 40; ++i) CHECK(b.next(0.999) <= 1'000'000);
    b.reset();
    CHECK(b.next(0.999) == Approx(100'000).epsilon(0.01));
}

TEST_CASE("the statement FIFO keeps order and finds the earliest deadline", "[pg]") {
    StatementFifo<std::string> f;
    CHECK_FALSE(f.earliest_deadline());
    CHECK_FALSE(f.expired(1'000'000'000));
    f.push(300, "slow read");
    f.push(100, "renew");
    f.push(200, "claim");
    CHECK(*f.earliest_deadline() == 100);
    CHECK_FALSE(f.expired(99));
    CHECK(f.expired(100));
    CHECK(f.pop_front().payload == "slow read");
    auto rest = f.take_all();
    REQUIRE(rest.size() == 2);
    CHECK(rest[0].payload == "renew");
    CHECK(rest[1].seq == 3);
    CHECK(f.empty());
}

TEST_CASE("migration plans go up to max_schema and refuse a newer schema", "[pg]") {
    const auto all = embedded_migrations();
    REQUIRE(!all.empty());
    CHECK(all.front().version == 1);
    CHECK(all.back().version == max_schema);
    CHECK(all.front().sql.find("CREATE FUNCTION tend.submit") != std::string_view::npos);
    auto plan = migration_plan(0, all);
    REQUIRE(plan);
    CHECK(plan->size() == static_cast<size_t>(max_schema));
    plan = migration_plan(max_schema, all);
    REQUIRE(plan);
    CHECK(plan->empty());
    auto newer = migration_plan(max_schema + 2, all);
    REQUIRE_FALSE(newer);
    CHECK(newer.error() == "database schema " + std::to_string(max_schema + 2) +
                               " is newer than this tend understands (1\u2013" +
                               std::to_string(max_schema) + "); upgrade tend");
    // A build missing a step refuses instead of skipping it.
    CHECK_FALSE(migration_plan(0, {}));
}

TEST_CASE("a migration runs in one transaction under the migrate lock", "[pg]") {
    const Migration m{1, "0001_x", "CREATE TABLE tend.x ();"};
    const std::string s = migration_script(m, "o'brien@h");
    CHECK(s.find("BEGIN;\nSELECT pg_advisory_xact_lock(hashtext('tend.migrate'));\nCREATE TABLE") !=
          std::string::npos);
    CHECK(s.find("VALUES (1, 'o''brien@h');\nCOMMIT;\n") != std::string::npos);
}

TEST_CASE("the host lease renews, fences at its deadline and when lost", "[pg]") {
    using std::chrono::seconds;
    HostLease l(LeaseTiming{seconds(15), seconds(5), seconds(5)});
    CHECK(l.state() == HostLease::State::unregistered);
    CHECK_FALSE(l.must_fence(seconds(1000)));  // nothing to fence before registering
    l.registered(7, seconds(100));
    CHECK(l.id() == 7);
    CHECK(l.next_renew() == seconds(105));
    CHECK(l.deadline() == seconds(114));  // sent + lease - 1 s
    CHECK_FALSE(l.must_fence(seconds(113)));
    CHECK(l.must_fence(seconds(114)));
    // A renew counts from when it was sent, not when it was answered.
    l.renew_sent(seconds(105));
    l.renewed();
    CHECK(l.deadline() == seconds(119));
    CHECK(l.next_renew() == seconds(110));
    // A failed renew (no answer) leaves the deadline where it was.
    l.renew_sent(seconds(110));
    CHECK(l.deadline() == seconds(119));
    CHECK(l.must_fence(seconds(119)));
    // Lost (0 rows): fence now, whatever the deadline says.
    l.renew_sent(seconds(111));
    l.lost();
    CHECK(l.must_fence(seconds(111)));
    l.fenced();
    CHECK(l.state() == HostLease::State::fenced);
    CHECK_FALSE(l.must_fence(seconds(200)));
    l.retired();
    l.registered(8, seconds(300));
    CHECK_FALSE(l.must_fence(seconds(300)));
    CHECK(l.failover_bound() == seconds(21));
}

TEST_CASE("the watchdog must be shorter than the lease", "[pg]") {
    using std::chrono::seconds;
    const LeaseTiming defaults{seconds(15), seconds(5), seconds(5)};
    CHECK_FALSE(watchdog_conflict(seconds(10), defaults));
    CHECK_FALSE(watchdog_conflict(Usec(0), defaults));  // no watchdog configured
    auto c = watchdog_conflict(seconds(30), defaults);  // the shipped unit's WatchdogSec=30s
    REQUIRE(c);
    CHECK(c->find("WatchdogSec=30s") != std::string::npos);
    CHECK(c->find("(36s) must be under queue_lease + queue_rescue_grace (20s)") !=
          std::string::npos);
    CHECK(watchdog_conflict(seconds(14), defaults));  // equal is not under
    CHECK(interval_param(seconds(15)) == "15000000 microseconds");
}

TEST_CASE("a host's queues become a text[] literal that quotes every element", "[pg]") {
    CHECK(text_array_param({}) == "{}");
    CHECK(text_array_param({"default", "batch"}) == R"({"default","batch"})");
    // Commas, braces, quotes, backslashes and NULL-looking names stay one element each.
    CHECK(text_array_param({"a,b", "{c}", R"(d"e\f)", "NULL"}) ==
          R"({"a,b","{c}","d\"e\\f","NULL"})");
}

TEST_CASE("libpq's messages become one line", "[pg]") {
    CHECK(one_line("connection failed: No such file\n\tIs the server running?\n") ==
          "connection failed: No such file Is the server running?");
    CHECK(one_line("") == "");
}

TEST_CASE("looked-up addresses go to their host entries", "[pg]") {
    const std::vector<Param> given = {
        {"host", "db,/run/pg,10.0.0.9,db2"}, {"port", "5432,5433,5434,5435"}, {"dbname", "jobs"}};
    auto hosts = resolved_hosts(given, {{"10.0.0.1", "10.0.0.2"}, {}});
    REQUIRE(hosts.size() == 4);
    CHECK(hosts[0].addrs == std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
    CHECK(hosts[1].port == "5433");
    CHECK(hosts[3].addrs.empty());  // db2 did not resolve: left out of the plan
    auto plan = plan_hosts(hosts);
    REQUIRE(plan);
    CHECK(plan->host == "db,db,/run/pg,10.0.0.9");
    CHECK(plan->port == "5432,5432,5433,5434");
    auto params = with_plan(given, *plan);
    CHECK(value_of(params, "host") == "db,db,/run/pg,10.0.0.9");
    CHECK(value_of(params, "hostaddr") == "10.0.0.1,10.0.0.2,,");
    CHECK(value_of(params, "port") == "5432,5432,5433,5434");
    CHECK(value_of(params, "dbname") == "jobs");
    CHECK(std::count_if(params.begin(), params.end(),
                        [](const Param& p) { return p.first == "port"; }) == 1);
}
