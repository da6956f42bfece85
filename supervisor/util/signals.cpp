// Signal name table; deliberately explicit instead of sigabbrev_np for portability of output.
#include "supervisor/util/signals.hpp"

#include <strings.h>
#include <csignal>
#include <cstring>

namespace tend {
namespace {

struct Named {
    const char* name;
    int number;
};

constexpr Named kSignals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},
    {"KILL", SIGKILL},     {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
    {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

}  // namespace

std::optional<int> parse_signal(std::string_view text) {
    if (text.empty()) return std::nullopt;
    if (text[0] >= '0' && text[0] <= '9') {
        int n = 0;
        for (char c : text) {
            if (c < '0' || c > '9' || n > 64) return std::nullopt;
            n = n * 10 + (c - '0');
        }
        if (n < 1 || n > 64) return std::nullopt;
        return n;
    }
    std::string s(text);
    if (s.size() > 3 && strncasecmp(s.c_str(), "SIG", 3) == 0) s = s.substr(3);
    for (const auto& n : kSignals)
        if (strcasecmp(n.name, s.c_str()) == 0) return n.number;
    return std::nullopt;
}

std::string signal_name(int sig) {
    for (const auto& n : kSignals)
        if (n.number == sig) return n.name;
    return std::to_string(sig);
}

}  // namespace tend
