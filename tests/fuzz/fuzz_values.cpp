// Fuzzes the config's value parsers: durations, sizes, signals, enums, readiness, socket specs;
// and the /proc/PID/stat parser of left-behind processes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "supervisor/config/value_parsers.hpp"
#include "supervisor/core/escapees.hpp"
#include "supervisor/util/duration.hpp"
#include "supervisor/util/names.hpp"
#include "supervisor/util/signals.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    // Every parser sees the same text: a seed for one is a near miss for the others.
    const std::string s(reinterpret_cast<const char*>(bytes), size);

    if (auto d = tend::parse_duration(s)) {
        FUZZ_CHECK(d->count() >= 0);
        // What tend prints (status, check) must read back as the same duration.
        auto again = tend::parse_duration(tend::format_duration(*d));
        FUZZ_CHECK(again && *again == *d);
    }
    (void)tend::parse_size(s);
    if (auto sig = tend::parse_signal(s)) {
        FUZZ_CHECK(*sig >= 1 && *sig <= 64);
        auto again = tend::parse_signal(tend::signal_name(*sig));
        FUZZ_CHECK(again && *again == *sig);
    }
    (void)tend::parse_log_level(s);
    (void)tend::parse_log_target(s);
    if (auto m = tend::parse_restart_mode(s)) {
        auto again = tend::parse_restart_mode(tend::to_string(*m));
        FUZZ_CHECK(again && *again == *m);
    }
    if (auto m = tend::parse_output_mode(s)) {
        auto again = tend::parse_output_mode(tend::to_string(*m));
        FUZZ_CHECK(again && *again == *m);
    }
    (void)tend::parse_rollout_failure(s);
    if (auto r = tend::parse_ready(s)) {
        FUZZ_CHECK(r->text == s);
        if (r->kind == tend::ReadyKind::tcp || r->kind == tend::ReadyKind::http)
            FUZZ_CHECK(!r->host.empty() && !r->port.empty());  // what the probe connects to
    }
    (void)tend::validate_socket_spec(s);
    // /proc/PID/stat: the command name in it is the process's own choice.
    if (auto e = tend::parse_proc_stat(s)) FUZZ_CHECK(s.find(')') != std::string::npos);
    (void)tend::valid_name(s, tend::NameKind::program);
    return 0;
}
