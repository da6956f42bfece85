// A lexer just precise enough to know whether a byte of a TOML file is in a string or a comment.
#include "supervisor/config/toml_guard.hpp"

#include <algorithm>

#include "supervisor/util/json_text.hpp"

namespace tend {
namespace {

// Whether a string opened after `c` starts a new token for toml++: a string glued to a bare
// value is read ahead by its value scanner, non-ASCII characters included (undefined behaviour
// again). Valid TOML only glues a string after '.' of a dotted key, where a space may be put.
bool after_separator(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '=' || c == '[' || c == '{' ||
           c == ',';
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

enum class State { normal, comment, basic, literal, ml_basic, ml_literal };

}  // namespace

std::optional<TomlTextProblem> check_toml_text(std::string_view text) {
    TomlTextProblem at;
    auto fail = [&](const char* message) {
        at.message = message;
        return std::optional<TomlTextProblem>(at);
    };
    State state = State::normal;
    char prev = '\n';       // the last character read outside strings and comments
    bool glued = false;     // in a string opened right after other text (`1"x"`, `a."x"`)
    bool escaped = false;   // the previous character of a basic string was an escaping '\'
    bool skipping = false;  // after a line-ending '\' of a multi-line basic string
    std::size_t i = 0;
    if (text.starts_with("\xef\xbb\xbf")) i = 3;
    // The number of characters `c` starting at i.
    auto run_of = [&](char c) {
        std::size_t n = 0;
        while (i + n < text.size() && text[i + n] == c) ++n;
        return n;
    };
    while (i < text.size()) {
        const char c = text[i];
        const std::size_t len = utf8_length(text, i);
        if (len == 0) return fail("invalid UTF-8 (TOML files are UTF-8 text)");
        if (len > 1 && state == State::normal)
            return fail(
                "non-ASCII character outside a string or comment (TOML keys and values other "
                "than strings are ASCII; quote the key)");
        if (len > 1 && glued && state != State::comment)
            return fail(
                "non-ASCII character in a string that directly follows other text (put a space "
                "before its opening quote)");
        // toml++ classifies the character after a '\' of a basic string, and in a multi-line
        // one the first after a line-ending '\' and the blanks it skips.
        if (len > 1 && (escaped || skipping))
            return fail("non-ASCII character after a backslash (escape it as \\uXXXX)");
        std::size_t step = len;
        switch (state) {
            case State::normal:
                // toml++ reads a bare value ahead up to a space , ] } or #, quotes included.
                glued = (c == '"' || c == '\'') && !after_separator(prev);
                prev = c;
                if (c == '#') {
                    state = State::comment;
                } else if (c == '"' || c == '\'') {
                    const std::size_t n = run_of(c);
                    // "" and '' are empty strings; three quotes open a multi-line one.
                    step = n >= 3 ? 3 : n == 2 ? 2 : 1;
                    if (n == 1 || n >= 3)
                        state = c == '"' ? (n >= 3 ? State::ml_basic : State::basic)
                                         : (n >= 3 ? State::ml_literal : State::literal);
                }
                break;
            case State::comment:
                if (c == '\n') {
                    state = State::normal;
                    prev = c;
                }
                break;
            case State::basic:
            case State::ml_basic: {
                const bool ml = state == State::ml_basic;
                if (escaped) {  // the escaped character: not a quote or a '\' of its own
                    escaped = false;
                    skipping = ml && is_space(c);
                    break;
                }
                if (skipping) {
                    if (is_space(c)) break;
                    skipping = false;
                }
                if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    // In a multi-line string up to two quotes may end the content just before
                    // the closing three.
                    step = ml ? run_of(c) : 1;
                    if (!ml || step >= 3) state = State::normal;
                } else if (c == '\n' && !ml) {
                    state = State::normal;  // unterminated: toml++ stops there with an error
                }
                break;
            }
            case State::literal:
                if (c == '\'' || c == '\n') state = State::normal;
                break;
            case State::ml_literal:
                if (c == '\'') {
                    step = run_of(c);
                    if (step >= 3) state = State::normal;
                }
                break;
        }
        // Positions count characters; each step covers ASCII bytes or one whole character.
        for (std::size_t k = i; k < i + step && k < text.size();
             k += std::max<std::size_t>(1, utf8_length(text, k))) {
            if (text[k] == '\n') {
                ++at.line;
                at.column = 1;
            } else {
                ++at.column;
            }
        }
        i += step;
    }
    return std::nullopt;
}

}  // namespace tend
