// FUZZ_CHECK: an invariant of a fuzz target; a violation aborts, so libFuzzer saves the input.
#pragma once

#include <cstdio>
#include <cstdlib>

// assert() would vanish under the trees' -DNDEBUG; this never does.
#define FUZZ_CHECK(cond)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                     \
        }                                                                                     \
    } while (0)
