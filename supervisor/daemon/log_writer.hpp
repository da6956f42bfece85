// Destinations of captured instance output: rotating files or journald.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "supervisor/util/unique_fd.hpp"

namespace tend {

// `tend`: tendd's own marker lines in a program's log (SPEC §5.8), "[tend] ..." in `tend logs`.
enum class Stream { out = 1, err = 2, tend = 3 };

class LogWriter {
  public:
    virtual ~LogWriter() = default;
    // `pid` is the main process that was running when the line was read (0 if none).
    virtual void line(Stream stream, std::string_view text, int pid) = 0;
    // Called after each batch of lines, so a writer may coalesce its writes.
    virtual void flush() {}
};

// One file per instance, "TIMESTAMP out|err|tend TEXT" per line, rotated by size.
// Layout: DIR/INSTANCE.log, then INSTANCE.log.1 .. INSTANCE.log.KEEP (oldest).
class RotatingFileLog : public LogWriter {
  public:
    using Warn = std::function<void(const std::string&)>;
    // `path` in a directory tendd trusts (its state dir).
    RotatingFileLog(std::string path, std::uint64_t max_size, int keep);
    // NAME in `dir` (an fd from the symlink-safe walk), a directory the program's user may
    // own (log_file): every open and rename is relative to that fd and never follows a link,
    // and a file with more than one link is not written. `shown` names it in warnings.
    RotatingFileLog(UniqueFd dir, std::string name, std::string shown, std::uint64_t max_size,
                    int keep, Warn warn);
    void line(Stream stream, std::string_view text, int pid) override;
    void flush() override;

  private:
    int dir_fd() const;
    void open_file();
    void rotate();

    UniqueFd dir_;      // empty: name_ is a path (state dir)
    std::string name_;  // in dir_, or the whole path
    std::string shown_;
    mode_t mode_ = 0600;
    std::uint64_t max_size_;
    int keep_;
    Warn warn_;
    bool warned_ = false;  // one warning per streak of failed opens, not one per line
    UniqueFd fd_;
    std::uint64_t size_ = 0;
    std::string pending_;
};

// Native journal protocol datagrams with SYSLOG_IDENTIFIER, TEND_INSTANCE and, when the
// daemon may (root), credentials naming the instance's pid so journald records its _PID.
class JournalLog : public LogWriter {
  public:
    JournalLog(std::string program, int instance);
    void line(Stream stream, std::string_view text, int pid) override;

    // $TEND_JOURNAL_SOCKET (for tests) or /run/systemd/journal/socket.
    static std::string socket_path();

  private:
    std::string program_;
    int instance_;
    UniqueFd fd_;
    bool credentials_allowed_ = true;
};

}  // namespace tend
