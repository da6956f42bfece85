// Size-based rotation of instance log files; a write batch costs one write(2).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <cerrno>
#include <cstdio>
#include <ctime>

#include "supervisor/daemon/log_writer.hpp"
#include "supervisor/daemon/safe_dir.hpp"
#include "supervisor/util/timestamp.hpp"

namespace tend {

RotatingFileLog::RotatingFileLog(std::string path, std::uint64_t max_size, int keep)
    : path_(std::move(path)), max_size_(max_size), keep_(keep) {
    open_file();
}

void RotatingFileLog::open_file() {
    // A link planted at the log's name is never written through (SPEC §2); the output is
    // lost instead, as it is when the file cannot be opened at all.
    auto opened = open_regular(path_, O_WRONLY | O_APPEND | O_CREAT, 0600);
    fd_ = opened ? std::move(opened.value()) : UniqueFd();
    struct stat st;
    size_ = fd_ && fstat(fd_.get(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

void RotatingFileLog::rotate() {
    flush();
    if (keep_ == 0) {
        // A failed truncate leaves the file growing; losing output must not stop the daemon.
        if (fd_) (void)!ftruncate(fd_.get(), 0);
        size_ = 0;
        return;
    }
    for (int i = keep_ - 1; i >= 1; --i) {
        std::string from = path_ + "." + std::to_string(i);
        std::string to = path_ + "." + std::to_string(i + 1);
        rename(from.c_str(), to.c_str());
    }
    rename(path_.c_str(), (path_ + ".1").c_str());
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
