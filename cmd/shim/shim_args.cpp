// Parsing tend-shim's argv: a pid, an optional resolved path, then the job's argv after "--".
#include "cmd/shim/shim_args.hpp"

#include <cstring>

namespace tend::shim {
namespace {

// A positive decimal pid without sign, spaces or leading zeros, below 2^22 (PID_MAX_LIMIT).
bool parse_pid(const char* s, pid_t* out) {
    if (!s || *s < '1' || *s > '9') return false;
    long v = 0;
    for (; *s; ++s) {
        if (*s < '0' || *s > '9') return false;
        v = v * 10 + (*s - '0');
        if (v > 4194304) return false;
    }
    *out = static_cast<pid_t>(v);
    return true;
}

}  // namespace

bool parse_shim_args(int argc, char* const* argv, ShimArgs* out, const char** error) {
    *out = ShimArgs{};
    if (argc < 4) {
        *error = "usage: tend-shim PID [--exec PATH] -- COMMAND [ARG...]";
        return false;
    }
    if (!parse_pid(argv[1], &out->parent)) {
        *error = "the first argument must be the pid of the parent tendd";
        return false;
    }
    int i = 2;
    if (std::strcmp(argv[i], "--exec") == 0) {
        if (i + 1 >= argc || argv[i + 1][0] != '/') {
            *error = "--exec needs an absolute path";
            return false;
        }
        out->exec = argv[i + 1];
        i += 2;
    }
    if (i >= argc || std::strcmp(argv[i], "--") != 0) {
        *error = "expected -- before the command";
        return false;
    }
    ++i;
    if (i >= argc || argv[i][0] == '\0') {
        *error = "no command after --";
        return false;
    }
    out->argv = argv + i;
    return true;
}

}  // namespace tend::shim
