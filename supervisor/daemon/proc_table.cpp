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

// The children of every thread of `pid`; nullopt when /proc has no children files.
std::optional<std::vector<pid_t>> children_of(pid_t pid) {
    const std::string task = "/proc/" + std::to_string(pid) + "/task";
    DIR* dir = opendir(task.c_str());
    if (!dir) return std::nullopt;
    std::vector<pid_t> out;
    bool any = false;
    while (dirent* d = readdir(dir)) {
        if (!std::isdigit(static_cast<unsigned char>(d->d_name[0]))) continue;
        const std::string path = std::string(d->d_name) + "/children";
        UniqueFd fd(openat(dirfd(dir), path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!fd) continue;
        any = true;
        std::string text;
        char buf[4096];
        ssize_t n;
        while ((n = read(fd.get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
        pid_t v = 0;
        bool in = false;
        for (char c : text) {
            if (std::isdigit(static_cast<unsigned char>(c))) {
                v = v * 10 + (c - '0');
                in = true;
            } else if (in) {
                out.push_back(v);
                v = 0;
                in = false;
            }
        }
        if (in) out.push_back(v);
    }
    closedir(dir);
    if (!any) return std::nullopt;
    return out;
}

}  // namespace

std::vector<ProcEntry> read_proc_tree(pid_t root, const std::unordered_set<pid_t>& skip,
                                      size_t limit) {
    auto first = children_of(root);
    if (!first) return read_proc_table(limit);
    std::vector<ProcEntry> out;
    std::vector<pid_t> todo = std::move(*first);
    std::unordered_set<pid_t> seen;
    while (!todo.empty() && out.size() < limit) {
        const pid_t pid = todo.back();
        todo.pop_back();
        if (!seen.insert(pid).second) continue;
        auto e = read_proc_entry(pid);
        if (!e) continue;  // ended meanwhile
        out.push_back(*e);
        if (skip.count(pid)) continue;
        if (auto kids = children_of(pid)) todo.insert(todo.end(), kids->begin(), kids->end());
    }
    return out;
}

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

bool started_with_env(pid_t pid, std::string_view name) {
    const std::string path = "/proc/" + std::to_string(pid) + "/environ";
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return false;
    std::string env(64 * 1024, '\0');
    size_t got = 0;
    while (got < env.size()) {
        const ssize_t n = read(fd.get(), env.data() + got, env.size() - got);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
    }
    env.resize(got);
    // Entries are NUL-terminated "NAME=VALUE": a match starts the text or follows a NUL.
    const std::string entry = std::string(name) + "=";
    if (env.rfind(entry, 0) == 0) return true;
    return env.find(std::string(1, '\0') + entry) != std::string::npos;
}

std::optional<ProcEntry> read_proc_entry(pid_t pid) {
    UniqueFd proc(open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!proc) return std::nullopt;
    return read_stat_at(proc.get(), std::to_string(pid).c_str());
}

}  // namespace tend
