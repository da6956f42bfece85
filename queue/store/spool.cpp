// Spool files written by tend submit while tendd is unreachable.
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
#include <memory>

#include "queue/core/record_format.hpp"
#include "queue/store/file_ops.hpp"
#include "supervisor/daemon/unique_fd.hpp"

namespace tend::jobs {

namespace {

constexpr std::string_view kTmpPrefix = ".tmp-";
constexpr std::string_view kDamagedSuffix = ".damaged";

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

// Tokens come from outside (the protocol): they must name a file inside the spool, no more.
bool valid_token(const std::string& token) {
    return !token.empty() && token[0] != '.' && token.find('/') == std::string::npos;
}

Status check_token(const std::string& token) {
    if (valid_token(token)) return ok_status();
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

Result<std::string> read_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_error("cannot open spool file", path, errno);
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_error("cannot read spool file", path, errno);
        if (n == 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

std::string spool_image(const std::vector<JobSpec>& specs, const std::vector<std::string>& env) {
    std::string image = encode_file_header();
    append_frame(image, RecordType::env, encode_env({0, env}));
    append_frame(image, RecordType::submit, encode_submit(specs));
    return image;
}

}  // namespace

// Checks the frames of a spool file image and decodes its one ENV and one SUBMIT record.
Result<SpoolEntry> parse_spool(std::string_view image) {
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

std::string spool_dir(const std::string& state_dir) {
    return state_dir + "/spool";
}

Result<std::string> write_spool_file(const std::string& state_dir,
                                     const std::vector<JobSpec>& specs,
                                     const std::vector<std::string>& env) {
    const std::string dir = spool_dir(state_dir);
    // tendd may never have run here: the state dir itself is created too, private as tendd
    // would make it (SPEC §2), with each missing parent.
    for (std::size_t slash = 1; slash != std::string::npos;) {
        slash = dir.find('/', slash + 1);
        const std::string part = dir.substr(0, slash);
        if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
            return sys_error("cannot create spool directory", part, errno);
    }
    const std::string token = new_token();
    const std::string tmp = dir + "/" + std::string(kTmpPrefix) + token;
    const std::string final_path = dir + "/" + token;
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) return sys_error("cannot create spool file", tmp, errno);
    Status s = write_all(fd.get(), spool_image(specs, env), tmp);
    if (s && ::fdatasync(fd.get()) != 0) s = sys_error("cannot fsync", tmp, errno);
    if (s && ::close(fd.release()) != 0) s = sys_error("cannot close", tmp, errno);
    if (s && ::rename(tmp.c_str(), final_path.c_str()) != 0)
        s = sys_error("cannot rename " + tmp + " to", final_path, errno);
    if (!s) {
        ::unlink(tmp.c_str());
        return Error{s.error()};
    }
    if (auto d = fsync_dir(dir); !d) return Error{d.error()};
    return token;
}

Result<SpoolEntry> read_spool_file(const std::string& state_dir, const std::string& token) {
    if (auto s = check_token(token); !s) return Error{s.error()};
    const std::string path = spool_dir(state_dir) + "/" + token;
    auto image = read_file(path);
    if (!image) return Error{image.error()};
    auto entry = parse_spool(*image);
    if (!entry) return make_error("damaged spool file " + path + ": " + entry.error());
    entry->token = token;
    return entry;
}

std::vector<std::string> list_spool(const std::string& state_dir) {
    std::vector<std::string> tokens;
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(spool_dir(state_dir).c_str()), ::closedir);
    if (!dir) return tokens;
    while (const dirent* e = ::readdir(dir.get())) {
        std::string_view name = e->d_name;
        // Hidden names are temporary files (and . and ..); set-aside files are not jobs.
        if (name.empty() || name[0] == '.' || name.ends_with(kDamagedSuffix)) continue;
        tokens.emplace_back(name);
    }
    std::sort(tokens.begin(), tokens.end());
    return tokens;
}

Status remove_spool_file(const std::string& state_dir, const std::string& token) {
    if (auto s = check_token(token); !s) return s;
    const std::string path = spool_dir(state_dir) + "/" + token;
    // Already gone is fine: a re-import after a crash is recognised by the spool token.
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return sys_error("cannot remove spool file", path, errno);
    return ok_status();
}

Status set_aside_spool_file(const std::string& state_dir, const std::string& token) {
    if (auto s = check_token(token); !s) return s;
    const std::string path = spool_dir(state_dir) + "/" + token;
    const std::string aside = path + std::string(kDamagedSuffix);
    if (::rename(path.c_str(), aside.c_str()) != 0)
        return sys_error("cannot rename " + path + " to", aside, errno);
    return ok_status();
}

}  // namespace tend::jobs
