// The pairing file SOCKET.spool: written by tendd, read and checked by `tend submit`.
#include "queue/store/spool_pairing.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "supervisor/config/paths.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend::jobs {

namespace {

constexpr std::size_t kMaxPairingBytes = 4096;

std::string dir_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string pairing_path(const std::string& socket) {
    return socket + ".spool";
}

std::string encode_pairing(const std::string& spool) {
    return (spool.empty() ? std::string("none") : spool) + "\n";
}

Result<std::string> parse_pairing(std::string_view bytes) noexcept {
    try {
        if (bytes.empty() || bytes.back() != '\n') return make_error("does not end in a newline");
        bytes.remove_suffix(1);
        if (bytes == "none") return std::string();
        if (bytes.empty() || bytes.front() != '/')
            return make_error("does not hold an absolute path");
        if (bytes.size() >= kMaxPairingBytes) return make_error("holds a path that is too long");
        if (bytes.find('\n') != std::string_view::npos ||
            bytes.find('\0') != std::string_view::npos)
            return make_error("holds more than one path");
        return std::string(bytes);
    } catch (...) {
        return make_error("cannot be read");
    }
}

Status write_pairing_file(const std::string& socket, const std::string& spool) {
    const std::string dir = dir_of(socket);
    const std::string name = base_of(pairing_path(socket));
    const std::string tmp = "." + name + ".tmp-" + std::to_string(::getpid());
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dfd) return make_error("cannot open " + dir + ": " + std::strerror(errno));
    ::unlinkat(dfd.get(), tmp.c_str(), 0);  // a leftover of a crash with our pid
    UniqueFd fd(::openat(dfd.get(), tmp.c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd) return make_error("cannot create " + dir + "/" + tmp + ": " + std::strerror(errno));
    const std::string text = encode_pairing(spool);
    bool ok = ::fchmod(fd.get(), 0644) == 0 &&
              ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
              ::fdatasync(fd.get()) == 0;
    const int err = errno;
    fd.reset();
    if (!ok || ::renameat(dfd.get(), tmp.c_str(), dfd.get(), name.c_str()) != 0) {
        const int e = ok ? errno : err;
        ::unlinkat(dfd.get(), tmp.c_str(), 0);
        return make_error("cannot write " + dir + "/" + name + ": " + std::strerror(e));
    }
    ::fsync(dfd.get());
    return ok_status();
}

Pairing read_pairing_file(const std::string& socket, uid_t self) {
    Pairing p;
    const std::string path = pairing_path(socket);
    auto untrusted = [&](std::string why) {
        p.state = Pairing::State::untrusted;
        p.problem = path + " " + std::move(why);
        return p;
    };
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        const int err = errno;
        if (err == ENOENT) return p;
        if (err == ELOOP) return untrusted("is a symbolic link");
        return untrusted(std::string("cannot be read: ") + std::strerror(err));
    }
    struct stat st {
    }, dst{};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return untrusted("is not a regular file");
    const bool dir_known = ::stat(dir_of(socket).c_str(), &dst) == 0;
    if (st.st_uid != 0 && st.st_uid != self && !(dir_known && st.st_uid == dst.st_uid))
        return untrusted("is owned by uid " + std::to_string(st.st_uid) +
                         ", neither root, you, nor the owner of the socket's directory");
    if (st.st_mode & 0022) return untrusted("is writable by other users");
    if (st.st_size >= static_cast<off_t>(kMaxPairingBytes)) return untrusted("is too large");
    char buf[kMaxPairingBytes];
    ssize_t n;
    do {
        n = ::read(fd.get(), buf, sizeof buf);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return untrusted(std::string("cannot be read: ") + std::strerror(errno));
    auto spool = parse_pairing(std::string_view(buf, static_cast<std::size_t>(n)));
    if (!spool) return untrusted(spool.error());
    p.state = Pairing::State::found;
    p.spool = std::move(*spool);
    return p;
}

Result<std::string> choose_submit_spool(const SpoolChoiceInput& in) {
    if (!in.spool_named.empty()) return in.spool_named;
    switch (in.pairing.state) {
        case Pairing::State::found:
            if (in.pairing.spool.empty())
                return make_error("tendd at " + in.socket +
                                  " takes in no spool (its queue is on PostgreSQL): nothing was "
                                  "submitted");
            return in.pairing.spool;
        case Pairing::State::untrusted:
            return make_error("cannot tell which spool tendd at " + in.socket +
                              " reads: " + in.pairing.problem);
        case Pairing::State::absent:
            break;
    }
    if (in.state_dir_named) return in.state_dir + "/spool";
    if (in.socket_is_default) return in.default_spool;
    if (in.socket == kSystemSocket) return std::string(kSystemSpool);
    return make_error("cannot tell which spool tendd at " + in.socket + " reads: it has not run " +
                      "there (no " + pairing_path(in.socket) + ")");
}

}  // namespace tend::jobs
