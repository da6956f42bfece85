// Spool files: written by tend submit while tendd is unreachable, read back by tendd.
#include "queue/store/spool.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>

#include "queue/core/record_format.hpp"
#include "queue/store/file_ops.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend::jobs {

namespace {

constexpr std::string_view kTmpPrefix = ".tmp-";

// "<unix µs, 16 digits>-<pid>-<random hex>": sorts by time of writing, unique across processes.
std::string new_token() {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    std::uint32_t rnd = 0;
    if (::getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != sizeof rnd)
        rnd = static_cast<std::uint32_t>(us) ^ static_cast<std::uint32_t>(::getpid() << 16);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%016lld-%d-%08x", static_cast<long long>(us),
                  static_cast<int>(::getpid()), rnd);
    return buf;
}

// Tokens come from outside (the protocol, the directory): a name inside the spool, no more.
Status check_token(const std::string& token) {
    if (!token.empty() && token[0] != '.' && token.find('/') == std::string::npos)
        return ok_status();
    return make_error("invalid spool token \"" + token + "\"");
}

Status write_all(int fd, std::string_view data, const std::string& path) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return sys_error("cannot write", path, n < 0 ? errno : EIO);
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return ok_status();
}

Result<std::string> read_fd(int fd, const std::string& path) {
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_error("cannot read spool file", path, errno);
        if (n == 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > kMaxSpoolFileBytes) return make_error(path + " grew while being read");
    }
}

std::string spool_image(const std::vector<JobSpec>& specs, const std::vector<std::string>& env) {
    std::string image = encode_file_header();
    append_frame(image, RecordType::env, encode_env({0, env}));
    append_frame(image, RecordType::submit, encode_submit(specs));
    return image;
}

Result<SpoolEntry> parse_spool_unguarded(std::string_view image) {
    int envs = 0, submits = 0, others = 0;
    std::string_view env_payload, submit_payload;
    auto scan = scan_log(image, [&](const ScannedRecord& r) {
        if (r.type == RecordType::env) {
            ++envs;
            env_payload = r.payload;
        } else if (r.type == RecordType::submit) {
            ++submits;
            submit_payload = r.payload;
        } else {
            ++others;
        }
    });
    if (!scan) return Error{scan.error()};
    if (scan->tail_problem) return make_error(*scan->tail_problem);
    if (!scan->skipped.empty()) return make_error(scan->skipped.front());
    if (envs != 1 || submits != 1 || others != 0)
        return make_error("expected one environment and one submit record, found " +
                          std::to_string(envs) + " and " + std::to_string(submits) +
                          (others ? " and " + std::to_string(others) + " others" : ""));
    auto env = decode_env(env_payload);
    if (!env) return Error{env.error()};
    auto specs = decode_submit(submit_payload);
    if (!specs) return Error{specs.error()};
    SpoolEntry entry;
    entry.specs = std::move(*specs);
    entry.env = std::move(env->vars);
    return entry;
}

// mkdir -p with 0700 for what is missing (tendd may never have run here; SPEC §2 makes the
// state dir private, and a spool made by tend is its user's).
Status make_private_dirs(const std::string& dir) {
    for (std::size_t slash = 1; slash != std::string::npos;) {
        slash = dir.find('/', slash + 1);
        const std::string part = dir.substr(0, slash);
        if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
            return sys_error("cannot create spool directory", part, errno);
    }
    return ok_status();
}

}  // namespace

bool is_spool_token(std::string_view name) {
    return !name.empty() && name[0] != '.' && name.find('/') == std::string_view::npos &&
           !name.ends_with(kSpoolDamagedSuffix) && !name.ends_with(kSpoolRefusedSuffix);
}

Result<SpoolEntry> parse_spool(std::string_view image) noexcept {
    // The decoders return errors for bad bytes; a length field may still ask for more memory
    // than there is, and nothing may escape to the loop.
    try {
        return parse_spool_unguarded(image);
    } catch (const std::exception& e) {
        return make_error(std::string("cannot decode: ") + e.what());
    } catch (...) {
        return make_error("cannot decode");
    }
}

