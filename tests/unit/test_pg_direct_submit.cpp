// Direct submits (design postgres.md §11): which identity runs a job claimed from the database
// (a job without a uid never runs as root), and what `tend submit` says of the server's refusals.
#include <catch2/catch.hpp>

#include "cmd/submit_direct_text.hpp"
#include "queue/pg/pg_model_identity.hpp"

using namespace tend::pg;
using tend::cli::direct_note;
using tend::cli::direct_refusal;

namespace {
const RunAs kNobody{65534, 65534, {65534, 100}};
}

TEST_CASE("a non-root tendd runs every job as itself", "[pg][direct]") {
    for (auto uid : {std::optional<int>(), std::optional<int>(0), std::optional<int>(1000)}) {
        const RunIdentity who = run_identity(false, uid, 1000, {}, std::nullopt);
        CHECK_FALSE(who.as);
        CHECK(who.refused.empty());
    }
}

TEST_CASE("a root tendd runs a job with a uid as that uid, root's as itself", "[pg][direct]") {
    RunIdentity who = run_identity(true, 1000, 1001, {27, 1001}, kNobody);
    REQUIRE(who.as);
    CHECK(who.as->uid == 1000);
    CHECK(who.as->gid == 1001);
    CHECK(who.as->groups == std::vector<std::uint32_t>{27, 1001});
    who = run_identity(true, 1000, std::nullopt, {}, std::nullopt);
    REQUIRE(who.as);
    CHECK(who.as->gid == 1000);  // no gid in the row: the uid's number, as before
    who = run_identity(true, 0, 0, {}, kNobody);
    CHECK_FALSE(who.as);
    CHECK(who.refused.empty());
}

TEST_CASE("a root tendd runs a job without a uid only as direct_submit_user", "[pg][direct]") {
    RunIdentity who = run_identity(true, std::nullopt, std::nullopt, {5}, kNobody);
    REQUIRE(who.as);
    CHECK(who.as->uid == 65534);
    CHECK(who.as->gid == 65534);
    // The user's groups, never the row's (a direct submitter cannot choose them).
    CHECK(who.as->groups == std::vector<std::uint32_t>{65534, 100});
    who = run_identity(true, std::nullopt, 0, {0}, std::nullopt);
    CHECK_FALSE(who.as);
    CHECK_THAT(who.refused, Catch::Contains("no [daemon] direct_submit_user"));
    who = run_identity(true, std::nullopt, std::nullopt, {}, RunAs{0, 0, {}});
    CHECK_FALSE(who.as);
    CHECK_THAT(who.refused, Catch::Contains("never runs as root"));
}

TEST_CASE("a negative uid or gid is refused, never passed to setresuid as -1", "[pg][direct]") {
    for (auto [uid, gid] : {std::pair{-1, 0}, std::pair{1000, -1}}) {
        const RunIdentity who = run_identity(true, uid, gid, {}, kNobody);
        CHECK_FALSE(who.as);
        CHECK_THAT(who.refused, Catch::Contains("invalid uid or gid"));
    }
}

TEST_CASE("the server's refusals of a direct submit", "[pg][direct]") {
    CHECK(direct_refusal("TE075", "queue default is full").status == 75);
    CHECK(direct_refusal("TE404", "no queue named x").status == 65);
    CHECK(direct_refusal("TE065", "dependency 9 does not exist").what ==
          "dependency 9 does not exist");
    const auto denied = direct_refusal("42501", "permission denied for function submit_direct");
    CHECK(denied.status == 1);
    CHECK_THAT(denied.hint, Catch::Contains("GRANT tend_submit TO"));
    CHECK_THAT(direct_refusal("42883", "function tend.submit_direct does not exist").hint,
               Catch::Contains("tend migrate"));
    CHECK(direct_refusal("XX000", "boom").what == "the direct submit to PostgreSQL failed: boom");
}

TEST_CASE("the note of a direct submit", "[pg][direct]") {
    CHECK(direct_note({12}) == "tendd is not running: submitted directly to PostgreSQL as job 12");
    CHECK(direct_note({12, 13, 14}) ==
          "tendd is not running: submitted directly to PostgreSQL as 3 jobs: 12-14");
    CHECK(direct_note({12, 15}) ==
          "tendd is not running: submitted directly to PostgreSQL as 2 jobs: 12, 15");
}
