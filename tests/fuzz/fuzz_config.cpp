// Fuzzes tend.toml parsing through tend's walker: parse_config from a string, never a throw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "queue/config/full_config.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(bytes), size);
    // Both kinds of daemon: `user =` is checked differently under root.
    for (bool root : {false, true}) {
        tend::ParseOptions options;
        options.running_as_root = root;
        options.uid = root ? 0 : 1000;
        auto r = tend::parse_full_config(text, "fuzz.toml", options);
        // Every error names the file and a position, as `tend check` prints it.
        for (const auto& e : r.errors) FUZZ_CHECK(e.rfind("fuzz.toml:", 0) == 0);
        if (r.ok()) {
            FUZZ_CHECK(!r.config.queues.empty());  // the queue "default" always exists
            for (const auto& p : r.config.programs) FUZZ_CHECK(!p.name.empty());
        }
    }
    return 0;
}
