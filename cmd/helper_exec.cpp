// Running tend's helper programs (tend-cli, tend-cron-next) found beside the running binary.
#include "cmd/helper_exec.hpp"

#include <unistd.h>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>

#include "cmd/cli_context.hpp"

namespace tend::cli {

void exec_helper(const std::string& name, char** argv) {
    char self[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    const std::filesystem::path dir =
        n > 0 ? std::filesystem::path(std::string(self, size_t(n))).parent_path()
              : std::filesystem::path(".");
    std::string tried;
    int error = ENOENT;
    for (const auto& p : {dir / name, dir / ".." / "libexec" / "tend" / name}) {
        execv(p.c_str(), argv);
        // The first error that is not "no such file" says most (e.g. EACCES on the real one).
        if (error == ENOENT) error = errno;
        tried += (tried.empty() ? "" : ", ") + p.lexically_normal().string();
    }
    throw CliError(kExitFailed,
                   "cannot run " + name + " (looked for " + tried + "): " + std::strerror(error),
                   "tend's helper programs are installed in PREFIX/libexec/tend");
}

}  // namespace tend::cli
