// The symlink-safe walk behind every file tendd writes outside its own process.
#include "supervisor/daemon/safe_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <vector>

#include "supervisor/util/dir_trust.hpp"

namespace tend {
namespace {

// The kernel's own limit on symlinks in one lookup.
constexpr int kMaxLinks = 40;

void push_components(std::deque<std::string>& todo, const std::string& path) {
    std::vector<std::string> parts;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        std::size_t end = path.find('/', pos);
        if (end == std::string::npos) end = path.size();
        if (end > pos) parts.push_back(path.substr(pos, end - pos));
        pos = end + 1;
    }
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_front(*it);
}

struct Level {
    UniqueFd fd;
    struct stat st {};
    std::string shown;  // the path that led here, as resolved so far
};

std::string child_path(const std::string& dir, const std::string& name) {
    return dir == "/" ? "/" + name : dir + "/" + name;
}

Error walk_error(const std::string& path, const std::string& where, const std::string& what) {
    return make_error("cannot open directory " + path + ": " + where + " " + what);
}

}  // namespace

Result<OpenedDir> open_dir_path(const std::string& path, mode_t create_mode) {
    if (path.empty()) return make_error("empty directory path");
    const uid_t self = geteuid();
    std::deque<std::string> todo;
    if (path[0] != '/') {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return make_error("cannot open directory " + path +
                              ": the current directory is unknown: " + std::strerror(errno));
        push_components(todo, path);
        push_components(todo, cwd);
    } else {
        push_components(todo, path);
    }
    std::vector<Level> stack;
    stack.push_back(Level{UniqueFd(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)), {}, "/"});
    if (!stack.back().fd || fstat(stack.back().fd.get(), &stack.back().st) != 0)
        return make_error(std::string("cannot open /: ") + std::strerror(errno));
    std::string unstable;
    int links = 0;
    while (!todo.empty()) {
        const std::string name = std::move(todo.front());
        todo.pop_front();
        if (name == ".") continue;
        if (name == "..") {
            if (stack.size() > 1) stack.pop_back();
            continue;
        }
        const Level& cur = stack.back();
        const std::string here = child_path(cur.shown, name);
        struct stat st {};
        bool created = false;
        if (fstatat(cur.fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT || create_mode == 0)
                return walk_error(path, here, std::string(": ") + std::strerror(errno));
            // What tendd creates must stay where it made it.
            if (unstable.empty())
                if (auto why = lookup_instability(cur.st, self, self))
                    unstable = cur.shown + ": " + *why;
            if (!unstable.empty())
                return make_error("will not create directory " + here +
                                  ": another user could replace it, " + unstable);
            if (mkdirat(cur.fd.get(), name.c_str(), create_mode) == 0)
                created = true;
            else if (errno != EEXIST)
                return make_error("cannot create directory " + here + ": " + std::strerror(errno));
            if (fstatat(cur.fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
                return walk_error(path, here, std::string(": ") + std::strerror(errno));
        }
        if (S_ISLNK(st.st_mode)) {
            if (auto why = symlink_distrust(cur.st, st, self))
                return walk_error(path, here,
                                  "is a symbolic link that tendd does not follow: " + *why);
            if (++links > kMaxLinks) return walk_error(path, here, ": too many symbolic links");
            std::string target(PATH_MAX, '\0');
            ssize_t n = readlinkat(cur.fd.get(), name.c_str(), target.data(), target.size());
            if (n < 0 || static_cast<std::size_t>(n) >= target.size())
                return walk_error(path, here, ": cannot read the symbolic link");
            target.resize(static_cast<std::size_t>(n));
            if (!target.empty() && target[0] == '/') stack.resize(1);
            push_components(todo, target);
            continue;
        }
        if (!S_ISDIR(st.st_mode)) return walk_error(path, here, "is not a directory");
        if (unstable.empty())
            if (auto why = lookup_instability(cur.st, st.st_uid, self))
                unstable = cur.shown + ": " + *why;
        Level next{UniqueFd(openat(cur.fd.get(), name.c_str(),
                                   O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)),
                   {},
                   here};
        if (!next.fd || fstat(next.fd.get(), &next.st) != 0)
            return walk_error(path, here, std::string(": ") + std::strerror(errno));
        if (next.st.st_dev != st.st_dev || next.st.st_ino != st.st_ino)
            return walk_error(path, here, "changed while tendd was opening it");
        if (created && next.st.st_uid == self && (next.st.st_mode & 07777) != create_mode) {
            // mkdirat applied the umask: the mode asked for is the one meant.
            UniqueFd rd(openat(next.fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (!rd || fchmod(rd.get(), create_mode) != 0 || fstat(rd.get(), &next.st) != 0)
                return make_error("cannot set the mode of " + here + ": " + std::strerror(errno));
        }
        stack.push_back(std::move(next));
    }
    OpenedDir out;
    out.fd = std::move(stack.back().fd);
    out.st = stack.back().st;
    out.path = path;
    out.unstable = std::move(unstable);
    return out;
}

Result<OpenedDir> open_private_dir(const std::string& path, mode_t create_mode,
                                   const std::string& what) {
    auto dir = open_dir_path(path, create_mode);
    if (!dir) return make_error(what + ": " + dir.error());
    if (!dir->unstable.empty())
        return make_error(what + " " + path + " is refused: another user could replace it, " +
                          dir->unstable);
    if (auto why = private_dir_distrust(dir->st, geteuid()))
        return make_error(what + " " + path + " is refused: " + *why);
    return dir;
}

Result<OpenedDir> open_log_dir(const std::string& path, std::optional<uid_t> program_uid) {
    auto dir = open_dir_path(path, 0755);
    if (!dir) return make_error("log_file: " + dir.error());
    if (!dir->unstable.empty())
        return make_error("log_file directory " + path +
                          " is refused: another user could replace it, " + dir->unstable);
    if (auto why = log_dir_distrust(dir->st, geteuid(), program_uid))
        return make_error("log_file directory " + path + " is refused: " + *why);
    return dir;
}

Result<UniqueFd> open_regular_at(int dir, const std::string& name, int flags, mode_t mode,
                                 const std::string& shown) {
    UniqueFd fd(openat(dir, name.c_str(), flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode));
    if (!fd) {
        if (errno == ELOOP)
            return make_error(shown + " is a symbolic link: tendd does not follow it");
        return make_error("cannot open " + shown + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (fstat(fd.get(), &st) != 0)
        return make_error("cannot stat " + shown + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return make_error(shown + " is not a regular file");
    // Writes to a regular file never block anyway; the flag only kept a FIFO from stalling us.
    fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
    return fd;
}

Result<UniqueFd> open_regular(const std::string& path, int flags, mode_t mode) {
    return open_regular_at(AT_FDCWD, path, flags, mode, path);
}

Result<std::pair<std::string, std::string>> split_dir_name(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (name.empty() || name == "." || name == "..")
        return make_error(path + " does not name a file");
    return std::pair{std::move(dir), std::move(name)};
}

}  // namespace tend
