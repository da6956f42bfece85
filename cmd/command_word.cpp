// The command named on a `tend` command line (pure), so that main registers only its family.
#include "cmd/command_word.hpp"

namespace tend::cli {

std::string_view command_word(int argc, const char* const* argv) {
    // The global options that take a value (cli_options.cpp declares them to CLI11).
    static constexpr std::string_view kGlobal[] = {"--socket", "--config", "--state-dir",
                                                   "--spool"};
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--") return {};
        if (a.empty() || a[0] != '-') return a;
        // A global option's value is the next word unless given as --option=VALUE.
        for (std::string_view g : kGlobal)
            if (a == g) ++i;
    }
    return {};
}

}  // namespace tend::cli
