// [queue.*] and [daemon] max_running_jobs (SPEC §3): every key, the default queue, every error.
#include <catch2/catch.hpp>

#include "tests/unit/config_fixtures.hpp"

using namespace tend;
using namespace tend::test;
using namespace std::chrono_literals;

TEST_CASE("every [queue.*] key is read", "[config][queue]") {
    auto r = parse(R"([daemon]
max_running_jobs = 3

[queue.mail]
concurrency = 4
max_pending = 500
max_attempts = 5
retry_delay = "2s"
retry_delay_max = "10m"
timeout = "30s"
stop_timeout = "5s"
weight = 3
keep = "2d"
output_max_size = "1MB"
)");
    REQUIRE(r.ok());
    CHECK(r.config.daemon.max_running_jobs == 3);
    // "default" always exists, ahead of the configured ones.
    REQUIRE(r.config.queues.size() == 2);
    CHECK(r.config.queues[0].name == "default");
    CHECK(r.config.queues[0].concurrency == 0);  // the daemon makes it the CPU count
    CHECK(r.config.queues[0].max_attempts == 1);
    const QueueConfig& q = r.config.queues[1];
    CHECK(q.name == "mail");
    CHECK(q.pos.line == 4);
    CHECK(q.concurrency == 4);
    CHECK(q.max_pending == 500);
    CHECK(q.max_attempts == 5);
    CHECK(q.retry_delay == 2s);
    CHECK(q.retry_delay_max == 10min);
    CHECK(q.timeout == 30s);
    CHECK(q.stop_timeout == 5s);
    CHECK(q.weight == 3);
    CHECK(q.keep == 48h);
    CHECK(q.output_max == 1u << 20);
}

TEST_CASE("a configured default queue is not duplicated, and file order is kept",
          "[config][queue]") {
    auto r = parse("[queue.b]\n[queue.default]\nconcurrency = 7\n[queue.a]\n");
    REQUIRE(r.ok());
    REQUIRE(r.config.queues.size() == 3);
    CHECK(r.config.queues[0].name == "b");
    CHECK(r.config.queues[1].name == "default");
    CHECK(r.config.queues[1].concurrency == 7);
    CHECK(r.config.queues[2].name == "a");
}

TEST_CASE("no [queue.*] at all still gives the default queue", "[config][queue]") {
    auto r = parse("");
    REQUIRE(r.ok());
    REQUIRE(r.config.queues.size() == 1);
    CHECK(r.config.queues[0].name == "default");
}

TEST_CASE("[queue.*] errors name the file, line and column", "[config][queue]") {
    check_cases({
        {"[queue.q]\nconcurency = 2\n", "t.toml:2:1: unknown key \"concurency\" in [queue.q]"},
        {"[queue.q]\nconcurrency = 0\n",
         "t.toml:2:15: \"concurrency\" must be between 1 and 100000"},
        {"[queue.q]\nconcurrency = \"2\"\n", "t.toml:2:15: \"concurrency\" must be an integer"},
        {"[queue.q]\nmax_pending = 0\n",
         "t.toml:2:15: \"max_pending\" must be between 1 and 100000000"},
        {"[queue.q]\nmax_attempts = -1\n",
         "t.toml:2:16: \"max_attempts\" must be between 1 and 1000000"},
        {"[queue.q]\nweight = 0\n", "t.toml:2:10: \"weight\" must be between 1 and 1000"},
        {"[queue.q]\nretry_delay = \"soon\"\n",
         "t.toml:2:15: \"retry_delay\": " + parse_duration("soon").error()},
        {"[queue.q]\nretry_delay = \"2h\"\nretry_delay_max = \"1h\"\n",
         "t.toml:1:1: [queue.q]: retry_delay is larger than retry_delay_max"},
        {"[queue.q]\noutput_max_size = \"lots\"\n",
         "t.toml:2:19: \"output_max_size\": " + parse_size("lots").error()},
        {"[queue]\nq = 1\n", "t.toml:2:5: \"queue.q\" must be a table"},
        {"[queue.\"bad name\"]\n",
         "t.toml:1:1: invalid queue name \"bad name\": use letters, digits, '-', '_' and '.', at "
         "most 64"},
        {"[daemon]\nmax_running_jobs = -1\n",
         "t.toml:2:20: \"max_running_jobs\" must be between 0 and 100000"},
    });
}
