// tend-shim's command line: `tend-shim PID [--exec PATH] -- ARGV...` (tendd(8) MULTI-HOST).
#pragma once

#include <sys/types.h>

namespace tend::shim {

struct ShimArgs {
    pid_t parent = 0;             // the pid of the tendd that spawned the shim
    const char* exec = nullptr;   // the file to run (resolved by tendd), or null: argv[0] by PATH
    char* const* argv = nullptr;  // the job's argv, null-terminated (points into the input)
};

// Parses argv without allocating; returns false with a message in `*error` (a static string)
// when the line is malformed. `argv` must be null-terminated at argc, as main's is.
bool parse_shim_args(int argc, char* const* argv, ShimArgs* out, const char** error);

}  // namespace tend::shim
