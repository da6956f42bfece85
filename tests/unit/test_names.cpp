// The one name rule (supervisor/util/names.hpp) for programs, queues and cron entries.
#include <catch2/catch.hpp>

#include <string>

#include "supervisor/util/names.hpp"

using namespace tend;

TEST_CASE("names: letters, digits, '-', '_' and '.', at most 64", "[names]") {
    for (NameKind k : {NameKind::program, NameKind::queue, NameKind::cron_entry}) {
        CHECK(valid_name("web-1.v2_x", k));
        CHECK(valid_name(std::string(64, 'a'), k));
        CHECK_FALSE(valid_name(std::string(65, 'a'), k));
        CHECK_FALSE(valid_name("", k));
        CHECK_FALSE(valid_name("a b", k));
        CHECK_FALSE(valid_name("a:b", k));
        CHECK_FALSE(valid_name("a/b", k));
        CHECK_FALSE(valid_name("\xc3\xa9", k));
    }
}

TEST_CASE("names: only cron entries may start with '.' or '-'", "[names]") {
    CHECK_FALSE(valid_name(".a", NameKind::program));
    CHECK_FALSE(valid_name("-a", NameKind::queue));
    CHECK(valid_name(".a", NameKind::cron_entry));
    CHECK(valid_name("-a", NameKind::cron_entry));
}

TEST_CASE("names: one message", "[names]") {
    CHECK(name_error("ok", NameKind::program) == std::nullopt);
    CHECK(name_error("a b", NameKind::queue) ==
          std::string("invalid queue name \"a b\": use letters, digits, '-', '_' and '.', at "
                      "most 64"));
    CHECK(invalid_name_message("x:y", NameKind::cron_entry).starts_with("invalid cron entry name"));
    CHECK(invalid_name_message("", NameKind::program).starts_with("invalid program name \"\""));
}
