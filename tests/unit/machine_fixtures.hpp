// Shared helpers of the InstanceMachine tests: settings, policies, exits, injected time.
#pragma once

#include <catch2/catch.hpp>

#include "supervisor/config/value_parsers.hpp"
#include "supervisor/core/instance_machine.hpp"

namespace tend::test {

using namespace std::chrono_literals;

// A monotonic clock that is well past healthy_after, as a real one would be.
constexpr Usec kMonoT0 = 1000s;
// jitter01 = 0.5 gives a jitter factor of exactly 1.0.
constexpr double kNoJitter = 0.5;

inline InstanceSettings settings_with(RestartPolicy p) {
    InstanceSettings s;
    s.restart = p;
    s.stop_signal = 15;
    s.stop_timeout = 30s;
    return s;
}

inline RestartPolicy policy() {
    RestartPolicy p;
    p.mode = RestartMode::always;
    p.restart_delay = 100ms;
    p.restart_delay_max = 30s;
    p.healthy_after = 60s;
    p.crash_limit = 100;
    p.crash_window = 60s;
    p.cooldown = 5min;
    return p;
}

inline ExitInfo code(int c) {
    ExitInfo i;
    i.value = c;
    return i;
}

inline ExitInfo by_signal(int s) {
    ExitInfo i;
    i.signaled = true;
    i.value = s;
    return i;
}

// Starts the machine and brings it to running at `now`.
inline void run(InstanceMachine& m, Usec now, int pid = 100) {
    m.spawned(pid, now);
    m.exec_succeeded(now);
}

}  // namespace tend::test
