// Hints for command lines that are wrong in common ways: a job's command without `--` before
// it (pure).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace tend::cli {

// `word` quoted so that a POSIX shell reads it back as one word ('...' where needed).
std::string shell_quote(const std::string& word);

// For a command line CLI11 refused with "argument was not expected" (`tend submit ls -la`):
// the same line with `--` before the job's command (`tend submit -- ls -la`), or "" when it
// cannot be told. `before` are the words up to and including the subcommand's own (e.g.
// {"--socket", "S", "cron", "add"}); `after` the words that follow it. `sub` declares the
// subcommand's options (whose values are skipped); the first `leading` plain words are its
// own positionals (NAME and EXPR of `cron add`), and the command starts at the next one.
std::string dashdash_suggestion(const CLI::App& sub, const std::vector<std::string>& before,
                                const std::vector<std::string>& after, int leading);

}  // namespace tend::cli
