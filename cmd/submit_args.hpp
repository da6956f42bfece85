// How the lean `tend` front end reads a command line (pure): the command word, and its own
// parser for the common forms of `tend submit`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cmd/submit_options.hpp"

namespace tend::cli {

// The command named on the command line: the first word that is neither an option nor the
// value of a global option (--socket, --config, --state-dir, --spool). Empty when there is none, or
// when "--" comes first.
std::string_view command_word(int argc, const char* const* argv);

// A `tend submit` command line the front end runs itself, without CLI11.
struct FastSubmit {
    SubmitOptions options;
    std::string socket, config, state_dir, spool;  // the global options, empty when not given
    bool json = false;
};

// Parses argv when it is `tend [GLOBAL...] submit [OPTION...] [--] CMD...` in the forms CLI11
// would read the same way: every option of tend(1) as `--long VALUE`, `--long=VALUE` or
// `-s VALUE`, each single-valued option at most once, values that CLI11's checks accept.
// Anything else (help, an unknown or repeated option, a value that starts with '-', a value
// CLI11 would reject or read differently) is nullopt: the caller hands the command line to the
// full CLI, which parses it and reports its errors. So this parser only ever decides speed,
// never meaning.
std::optional<FastSubmit> parse_submit_fast(int argc, const char* const* argv);

}  // namespace tend::cli
