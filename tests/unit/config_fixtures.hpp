// Shared helpers of the config parser tests: parse a text as "t.toml" and expect one error.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "queue/config/full_config.hpp"

namespace tend::test {

inline FullParseResult parse(const std::string& text, bool root = false) {
    ParseOptions o;
    o.running_as_root = root;
    o.uid = 1000;
    return parse_full_config(text, "t.toml", o);
}

// A valid [program.w] on lines 1-2: a body appended to it starts on line 3.
inline std::string W(const std::string& body) {
    return "[program.w]\ncommand = \"x\"\n" + body;
}

struct Case {
    std::string text;
    std::string error;  // the exact single error expected
};

inline void check_cases(const std::vector<Case>& cases) {
    for (const auto& c : cases) {
        INFO("config:\n" << c.text);
        auto r = parse(c.text);
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0] == c.error);
    }
}

}  // namespace tend::test
