// The pure parts of LISTEN/NOTIFY wake-ups: payloads, the trailing-edge debounce, fairness.
#include <catch2/catch.hpp>

#include "queue/pg/pg_model_listen.hpp"

using namespace tend::pg;

TEST_CASE("cancel payloads round-trip and refuse junk", "[pg][listen]") {
    CHECK(cancel_payload(7, 42) == "7:42");
    auto p = parse_cancel_payload("7:42");
    REQUIRE(p);
    CHECK(p->first == 7);
    CHECK(p->second == 42);
    for (const char* bad : {"", ":", "7:", ":42", "7:42x", "-1:2", "a:b", "7 :42", "7:+4",
                            "99999999999999999999:1", "1:2:3"})
        CHECK_FALSE(parse_cancel_payload(bad));
}

TEST_CASE("the self-test recognises only its own nonce and host", "[pg][listen]") {
    const auto p = selftest_payload(3, 99);
    CHECK(is_selftest_reply(p, 3, 99));
    CHECK_FALSE(is_selftest_reply(p, 4, 99));
    CHECK_FALSE(is_selftest_reply(p, 3, 98));
    CHECK_FALSE(is_selftest_reply("selftest:3:99x", 3, 99));
}

TEST_CASE("the debounce sends the first at once and merges the rest to the trailing edge",
          "[pg][listen]") {
    NotifyDebounce d(20'000);
    const NotifyDebounce::Key a{"tend_jobs", "a"}, b{"tend_jobs", "b"};
    CHECK(d.request(a, 1'000'000));        // leading edge
    CHECK_FALSE(d.request(a, 1'005'000));  // inside the window: merged
    CHECK_FALSE(d.request(a, 1'010'000));  // merged again: still one
    CHECK(d.request(b, 1'010'000));        // another payload has its own window
    REQUIRE(d.next_due());
    CHECK(*d.next_due() == 1'020'000);
    CHECK(d.due(1'019'999).empty());
    auto due = d.due(1'020'000);
    REQUIRE(due.size() == 1);
    CHECK(due[0] == a);
    CHECK_FALSE(d.next_due());
    // The trailing send started a new window.
    CHECK_FALSE(d.request(a, 1'030'000));
    CHECK(d.due(1'040'000).size() == 1);
    // After a quiet window, the next request goes out at once.
    CHECK(d.request(a, 2'000'000));
}

TEST_CASE("the debounce stays bounded", "[pg][listen]") {
    NotifyDebounce d(20'000, 4);
    for (int i = 0; i < 4; ++i) CHECK(d.request({"c", std::to_string(i)}, 0));
    for (int i = 0; i < 4; ++i) CHECK_FALSE(d.request({"c", std::to_string(i)}, 1));
    // Every remembered key is pending: a new one is sent at once, not remembered.
    CHECK(d.request({"c", "new"}, 2));
    CHECK(d.size() == 4);
    CHECK(d.due(20'001).size() == 4);
    // Now idle past their window: they are forgotten to make room.
    CHECK(d.request({"c", "later"}, 100'000));
    CHECK(d.size() == 1);
}

TEST_CASE("fairness: hosts at or above their share of a global limit wait", "[pg][fair]") {
    CHECK(fair_share(3, 3) == 1);
    CHECK(fair_share(3, 2) == 2);
    CHECK(fair_share(4, 3) == 2);
    CHECK(fair_share(3, 0) == 3);  // no live host counted yet: this one
    CHECK(fair_share(10, 1) == 10);
    CHECK_FALSE(claim_waits(0, 3, 3));
    CHECK(claim_waits(1, 3, 3));
    CHECK(claim_waits(2, 3, 3));
    CHECK_FALSE(claim_waits(1, 3, 2));
    CHECK(claim_waits(2, 3, 2));
    CHECK_FALSE(claim_waits(5, 0, 3));  // no global limit: never waits
}
