// Hints for command lines that are wrong in common ways (see usage_hint.hpp).
#include "cmd/usage_hint.hpp"

#include <cctype>
#include <filesystem>
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

// Characters a shell treats specially; a command name holds none of them in practice.
bool has_shell_syntax(std::string_view w) {
    return w.find_first_of(" \t\n|&;<>()$`\\\"'*?[]#~{}") != std::string_view::npos;
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
            // A flag expects no value (its type size is 1 all the same in CLI11 2.1).
            if (eq == std::string::npos && o->get_expected_min() > 0 && i + 1 < after.size())
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

std::string shell_line_suggestion(const std::vector<std::string>& argv,
                                  const std::vector<std::string>& env, const std::string& cwd,
                                  const IsExecutable& is_executable, const std::string& command) {
    if (argv.empty() || !has_shell_syntax(argv[0])) return {};
    const std::string& name = argv[0];
    bool found = false;
    if (name.find('/') != std::string::npos) {
        const std::filesystem::path path = name[0] == '/' ? name : cwd + "/" + name;
        found = is_executable(path.lexically_normal().string());
    } else {
        std::string path = "/usr/local/bin:/usr/bin:/bin";  // tendd's default (spawner.cpp)
        for (const auto& e : env)
            if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
        for (size_t start = 0; !found && start <= path.size();) {
            size_t end = path.find(':', start);
            if (end == std::string::npos) end = path.size();
            const std::string dir = path.substr(start, end - start);
            found = is_executable((dir.empty() ? cwd : dir) + "/" + name);
            start = end + 1;
        }
    }
    if (found) return {};
    std::string line;
    for (const auto& w : argv) line += (line.empty() ? "" : " ") + w;
    // A line that starts with '-' would read as an option.
    return command + " --shell " + (line[0] == '-' ? "-- " : "") + shell_quote(line);
}

}  // namespace tend::cli
