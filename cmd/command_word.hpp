// The command named on a `tend` command line (pure), so that main registers only its family.
#pragma once

#include <string_view>

namespace tend::cli {

// The first word that is neither an option nor the value of a global option (--socket,
// --config, --state-dir, --spool). Empty when there is none, or when "--" comes first.
std::string_view command_word(int argc, const char* const* argv);

}  // namespace tend::cli
