// Fuzzes tend-shim's command line (parse_shim_args): argv as NUL-separated words.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "cmd/shim/shim_args.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    // Words as main() gets them: NUL-terminated strings, then a null pointer at argc.
    std::vector<std::string> words;
    std::string cur;
    for (size_t i = 0; i < size && words.size() < 64; ++i) {
        if (bytes[i] == 0) {
            words.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(static_cast<char>(bytes[i]));
        }
    }
    if (!cur.empty()) words.push_back(cur);
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    const int argc = static_cast<int>(words.size());

    tend::shim::ShimArgs a;
    const char* error = nullptr;
    if (tend::shim::parse_shim_args(argc, argv.data(), &a, &error)) {
        // An accepted line names a live-able parent and a non-empty command inside argv,
        // right after "--", and the argv it hands on ends where main's does.
        FUZZ_CHECK(a.parent > 0);
        FUZZ_CHECK(a.argv > argv.data() && a.argv < argv.data() + argc);
        FUZZ_CHECK(std::strcmp(a.argv[-1], "--") == 0);
        FUZZ_CHECK(a.argv[0][0] != '\0');
        FUZZ_CHECK(!a.exec || a.exec[0] == '/');
        FUZZ_CHECK(std::to_string(a.parent) == argv[1]);
    } else {
        FUZZ_CHECK(error != nullptr && error[0] != '\0');
    }
    return 0;
}
