// UTF-8 validation and JSON string text, written directly: shared by the CLI's request encoder,
// tendd's job listings and the config guard, which each need them without building JSON values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tend {

// The length of the UTF-8 sequence at s[i], or 0 when it is not valid UTF-8 (overlong forms,
// surrogates and code points past U+10FFFF included; RFC 3629).
std::size_t utf8_length(std::string_view s, std::size_t i);

bool is_utf8(std::string_view s);

// Appends `text` as a JSON string, escaped as nlohmann::json's dump() escapes it, and returns
// true; returns false (appending nothing) when `text` is not valid UTF-8.
bool append_json_string(std::string& out, std::string_view text);

}  // namespace tend
