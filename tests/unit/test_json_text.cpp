// JSON string text written directly is what nlohmann::json writes, and UTF-8 is checked exactly.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "supervisor/util/json_text.hpp"

using tend::append_json_string;
using tend::is_utf8;

namespace {
std::string direct(std::string_view text) {
    std::string out = "x";
    REQUIRE(append_json_string(out, text));
    return out.substr(1);
}
std::string by_nlohmann(std::string_view text) {
    return nlohmann::json(std::string(text)).dump();
}
}  // namespace

TEST_CASE("append_json_string writes what nlohmann::json dumps") {
    std::string every_control;
    for (int c = 0; c < 0x20; ++c) every_control += static_cast<char>(c);
    for (std::string_view text :
         {std::string_view(""), std::string_view("plain"), std::string_view("q\"b\\s/"),
          std::string_view(every_control), std::string_view("\x7f del"),
          std::string_view("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")})
        CHECK(direct(text) == by_nlohmann(text));
}

TEST_CASE("append_json_string refuses what is not UTF-8 and leaves out alone") {
    for (std::string_view bad :
         {std::string_view("\xff"), std::string_view("a\xc3"), std::string_view("\xc0\xaf"),
          std::string_view("\xed\xa0\x80"), std::string_view("\xf4\x90\x80\x80"),
          std::string_view("\xe0\x80\xaf")}) {
        CHECK_FALSE(is_utf8(bad));
        std::string out = "keep";
        CHECK_FALSE(append_json_string(out, bad));
        CHECK(out == "keep");
    }
    CHECK(is_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF, the last code point
    CHECK(is_utf8("\xed\x9f\xbf"));      // U+D7FF, just below the surrogates
}
