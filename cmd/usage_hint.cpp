// Hints for command lines that are wrong in common ways (see usage_hint.hpp).
#include "cmd/usage_hint.hpp"

#include <cctype>
#include <string_view>

namespace tend::cli {
namespace {

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + shell_quote(w);
    return out;
}

// An option of `sub` or of an app it falls through to (the global options), or null.
const CLI::Option* option_named(const CLI::App& sub, const std::string& name) {
    for (const CLI::App* app = &sub; app; app = app->get_parent())
        if (const CLI::Option* o = app->get_option_no_throw(name)) return o;
    return nullptr;
}

}  // namespace

std::string shell_quote(const std::string& w) {
    if (w.empty()) return "''";
    bool plain = true;
    for (unsigned char c : w)
        if (!(std::isalnum(c) || std::string_view("_@%+=:,./-").find(char(c)) != std::string::npos))
            plain = false;
    if (plain) return w;
    std::string out = "'";
    for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string dashdash_suggestion(const CLI::App& sub, const std::vector<std::string>& before,
                                const std::vector<std::string>& after, int leading) {
    std::vector<std::string> options;  // what stays before `--`: options and leading words
    int positionals = 0;
    for (size_t i = 0; i < after.size(); ++i) {
        const std::string& w = after[i];
        if (w == "--") return {};  // the command is already after `--`: another mistake
        if (w.size() > 1 && w[0] == '-') {
            const size_t eq = w.find('=');
            const CLI::Option* o = option_named(sub, w.substr(0, eq));
            if (!o) return {};  // an unknown option before any command: not this mistake
            options.push_back(w);
            if (eq == std::string::npos && o->get_type_size_max() > 0 && i + 1 < after.size())
                options.push_back(after[++i]);
            continue;
        }
        if (positionals < leading) {
            options.push_back(w);
            ++positionals;
            continue;
        }
        std::vector<std::string> command(after.begin() + long(i), after.end());
        std::string line = "tend";
        if (!before.empty()) line += " " + joined(before);
        if (!options.empty()) line += " " + joined(options);
        return line + " -- " + joined(command);
    }
    return {};
}

}  // namespace tend::cli
