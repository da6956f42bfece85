// The version of tend and tendd, set by CMake.
#pragma once

#ifndef TEND_VERSION
#define TEND_VERSION "0.0.0"
#endif

namespace tend {
inline constexpr const char* kTendVersion = TEND_VERSION;
}