Result<std::string> write_spool_file(const std::string& dir, const std::vector<JobSpec>& specs,
                                     const std::vector<std::string>& env) {
    if (auto s = make_private_dirs(dir); !s) return Error{s.error()};
    // A socket_group member may create files in a system spool (1730) but not read it: the
    // directory is then opened as a path only, and made durable with syncfs below.
    bool readable = true;
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd && errno == EACCES) {
        readable = false;
        dfd.reset(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    }
    if (!dfd) return sys_error("cannot open spool directory", dir, errno);
    const std::string token = new_token();
    const std::string tmp_name = std::string(kTmpPrefix) + token;
    const std::string tmp = dir + "/" + tmp_name;
    // Never through a link someone planted under our name (O_EXCL refuses any existing name).
    UniqueFd fd(::openat(dfd.get(), tmp_name.c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return sys_error("cannot create spool file", tmp, errno);
    Status s = write_all(fd.get(), spool_image(specs, env), tmp);
    if (s && ::fdatasync(fd.get()) != 0) s = sys_error("cannot fsync", tmp, errno);
    if (s && ::renameat(dfd.get(), tmp_name.c_str(), dfd.get(), token.c_str()) != 0)
        s = sys_error("cannot rename " + tmp + " to", dir + "/" + token, errno);
    if (!s) {
        ::unlinkat(dfd.get(), tmp_name.c_str(), 0);
        return Error{s.error()};
    }
    // The rename must be on disk before exit 0 acknowledges the job.
    if (readable ? ::fsync(dfd.get()) != 0 : ::syncfs(fd.get()) != 0)
        return sys_error("cannot fsync directory", dir, errno);
    if (::close(fd.release()) != 0) return sys_error("cannot close", dir + "/" + token, errno);
    return token;
}

SpoolRead read_spool_file(int dir_fd, const std::string& dir_name, const std::string& token) {
    SpoolRead r;
    const std::string path = dir_name + "/" + token;
    auto refuse = [&](std::string why) {
        r.outcome = SpoolRead::Outcome::refused;
        r.problem = path + " " + std::move(why);
        return r;
    };
    if (auto s = check_token(token); !s) return refuse("has an invalid name");
    struct stat before {};
    if (::fstatat(dir_fd, token.c_str(), &before, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return r;  // gone: taken in through another event
        return refuse(std::string("cannot be examined: ") + std::strerror(errno));
    }
    // Checked before opening: opening a device or a FIFO can itself have effects.
    if (S_ISLNK(before.st_mode)) return refuse("is a symbolic link");
    if (!S_ISREG(before.st_mode)) return refuse("is not a regular file");
    if (before.st_nlink != 1)
        return refuse("has " + std::to_string(before.st_nlink) + " hard links");
    UniqueFd fd(::openat(dir_fd, token.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return r;
        return refuse(std::string("cannot be opened: ") + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return refuse(std::string("fstat: ") + std::strerror(errno));
    // The name may have been replaced between the two looks: the open file is what counts.
    if (st.st_dev != before.st_dev || st.st_ino != before.st_ino || !S_ISREG(st.st_mode))
        return refuse("was replaced while being opened");
    if (st.st_nlink != 1) return refuse("has " + std::to_string(st.st_nlink) + " hard links");
    if (static_cast<std::uint64_t>(st.st_size) > kMaxSpoolFileBytes)
        return refuse("is larger than " + std::to_string(kMaxSpoolFileBytes >> 20) + " MiB");
    auto image = read_fd(fd.get(), path);
    if (!image) {
        r.outcome = SpoolRead::Outcome::damaged;
        r.problem = image.error();
        return r;
    }
    auto entry = parse_spool(*image);
    if (!entry) {
        r.outcome = SpoolRead::Outcome::damaged;
        r.problem = "damaged spool file " + path + ": " + entry.error();
        return r;
    }
    r.outcome = SpoolRead::Outcome::ok;
    r.entry = std::move(*entry);
    r.entry.token = token;
    r.owner = st.st_uid;
    return r;
}

std::vector<std::string> list_spool(int dir_fd) {
    std::vector<std::string> tokens;
    // A DIR of its own: readdir moves the offset of the fd it reads.
    int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return tokens;
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd), ::closedir);
    if (!dir) {
        ::close(fd);
        return tokens;
    }
    while (const dirent* e = ::readdir(dir.get()))
        if (is_spool_token(e->d_name)) tokens.emplace_back(e->d_name);
    std::sort(tokens.begin(), tokens.end());
    return tokens;
}

Status remove_spool_file(int dir_fd, const std::string& dir_name, const std::string& token) {
    if (auto s = check_token(token); !s) return s;
    // Already gone is fine: a re-import after a crash is recognised by the spool token.
    if (::unlinkat(dir_fd, token.c_str(), 0) != 0 && errno != ENOENT)
        return sys_error("cannot remove spool file", dir_name + "/" + token, errno);
    return ok_status();
}

Status set_aside_spool_file(int dir_fd, const std::string& dir_name, const std::string& token,
                            std::string_view suffix) {
    if (auto s = check_token(token); !s) return s;
    const std::string aside = token + std::string(suffix);
    // rename moves a link itself, never what it points to.
    if (::renameat(dir_fd, token.c_str(), dir_fd, aside.c_str()) != 0)
        return sys_error("cannot rename " + dir_name + "/" + token + " to", dir_name + "/" + aside,
                         errno);
    return ok_status();
}

}  // namespace tend::jobs
