// The full command-line client, callable: tend-cli's main, and `tend`'s in sanitizer builds.
#pragma once

namespace tend::cli {

// Parses argv with CLI11, runs the command and returns tend's exit status (tend(1)).
int run_full_cli(int argc, char** argv);

}  // namespace tend::cli
