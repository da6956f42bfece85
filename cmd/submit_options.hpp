// The options of `tend submit` as given on the command line, before they are resolved.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tend::cli {

// Every option of `tend submit` (tend(1)), as given on the command line.
struct SubmitOptions {
    std::vector<std::string> command;
    std::string queue = "default";
    std::string name;
    std::int32_t priority = 0;
    std::string in, at;
    std::uint32_t attempts = 0;
    std::string timeout;  // the job's timeout, not how long to wait
    std::vector<std::uint64_t> after;
    std::string key;
    std::vector<std::string> env;
    std::string cwd;
    bool wait = false, shell = false, from_stdin = false;
};

}  // namespace tend::cli
