// Reading and creating the HTTP token file safely: inside a checked directory, O_NOFOLLOW.
#include "supervisor/daemon/http_token.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "supervisor/daemon/safe_dir.hpp"

namespace tend {
namespace {

Result<std::string> random_hex(std::size_t bytes) {
    std::string raw(bytes, '\0');
    std::size_t got = 0;
    while (got < bytes) {
        ssize_t n = getrandom(raw.data() + got, bytes - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return make_error(std::string("getrandom: ") + std::strerror(errno));
        got += static_cast<std::size_t>(n);
    }
    static const char digits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned char c : raw) {
        hex.push_back(digits[c >> 4]);
        hex.push_back(digits[c & 15]);
    }
    return hex;
}

}  // namespace

Result<std::string> load_http_token(const std::string& path, std::optional<gid_t> group) {
    auto parts = split_dir_name(path);
    if (!parts) return make_error("token_file: " + parts.error());
    auto dir = open_private_dir(parts->first, 0, "token_file directory");
    if (!dir) return make_error(dir.error());
    const std::string& name = parts->second;
    struct stat st {};
    if (fstatat(dir->fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT)
            return make_error("cannot stat token file " + path + ": " + std::strerror(errno));
        auto token = random_hex(32);
        if (!token) return token;
        const mode_t mode = group ? 0640 : 0600;
        auto fd = open_regular_at(dir->fd.get(), name, O_WRONLY | O_CREAT | O_EXCL, mode,
                                  "token file " + path);
        if (!fd) return make_error(fd.error());
        if (group && fchown(fd->get(), geteuid(), *group) != 0)
            return make_error("cannot give token file " + path +
                              " its group: " + std::strerror(errno));
        if (fchmod(fd->get(), mode) != 0)
            return make_error("cannot set the mode of " + path + ": " + std::strerror(errno));
        const std::string line = *token + "\n";
        if (write(fd->get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
            fsync(fd->get()) != 0) {
            unlinkat(dir->fd.get(), name.c_str(), 0);
            return make_error("cannot write token file " + path + ": " + std::strerror(errno));
        }
        return token;
    }
    auto fd = open_regular_at(dir->fd.get(), name, O_RDONLY, 0, "token file " + path);
    if (!fd) return make_error(fd.error());
    if (fstat(fd->get(), &st) != 0)
        return make_error("cannot stat token file " + path + ": " + std::strerror(errno));
    if (st.st_uid != geteuid())
        return make_error("token file " + path + " is refused: it is owned by uid " +
                          std::to_string(st.st_uid) + ", not tendd's user");
    if (st.st_mode & 0037)
        return make_error("token file " + path +
                          " is refused: others may read or anyone but its owner write it (chmod "
                          "600, or 640 for the socket group)");
    char buf[257];
    ssize_t n = read(fd->get(), buf, sizeof buf - 1);
    if (n < 0) return make_error("cannot read token file " + path + ": " + std::strerror(errno));
    std::string token(buf, static_cast<std::size_t>(n));
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
        token.pop_back();
    if (token.size() < 16 || token.size() > 200 ||
        token.find_first_of(" \t\r\n:") != std::string::npos)
        return make_error("token file " + path +
                          " is refused: it must hold one token of 16 to 200 characters");
    return token;
}

}  // namespace tend
