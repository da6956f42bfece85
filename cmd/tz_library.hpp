// The tz database library (libdate-tz), loaded by `tend` with dlopen only for `tend cron next`.
//
// Why: libdate-tz.so needs the shared libstdc++, and loading and relocating both costs every
// `tend` command about a millisecond at start (twice the whole `tend submit` budget above the
// fdatasync floor, tests/bench/bench_submit_latency.sh). So `tend` links libstdc++ statically,
// does not link libdate-tz, and defines the four functions of it that queue/cron/cron_schedule
// calls (cmd/tz_library.cpp), each forwarding to the library once it is loaded. `tend` exports
// its C++ runtime (-rdynamic, CMakeLists.txt), so the library's exceptions, strings and
// allocations go through the same runtime as tend's own code.
#pragma once

namespace tend::cli {

// Loads libdate-tz.so.3 (once). Throws CliError (exit 1) naming the library and why it
// cannot be loaded, so that cron_schedule's calls never meet a missing library.
void load_tz_library();

}  // namespace tend::cli
