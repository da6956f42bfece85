// PreparedNames: the statements prepared on one connection and their names.
#include <catch2/catch.hpp>

#include "queue/pg/pg_model_prepared.hpp"

using tend::pg::PreparedNames;

TEST_CASE("a text is named once and found by its text", "[pg][prepared]") {
    PreparedNames p("tend_ab_");
    CHECK(p.find("SELECT 1") == nullptr);
    const std::string first = p.add("SELECT 1");
    CHECK(first == "tend_ab_1");
    REQUIRE(p.find("SELECT 1") != nullptr);
    CHECK(*p.find("SELECT 1") == first);
    CHECK(p.add("SELECT 2") == "tend_ab_2");
    CHECK(p.size() == 2);
    CHECK(p.has_name("tend_ab_2"));
    CHECK_FALSE(p.has_name("tend_ab_3"));
}

TEST_CASE("a forgotten text is prepared again under a new name", "[pg][prepared]") {
    PreparedNames p("x_");
    p.add("SELECT 1");
    p.add("SELECT 2");
    p.forget_name("x_1");
    CHECK(p.find("SELECT 1") == nullptr);
    CHECK_FALSE(p.has_name("x_1"));
    CHECK(*p.find("SELECT 2") == "x_2");
    // Never x_1 again: the server may still hold a statement of that name.
    CHECK(p.add("SELECT 1") == "x_3");
    p.forget_name("no such name");
    CHECK(p.size() == 2);
}

TEST_CASE("a closed connection has nothing prepared, and names go on", "[pg][prepared]") {
    PreparedNames p("y_");
    p.add("SELECT 1");
    p.clear();
    CHECK(p.size() == 0);
    CHECK(p.find("SELECT 1") == nullptr);
    CHECK(p.add("SELECT 1") == "y_2");
}
