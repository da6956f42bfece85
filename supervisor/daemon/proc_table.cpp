// Reads /proc/PID/stat of every process (read only; nothing here writes).
#include "supervisor/daemon/proc_table.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <cctype>
#include <string>

#include "supervisor/util/unique_fd.hpp"

namespace tend {
namespace {

std::optional<ProcEntry> read_stat_at(int dirfd, const char* name) {
    const std::string path = std::string(name) + "/stat";
    UniqueFd fd(openat(dirfd, path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return std::nullopt;
    // The fields attribution needs end well before 512 bytes (comm is at most 64).
    char buf[512];
    const ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    return parse_proc_stat(std::string_view(buf, static_cast<size_t>(n)));
}

}  // namespace

std::vector<ProcEntry> read_proc_table(size_t limit) {
    std::vector<ProcEntry> out;
    DIR* dir = opendir("/proc");
    if (!dir) return out;
    while (dirent* d = readdir(dir)) {
        if (out.size() >= limit) break;
        if (!std::isdigit(static_cast<unsigned char>(d->d_name[0]))) continue;
        if (auto e = read_stat_at(dirfd(dir), d->d_name)) out.push_back(*e);
    }
    closedir(dir);
    return out;
}

std::optional<ProcEntry> read_proc_entry(pid_t pid) {
    UniqueFd proc(open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!proc) return std::nullopt;
    return read_stat_at(proc.get(), std::to_string(pid).c_str());
}

}  // namespace tend
