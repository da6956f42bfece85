// A check of tend.toml's bytes before toml++ reads them: UTF-8, and ASCII outside strings/comments.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tend {

struct TomlTextProblem {
    std::size_t line = 1;    // 1-based
    std::size_t column = 1;  // 1-based, in characters (code points), as toml++ counts
    std::string message;
};

// toml++ 3.3 reaches __builtin_unreachable() (undefined behaviour) when it classifies some
// non-ASCII characters outside strings and comments (`a\xd1\x9d = 1`, `a = 1\xc3\xa9`): its
// whitespace table has holes. TOML allows non-ASCII text only in strings and comments, so such a
// file is an error either way; this finds the first one, and any invalid UTF-8, without toml++.
// Its value scanner also reads ahead through a string glued to a bare value (`x = 1"\xc3\xa9"`),
// so non-ASCII text in a string right after other text is refused too: valid TOML does that only
// in a dotted key (`a."\xc3\xa9"`), which may be written `a. "\xc3\xa9"` instead.
// A leading UTF-8 byte order mark is allowed (the caller removes it).
std::optional<TomlTextProblem> check_toml_text(std::string_view text);

}  // namespace tend
