// Hints for command lines that are wrong in common ways: a job's command without `--` before
// it, and a shell line given as one word without --shell (pure: the caller supplies the file
// system test).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
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

// Whether a file is an executable regular file; a parameter, so that the check is pure.
using IsExecutable = std::function<bool(const std::string& path)>;

// A job's argv whose first word looks like a shell line (whitespace or a shell metacharacter)
// and is no executable the job could run, found the way the job would find it: a word with a
// '/' relative to `cwd`, else in the PATH of `env` ("KEY=VALUE"; without one, tendd's default
// /usr/local/bin:/usr/bin:/bin). Returns the suggested command line for --shell ("tend submit
// --shell 'echo a | tr a b'", with `command` as the command's words, e.g. "tend submit"), or
// "" when argv is fine.
std::string shell_line_suggestion(const std::vector<std::string>& argv,
                                  const std::vector<std::string>& env, const std::string& cwd,
                                  const IsExecutable& is_executable, const std::string& command);

}  // namespace tend::cli
