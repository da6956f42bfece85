// merge_environment: the daemon's environment, then `environment`, then TEND_* (SPEC §5.2).
#include <catch2/catch.hpp>

#include "supervisor/core/environment.hpp"

using namespace tend;

TEST_CASE("overrides replace inherited variables instead of duplicating them") {
    auto env = merge_environment({"PATH=/bin", "PORT=1", "HOME=/root", "EMPTY="},
                                 {{"PORT", "8000"}, {"RACK_ENV", "production"}, {"EMPTY", "x"}});
    CHECK(env == std::vector<std::string>{"PATH=/bin", "HOME=/root", "PORT=8000",
                                          "RACK_ENV=production", "EMPTY=x"});
}

TEST_CASE("a later override of the same key wins") {
    auto env = merge_environment({"TEND_PROGRAM=spoofed"},
                                 {{"TEND_PROGRAM", "from-config"}, {"TEND_PROGRAM", "web"}});
    CHECK(env == std::vector<std::string>{"TEND_PROGRAM=web"});
}

TEST_CASE("an entry without '=' in the base is kept as it is") {
    auto env = merge_environment({"WEIRD", "A=1"}, {{"B", "2"}});
    CHECK(env == std::vector<std::string>{"WEIRD", "A=1", "B=2"});
}
