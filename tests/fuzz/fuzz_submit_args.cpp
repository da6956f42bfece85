// Fuzzes the `tend` front end's command line parsing: command_word and parse_submit_fast.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cmd/submit_args.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    // The input is argv after "tend", NUL-separated (as /proc/PID/cmdline shows it).
    std::vector<std::string> args{"tend"};
    std::string cur;
    for (size_t i = 0; i < size; ++i) {
        if (bytes[i] == 0) {
            args.push_back(cur);
            cur.clear();
        } else {
            cur += static_cast<char>(bytes[i]);
        }
    }
    if (!cur.empty()) args.push_back(cur);
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    const int argc = static_cast<int>(argv.size());
    argv.push_back(nullptr);

    const std::string_view word = tend::cli::command_word(argc, argv.data());
    // The word is one of the arguments, never a piece of one.
    bool found = word.empty();
    for (const auto& a : args) found = found || a == word;
    FUZZ_CHECK(found);

    // The front end's parser agrees with command_word on what the command is.
    if (auto fast = tend::cli::parse_submit_fast(argc, argv.data())) FUZZ_CHECK(word == "submit");
    return 0;
}
