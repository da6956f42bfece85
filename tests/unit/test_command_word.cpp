// The command word `tend` picks to build only that command's CLI11 options.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cmd/command_word.hpp"

using tend::cli::command_word;

namespace {

std::string word(const std::vector<std::string>& words) {
    std::vector<const char*> argv = {"tend"};
    for (const auto& w : words) argv.push_back(w.c_str());
    argv.push_back(nullptr);
    return std::string(command_word(int(argv.size()) - 1, argv.data()));
}

}  // namespace

TEST_CASE("the command word skips global options and their values", "[cli]") {
    CHECK(word({"status"}) == "status");
    CHECK(word({"--socket", "/s", "logs", "-f"}) == "logs");
    CHECK(word({"--socket=/s", "check"}) == "check");
    CHECK(word({"--config", "c.toml", "--state-dir", "/st", "jobs"}) == "jobs");
    CHECK(word({"--json", "jobs"}) == "jobs");
    CHECK(word({"--spool", "/sp", "jobs"}) == "jobs");
    CHECK(word({}).empty());
    CHECK(word({"--help"}).empty());
    CHECK(word({"--", "status"}).empty());
}
