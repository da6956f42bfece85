// Size-based rotation of instance log files; a write batch costs one write(2).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <ctime>

#include "supervisor/daemon/log_writer.hpp"
#include "supervisor/daemon/safe_dir.hpp"
#include "supervisor/util/dir_trust.hpp"
#include "supervisor/util/timestamp.hpp"

namespace tend {

RotatingFileLog::RotatingFileLog(std::string path, std::uint64_t max_size, int keep)
    : name_(path), shown_(std::move(path)), max_size_(max_size), keep_(keep) {
    open_file();
}

RotatingFileLog::RotatingFileLog(UniqueFd dir, std::string name, std::string shown,
                                 std::uint64_t max_size, int keep, Warn warn)
    : dir_(std::move(dir)),
      name_(std::move(name)),
      shown_(std::move(shown)),
      mode_(0640),  // beside the program's other logs, readable by the admin's group
      max_size_(max_size),
      keep_(keep),
      warn_(std::move(warn)) {
    open_file();
}

int RotatingFileLog::dir_fd() const {
    return dir_ ? dir_.get() : AT_FDCWD;
}

void RotatingFileLog::open_file() {
    // A link planted at the log's name is never written through (SPEC §2); the output is
    // lost instead, as it is when the file cannot be opened at all.
    auto opened = open_regular_at(dir_fd(), name_, O_WRONLY | O_APPEND | O_CREAT, mode_, shown_);
    fd_ = opened ? std::move(opened.value()) : UniqueFd();
    struct stat st {};
    if (fd_ && fstat(fd_.get(), &st) != 0) fd_.reset();
    std::string why = opened ? "" : opened.error();
    if (fd_ && dir_)
        if (auto bad = log_file_distrust(st)) {
            why = shown_ + " is not written: " + *bad;
            fd_.reset();
        }
    size_ = fd_ ? static_cast<std::uint64_t>(st.st_size) : 0;
    if (fd_) {
        warned_ = false;
    } else if (warn_ && !warned_) {
        warned_ = true;
        warn_(why + "; output is lost until it can be opened");
    }
}

void RotatingFileLog::rotate() {
    flush();
    if (keep_ == 0) {
        // A failed truncate leaves the file growing; losing output must not stop the daemon.
        if (fd_) (void)!ftruncate(fd_.get(), 0);
        size_ = 0;
        return;
    }
    // renameat moves a directory entry, whatever it is: a link planted at one of the names is
    // moved or replaced, never followed.
    const int dir = dir_fd();
    for (int i = keep_ - 1; i >= 1; --i) {
        std::string from = name_ + "." + std::to_string(i);
        std::string to = name_ + "." + std::to_string(i + 1);
        renameat(dir, from.c_str(), dir, to.c_str());
    }
    renameat(dir, name_.c_str(), dir, (name_ + ".1").c_str());
    open_file();
}

void RotatingFileLog::line(Stream stream, std::string_view text, int) {
    std::string entry = utc_timestamp_now();
    entry += stream == Stream::out ? " out " : stream == Stream::err ? " err " : " tend ";
    entry.append(text);
    entry += '\n';
    if (size_ + pending_.size() + entry.size() > max_size_ && size_ + pending_.size() > 0) rotate();
    pending_ += entry;
}

void RotatingFileLog::flush() {
    if (pending_.empty()) return;
    if (!fd_) open_file();
    if (fd_) {
        ssize_t n = write(fd_.get(), pending_.data(), pending_.size());
        if (n > 0) size_ += static_cast<std::uint64_t>(n);
    }
    pending_.clear();
}

}  // namespace tend
