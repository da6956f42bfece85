// How the lean `tend` front end reads a command line (pure): the command word, and its own
// parser for the common forms of `tend submit`.
#include "cmd/submit_args.hpp"

#include <charconv>
#include <cstdint>
#include <string_view>

#include "supervisor/util/duration.hpp"

namespace tend::cli {
namespace {

enum class Opt {
    queue,
    name,
    priority,
    in,
    at,
    attempts,
    timeout,
    after,
    key,
    env,
    cwd,  // submit's values
    wait,
    shell,
    from_stdin,
    json,  // submit's flags
    socket,
    config,
    state_dir,
    spool,  // global options
};

struct OptSpec {
    std::string_view long_name;
    std::string_view short_name;
    Opt opt;
    bool takes_value;
    bool repeatable;
    bool global;
};

// The options of `tend submit` and tend's global ones, as cli_submit.cpp and tend_main.cpp
// declare them to CLI11.
constexpr OptSpec kOptions[] = {
    {"--queue", "-q", Opt::queue, true, false, false},
    {"--name", "", Opt::name, true, false, false},
    {"--priority", "-p", Opt::priority, true, false, false},
    {"--in", "", Opt::in, true, false, false},
    {"--at", "", Opt::at, true, false, false},
    {"--attempts", "", Opt::attempts, true, false, false},
    {"--timeout", "", Opt::timeout, true, false, false},
    {"--after", "", Opt::after, true, true, false},
    {"--key", "", Opt::key, true, false, false},
    {"--env", "-e", Opt::env, true, true, false},
    {"--cwd", "-C", Opt::cwd, true, false, false},
    {"--wait", "", Opt::wait, false, false, false},
    {"--shell", "", Opt::shell, false, false, false},
    {"--stdin", "", Opt::from_stdin, false, false, false},
    {"--json", "", Opt::json, false, false, false},
    {"--socket", "", Opt::socket, true, false, true},
    {"--config", "", Opt::config, true, false, true},
    {"--state-dir", "", Opt::state_dir, true, false, true},
    {"--spool", "", Opt::spool, true, false, true},
};

const OptSpec* find_option(std::string_view name) {
    for (const auto& s : kOptions)
        if (name == s.long_name || (!s.short_name.empty() && name == s.short_name)) return &s;
    return nullptr;
}

// Plain decimal without a sign or leading zeros, at most `max_digits` digits. CLI11 reads
// "010" as octal and "+5" or "0x5" as numbers too; those go to it rather than guessed here.
bool plain_decimal(std::string_view s, size_t max_digits) {
    if (s.empty() || s.size() > max_digits || (s[0] == '0' && s.size() > 1)) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

template <typename Int>
bool to_int(std::string_view s, Int& out) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Applies one option's value; false when CLI11 would refuse it or might read it differently.
bool apply(FastSubmit& f, Opt opt, std::string_view v) {
    SubmitOptions& o = f.options;
    switch (opt) {
        case Opt::queue:
            o.queue = v;
            return true;
        case Opt::name:
            o.name = v;
            return true;
        case Opt::key:
            o.key = v;
            return true;
        case Opt::cwd:
            o.cwd = v;
            return true;
        case Opt::at:
            o.at = v;
            return true;  // run_submit checks it, with the same message
        case Opt::socket:
            f.socket = v;
            return true;
        case Opt::config:
            f.config = v;
            return true;
        case Opt::state_dir:
            f.state_dir = v;
            return true;
        case Opt::spool:
            f.spool = v;
            return true;
        case Opt::priority: {
            const bool negative = v.front() == '-';
            return plain_decimal(negative ? v.substr(1) : v, 10) && to_int(v, o.priority);
        }
        case Opt::attempts:  // at least 1, fewer than 10 digits, as the CLI11 check says
            return plain_decimal(v, 9) && v != "0" && to_int(v, o.attempts);
        case Opt::after: {  // a job id: positive, fewer than 20 digits
            std::uint64_t id = 0;
            if (!plain_decimal(v, 19) || v == "0" || !to_int(v, id)) return false;
            o.after.push_back(id);
            return true;
        }
        case Opt::in:
            o.in = v;
            return static_cast<bool>(parse_duration(v));
        case Opt::timeout:
            o.timeout = v;
            return static_cast<bool>(parse_duration(v));
        case Opt::env: {
            const size_t eq = v.find('=');
            if (eq == std::string_view::npos || eq == 0) return false;
            o.env.emplace_back(v);
            return true;
        }
        case Opt::wait:
            o.wait = true;
            return true;
        case Opt::shell:
            o.shell = true;
            return true;
        case Opt::from_stdin:
            o.from_stdin = true;
            return true;
        case Opt::json:
            f.json = true;
            return true;
    }
    return false;
}

}  // namespace

std::string_view command_word(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--") return {};
        if (a.empty() || a[0] != '-') return a;
        // A global option's value is the next word unless given as --option=VALUE.
        if (const OptSpec* spec = find_option(a); spec && spec->global) ++i;
    }
    return {};
}

std::optional<FastSubmit> parse_submit_fast(int argc, const char* const* argv) {
    FastSubmit f;
    bool in_submit = false;
    unsigned seen = 0;  // bit per Opt: single-valued options given once only
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (!in_submit) {
            if (a == "submit") {
                in_submit = true;
                continue;
            }
        } else if (a == "--") {
            for (int k = i + 1; k < argc; ++k) f.options.command.emplace_back(argv[k]);
            break;
        } else if (a.empty() || a[0] != '-') {
            // The command without "--": CLI11 would still read options after it.
            for (int k = i; k < argc; ++k) {
                if (argv[k][0] == '-') return std::nullopt;
                f.options.command.emplace_back(argv[k]);
            }
            break;
        }
        if (a.size() < 2 || a[0] != '-') return std::nullopt;  // "-" or a word before submit
        const size_t eq = a.find('=');
        const bool is_long = a.starts_with("--");
        if (!is_long && a.size() != 2) return std::nullopt;  // "-qX", "-abc": CLI11's business
        const OptSpec* spec = find_option(is_long ? a.substr(0, eq) : a);
        if (!spec || (!in_submit && !spec->global)) return std::nullopt;
        const unsigned bit = 1u << static_cast<unsigned>(spec->opt);
        if (!spec->repeatable && (seen & bit)) return std::nullopt;
        seen |= bit;
        std::string_view value;
        if (!spec->takes_value) {
            if (is_long && eq != std::string_view::npos) return std::nullopt;  // "--wait=true"
        } else if (is_long && eq != std::string_view::npos) {
            value = a.substr(eq + 1);
        } else {
            if (i + 1 >= argc) return std::nullopt;
            value = argv[++i];
            if (!value.empty() && value[0] == '-') return std::nullopt;  // "-p -5": CLI11 decides
        }
        if (spec->takes_value && value.empty()) return std::nullopt;
        if (!apply(f, spec->opt, value)) return std::nullopt;
    }
    const unsigned in_and_at = (1u << unsigned(Opt::in)) | (1u << unsigned(Opt::at));
    if (!in_submit || (seen & in_and_at) == in_and_at) return std::nullopt;
    return f;
}

}  // namespace tend::cli
