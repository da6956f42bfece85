// Running tend's helper programs (tend-cli, tend-cron-next) found beside the running binary.
#pragma once

#include <string>

namespace tend::cli {

// Replaces this process with helper `name`, found in the directory of the running executable
// or in ../libexec/tend from there (the installed layout), with `argv` (null-terminated; argv[0]
// is passed as given, so messages and --help still say "tend"). Returns only by throwing
// CliError, naming every place it looked.
[[noreturn]] void exec_helper(const std::string& name, char** argv);

}  // namespace tend::cli
