// ClientBudget: connections per uid, the reserved pool, and the global bound on client memory.
#include <catch2/catch.hpp>

#include "supervisor/core/client_budget.hpp"

using namespace tend;

namespace {
ClientLimits small() {
    ClientLimits l;
    l.per_uid = 3;
    l.unprivileged_total = 5;
    l.privileged_total = 2;
    l.memory_max = 1000;
    l.memory_reserved = 200;
    return l;
}
}  // namespace

TEST_CASE("one user gets at most per_uid connections") {
    ClientBudget b(small());
    for (int i = 0; i < 3; ++i) REQUIRE_FALSE(b.admit(1000, false));
    auto r = b.admit(1000, false);
    REQUIRE(r);
    CHECK(r->find("too many connections from this user (3)") != std::string::npos);
    CHECK(b.connections(1000) == 3);
    // Another user still gets its share.
    REQUIRE_FALSE(b.admit(1001, false));
    CHECK(b.unprivileged_connections() == 4);
    // One closes: room again.
    b.leave(1000, false);
    REQUIRE_FALSE(b.admit(1000, false));
}

TEST_CASE("unprivileged users together are bounded; the privileged pool stays free") {
    ClientBudget b(small());
    for (int i = 0; i < 3; ++i) REQUIRE_FALSE(b.admit(1000, false));
    for (int i = 0; i < 2; ++i) REQUIRE_FALSE(b.admit(1001, false));
    auto r = b.admit(1002, false);
    REQUIRE(r);
    CHECK(r->find("too many clients connected (5)") != std::string::npos);
    CHECK(b.connections(1002) == 0);
    // Root (and any privileged peer) is unaffected.
    REQUIRE_FALSE(b.admit(0, true));
    REQUIRE_FALSE(b.admit(0, true));
    auto p = b.admit(0, true);
    REQUIRE(p);
    CHECK(p->find("privileged") != std::string::npos);
    // The privileged pool being full takes nothing from the others.
    b.leave(1001, false);
    REQUIRE_FALSE(b.admit(1002, false));
    CHECK(b.privileged_connections() == 2);
    b.leave(0, true);
    CHECK(b.privileged_connections() == 1);
}

TEST_CASE("leave of a uid that holds nothing changes nothing") {
    ClientBudget b(small());
    b.leave(42, false);
    b.leave(0, true);
    CHECK(b.unprivileged_connections() == 0);
    CHECK(b.privileged_connections() == 0);
    REQUIRE_FALSE(b.admit(42, false));
    CHECK(b.connections(42) == 1);
}

TEST_CASE("client memory: unprivileged clients share memory_max minus the reserve") {
    ClientBudget b(small());
    std::uint64_t a = 0, c = 0, root = 0;
    REQUIRE_FALSE(b.resize(a, 500, false));
    REQUIRE_FALSE(b.resize(c, 300, false));
    CHECK(b.bytes_held() == 800);
    // 801 > 800: refused, and nothing changes.
    auto r = b.resize(c, 301, false);
    REQUIRE(r);
    CHECK(r->find("800 bytes") != std::string::npos);
    CHECK(c == 300);
    CHECK(b.bytes_held() == 800);
    // The reserve is for privileged clients.
    REQUIRE_FALSE(b.resize(root, 200, true));
    REQUIRE(b.resize(root, 201, true));
    CHECK(b.bytes_held() == 1000);
    // Shrinking and releasing give room back.
    REQUIRE_FALSE(b.resize(a, 100, false));
    CHECK(a == 100);
    CHECK(b.bytes_held() == 600);
    b.release(c);
    CHECK(c == 0);
    CHECK(b.bytes_held() == 300);
    // Privileged bytes count against everyone's bound: 100 + 200 + 500 = 800.
    REQUIRE(b.resize(c, 501, false));
    REQUIRE_FALSE(b.resize(c, 500, false));
}

TEST_CASE("a single client may use the whole share alone") {
    ClientBudget b(small());
    std::uint64_t a = 0;
    REQUIRE_FALSE(b.resize(a, 800, false));
    REQUIRE(b.resize(a, 801, false));
    b.release(a);
    std::uint64_t root = 0;
    REQUIRE_FALSE(b.resize(root, 1000, true));
}

TEST_CASE("a reserve larger than the bound is clamped") {
    ClientLimits l = small();
    l.memory_reserved = 5000;
    ClientBudget b(l);
    std::uint64_t a = 0;
    REQUIRE(b.resize(a, 1, false));
}

TEST_CASE("format_bytes") {
    CHECK(format_bytes(0) == "0 bytes");
    CHECK(format_bytes(1) == "1 byte");
    CHECK(format_bytes(1024) == "1 KiB");
    CHECK(format_bytes(256ull << 20) == "256 MiB");
    CHECK(format_bytes(3ull << 29) == "1.5 GiB");
}
