// Pidfiles written so that neither a reader nor the pidfile directory's owner can misuse them.
//
// The directory may belong to the program's user (/run/app owned by app): everything happens
// through a directory fd from the symlink-safe walk. A fresh file under a random name
// (O_CREAT|O_EXCL|O_NOFOLLOW) gets the pid, and renameat() puts it in place, replacing whatever
// the user left at the name (a symlink, a hard link, a FIFO) instead of writing through it.
#include "supervisor/daemon/pidfile.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "supervisor/daemon/safe_dir.hpp"
#include "supervisor/util/dir_trust.hpp"

namespace tend {
namespace {

// Unpredictable, so that nobody can squat the name in advance (O_EXCL would refuse it).
std::string temp_name(const std::string& name) {
    static std::uint64_t counter = 0;
    std::uint64_t r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof r))
        r = (static_cast<std::uint64_t>(getpid()) << 32) ^ (++counter * 0x9e3779b97f4a7c15ULL);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(r));
    return "." + name + ".tmp-" + hex;
}

}  // namespace

Status write_pidfile(const std::string& path, int pid) {
    auto split = split_dir_name(path);
    if (!split) return make_error("cannot write pidfile " + path + ": " + split.error());
    const auto& [dir_path, name] = *split;
    auto dir = open_dir_path(dir_path);
    if (!dir) return make_error("cannot write pidfile " + path + ": " + dir.error());
    std::string tmp;
    UniqueFd fd;
    for (int tries = 0; tries < 8 && !fd; ++tries) {
        tmp = temp_name(name);
        fd.reset(openat(dir->fd.get(), tmp.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
        if (!fd && errno != EEXIST) break;
    }
    if (!fd) return make_error("cannot write pidfile " + path + ": " + std::strerror(errno));
    const std::string text = std::to_string(pid) + "\n";
    bool good = write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
    int err = errno;
    // The umask may have taken read access away; pidfiles are for everyone to read.
    if (good && fchmod(fd.get(), 0644) != 0) good = false, err = errno;
    fd.reset();
    if (good && renameat(dir->fd.get(), tmp.c_str(), dir->fd.get(), name.c_str()) != 0)
        good = false, err = errno;
    if (!good) {
        unlinkat(dir->fd.get(), tmp.c_str(), 0);
        return make_error("cannot write pidfile " + path + ": " + std::strerror(err));
    }
    return ok_status();
}

void remove_pidfile(const std::string& path, int pid) {
    auto split = split_dir_name(path);
    if (!split) return;
    auto dir = open_dir_path(split->first);
    if (!dir) return;
    auto fd = open_regular_at(dir->fd.get(), split->second, O_RDONLY, 0, path);
    if (!fd) return;
    struct stat st {};
    // Only a file tendd wrote: one the directory's owner put there stays theirs to remove.
    if (fstat(fd->get(), &st) != 0 || own_file_distrust(st, geteuid())) return;
    char buf[32] = {};
    ssize_t n = read(fd->get(), buf, sizeof buf - 1);
    if (n > 0 && std::atoi(buf) == pid) unlinkat(dir->fd.get(), split->second.c_str(), 0);
}

}  // namespace tend
