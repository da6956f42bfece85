// [daemon]'s queue store keys (SPEC §9, design postgres.md §10) and [queue.*]
// global_concurrency: every key read, the defaults, the rules between keys, every error.
#include <catch2/catch.hpp>

#include "supervisor/config/queue_store_config.hpp"
#include "tests/unit/config_fixtures.hpp"

using namespace tend;
using namespace tend::test;
using namespace std::chrono_literals;

TEST_CASE("the queue store's defaults are the file store and the design's timings",
          "[config][pg]") {
    auto r = parse("");
    REQUIRE(r.ok());
    const QueueStoreConfig& s = r.config.daemon.store;
    CHECK(s.queue == "file");
    CHECK_FALSE(s.postgres());
    CHECK_FALSE(s.host_name);
    CHECK(s.lease == 15s);
    CHECK(s.renew == 5s);
    CHECK(s.rescue_grace == 5s);
    CHECK(s.poll == 1s);
    CHECK(s.listen == QueueListen::automatic);
    CHECK(s.pooler == QueuePooler::none);
    CHECK(s.migrate == QueueMigrate::automatic);
    CHECK(r.config.queues[0].global_concurrency == 0);
}

TEST_CASE("every queue store key is read", "[config][pg]") {
    auto r = parse(R"([daemon]
queue = "postgresql://db.example.com/tend?sslmode=require"
host_name = "web-1"
queue_lease = "3s"
queue_renew = "1s"
queue_rescue_grace = "1s"
queue_poll = "250ms"
queue_listen = "off"
queue_listen_url = "host=db-direct dbname=tend"
queue_pooler = "transaction"
queue_migrate = "manual"
queue_submit_url = "postgresql://tend_submit@db/tend"
direct_submit_user = "nobody"

[queue.batch]
global_concurrency = 3
)");
    REQUIRE(r.ok());
    const QueueStoreConfig& s = r.config.daemon.store;
    CHECK(s.postgres());
    CHECK(s.queue_pos.line == 2);
    CHECK(*s.host_name == "web-1");
    CHECK(s.lease == 3s);
    CHECK(s.renew == 1s);
    CHECK(s.rescue_grace == 1s);
    CHECK(s.poll == 250ms);
    CHECK(s.listen == QueueListen::off);
    CHECK(*s.listen_url == "host=db-direct dbname=tend");
    CHECK(s.pooler == QueuePooler::transaction);
    CHECK(s.migrate == QueueMigrate::manual);
    CHECK(*s.submit_url == "postgresql://tend_submit@db/tend");
    CHECK(*s.direct_submit_user == "nobody");
    CHECK(r.config.queues[1].global_concurrency == 3);
    CHECK(store_rule_errors(r.config, s).empty());
}

TEST_CASE("queue store keys refuse what cannot work", "[config][pg]") {
    check_cases({
        {"[daemon]\nqueue_lease = \"10s\"\nqueue_renew = \"5s\"\n",
         "t.toml:1:1: [daemon]: queue_lease (10s) must be at least 2 \u00d7 queue_renew + 1s "
         "(11s): one lost renew must not expire the lease"},
        {"[daemon]\nqueue_renew = \"50ms\"\n",
         "t.toml:1:1: [daemon]: queue_renew must be at least 100ms"},
        {"[daemon]\nqueue_poll = \"5ms\"\n",
         "t.toml:1:1: [daemon]: queue_poll must be between 10ms and 1h"},
        {"[daemon]\nqueue = \"mysql://x\"\n",
         "t.toml:2:9: \"queue\" must be \"file\" or a PostgreSQL connection string "
         "(postgresql://HOST/DATABASE or key=value pairs)"},
        {"[daemon]\nqueue = \"postgresql://u:pw@db/x\"\n",
         "t.toml:2:9: \"queue\" contains a password: keep it out of tend.toml (~/.pgpass, "
         "passfile=, peer or certificate authentication)"},
        {"[daemon]\nqueue_submit_url = \"host=db password = x\"\n",
         "t.toml:2:20: \"queue_submit_url\" contains a password: keep it out of tend.toml "
         "(~/.pgpass, passfile=, peer or certificate authentication)"},
        {"[daemon]\nqueue_listen_url = \"file\"\n",
         "t.toml:2:20: \"queue_listen_url\" must be a PostgreSQL connection string "
         "(postgresql://HOST/DATABASE or key=value pairs)"},
        {"[daemon]\nqueue_listen = \"yes\"\n",
         "t.toml:2:16: \"queue_listen\" must be one of \"auto\", \"on\", \"off\""},
        {"[daemon]\nqueue_pooler = \"statement\"\n",
         "t.toml:2:16: \"queue_pooler\" must be one of \"none\", \"transaction\""},
        {"[daemon]\nqueue_migrate = \"never\"\n",
         "t.toml:2:17: \"queue_migrate\" must be one of \"auto\", \"manual\""},
        {"[daemon]\nhost_name = \"a b\"\n",
         "t.toml:2:13: \"host_name\" must be 1 to 64 letters, digits, '-', '_' or '.'"},
        {"[daemon]\ndirect_submit_user = \"-x\"\n",
         "t.toml:2:22: \"direct_submit_user\" must be a user name"},
        {"[daemon]\nqueue_submit_url = \"host=db user=alice\"\n",
         "t.toml:1:1: [daemon]: queue_submit_url needs the PostgreSQL store ([daemon] queue = "
         "\"postgresql://...\"); with the file store a submit while tendd is down goes to the "
         "spool"},
        {"[daemon]\ndirect_submit_user = \"nobody\"\n",
         "t.toml:1:1: [daemon]: direct_submit_user needs the PostgreSQL store ([daemon] queue = "
         "\"postgresql://...\"): only its jobs can be submitted directly"},
        {"[daemon]\nqueue = \"host=db\"\nqueue_pooler = \"transaction\"\nqueue_listen = \"on\"\n",
         "t.toml:1:1: [daemon]: queue_listen = \"on\" with queue_pooler = \"transaction\" needs "
         "queue_listen_url (a direct connection: LISTEN does not work through a transaction "
         "pooler)"},
        {"[queue.q]\nglobal_concurrency = 0\n",
         "t.toml:2:22: \"global_concurrency\" must be between 1 and 100000"},
    });
}

TEST_CASE("global_concurrency is an error with the file store", "[config][pg]") {
    auto r = parse("[queue.q]\nglobal_concurrency = 2\n");
    REQUIRE(r.ok());
    auto e = store_rule_errors(r.config, r.config.daemon.store);
    REQUIRE(e.size() == 1);
    CHECK(e[0] ==
          "t.toml:1:1: [queue.q] global_concurrency needs the PostgreSQL store ([daemon] queue = "
          "\"postgresql://...\"); with the file store, concurrency is the limit");
}
