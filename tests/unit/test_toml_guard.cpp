// check_toml_text: what must not reach toml++ 3.3 (non-ASCII outside strings, invalid UTF-8).
#include <catch2/catch.hpp>

#include <string>

#include "queue/config/full_config.hpp"
#include "supervisor/config/toml_guard.hpp"

using namespace tend;

namespace {

// The first error parse_config reports for `text`, or "" when it accepts it.
std::string first_error(const std::string& text) {
    auto r = parse_full_config(text, "t.toml", ParseOptions{});
    return r.errors.empty() ? "" : r.errors.front();
}

const std::string kNonAscii =
    "non-ASCII character outside a string or comment (TOML keys and values other than strings "
    "are ASCII; quote the key)";

}  // namespace

TEST_CASE("a non-ASCII bare key is a clean config error, not undefined behaviour in toml++") {
    // Each of these took toml++ 3.3 to __builtin_unreachable() (found by tests/fuzz).
    CHECK(first_error("a\xd1\x9d = 1") == "t.toml:1:2: " + kNonAscii);
    CHECK(first_error("a = 1\xd1\x9d") == "t.toml:1:6: " + kNonAscii);
    CHECK(first_error("[program.w]\ncommand = \"x\"\n\xc3\xa9 = 1\n") ==
          "t.toml:3:1: " + kNonAscii);
    CHECK(first_error("a = [1, \xc3\xa9]") == "t.toml:1:9: " + kNonAscii);
    CHECK(first_error("x = \"\xc3\xa9\" \xc3\xa9") == "t.toml:1:9: " + kNonAscii);
    // toml++ reads a bare value ahead through a string glued to it (`8CCC[program."\xc3\xa9"]`).
    const std::string glued =
        "non-ASCII character in a string that directly follows other text (put a space before "
        "its opening quote)";
    CHECK(first_error("x = 1\"\xc3\xa9\"") == "t.toml:1:7: " + glued);
    CHECK(first_error("x = 1.'\xc3\xa9'") == "t.toml:1:8: " + glued);
    CHECK(first_error("[daemon]\nmax_running_jobs = 8CC[program.\"\xc3\xa9t\xc3\xa9\"]") ==
          "t.toml:2:33: " + glued);
    CHECK(first_error("a.\"\xc3\xa9\" = 1") == "t.toml:1:4: " + glued);  // valid TOML, but:
    CHECK_FALSE(check_toml_text("a. \"\xc3\xa9\" = 1"));                 // the way around it
    // toml++ classifies the character after a '\' and what a line-ending '\' skips.
    const std::string escape = "non-ASCII character after a backslash (escape it as \\uXXXX)";
    CHECK(first_error("a = \"\"\"\\\xc3\xa9\"\"\"") == "t.toml:1:9: " + escape);
    CHECK(first_error("a = \"\"\"x\\\n  \xc3\xa9\"\"\"") == "t.toml:2:3: " + escape);
    CHECK(first_error("a = \"\\\xc3\xa9\"") == "t.toml:1:7: " + escape);
    CHECK_FALSE(check_toml_text("a = \"\"\"x\\\n  y\xc3\xa9\"\"\""));
    // A byte order mark and nothing else did too; it is an empty config now.
    CHECK(first_error("\xef\xbb\xbf").empty());
}

TEST_CASE("invalid UTF-8 is a config error with its position") {
    const std::string msg = "invalid UTF-8 (TOML files are UTF-8 text)";
    CHECK(first_error("# \xff\n") == "t.toml:1:3: " + msg);
    CHECK(first_error("a = \"\xc3\"") == "t.toml:1:6: " + msg);            // truncated sequence
    CHECK(first_error("a = \"\xc0\xaf\"") == "t.toml:1:6: " + msg);        // overlong '/'
    CHECK(first_error("a = \"\xed\xa0\x80\"") == "t.toml:1:6: " + msg);    // a surrogate
    CHECK(first_error("a = '\xf4\x90\x80\x80'") == "t.toml:1:6: " + msg);  // past U+10FFFF
}

TEST_CASE("non-ASCII text in strings and comments is accepted") {
    const char* ok[] = {
        "# caf\xc3\xa9\n",
        "a = \"caf\xc3\xa9\"\n",
        "a = 'caf\xc3\xa9'\n",
        "a = \"\"\"caf\xc3\xa9\n\xc3\xa9\"\"\"\n",
        "a = '''caf\xc3\xa9\n'''\n",
        "a = \"\"\"x\"\"\"\"\n# \xc3\xa9\n",       // content ends with a quote
        "a = \"\"\"x\\\n   \"\"\"\n# \xc3\xa9\n",  // closed right after a line-ending '\'
        "a = \"\"\"\\\"\"\"\xc3\xa9\"\"\"\n",      // an escaped quote and two more: content
        "a = \"\\\"\xc3\xa9\"\n",                  // an escaped quote does not end the string
        "\"\xc3\xa9\" = 1\n",                      // a quoted key
        "a = \"\" # \xc3\xa9\n",                   // "" is an empty string, then a comment
        // A BOM, then a line: two literals because "\xbfa" would be one hex escape.
        // Parenthesised: one string on purpose (clang's -Wstring-concatenation).
        ("\xef\xbb\xbf"  // NOLINT(bugprone-suspicious-missing-comma): one string, on purpose
         "a = 1 # \xf0\x9f\x98\x80\n"),
    };
    for (const char* text : ok) {
        INFO(text);
        CHECK_FALSE(check_toml_text(text));
    }
    // Positions count characters, as toml++ does.
    auto p = check_toml_text("# \xc3\xa9\xc3\xa9\nab\xc3\xa9 = 1");
    REQUIRE(p);
    CHECK(p->line == 2);
    CHECK(p->column == 3);
}
