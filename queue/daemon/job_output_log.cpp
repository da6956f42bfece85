// Writes a job's output lines with a size cap; lifecycle notes from tendd bypass the cap.
#include "queue/daemon/job_output_log.hpp"
#include "supervisor/daemon/safe_dir.hpp"
#include "supervisor/util/timestamp.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tend::jobs {

namespace {
void write_all(int fd, const std::string& bytes) {
    // A full disk loses output lines, never the job: errors are ignored here on purpose.
    size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = write(fd, bytes.data() + off, bytes.size() - off);
        if (n <= 0) return;
        off += static_cast<size_t>(n);
    }
}
}  // namespace

JobOutputLog::JobOutputLog(std::string path, std::uint64_t cap)
    : path_(std::move(path)), cap_(cap) {
    // Never through a link planted at the name (SPEC §2): the output is lost instead.
    if (auto opened = open_regular(path_, O_WRONLY | O_APPEND | O_CREAT, 0600))
        fd_ = std::move(opened.value());
    struct stat st;
    // Earlier attempts' output counts against the cap too: the cap is per job.
    if (fd_ && fstat(fd_.get(), &st) == 0) output_bytes_ = static_cast<std::uint64_t>(st.st_size);
    truncated_ = output_bytes_ >= cap_;
}

void JobOutputLog::append(const char* stream, std::string_view text) {
    pending_ += utc_timestamp_now();
    pending_ += ' ';
    pending_ += stream;
    pending_ += ' ';
    pending_.append(text);
    pending_ += '\n';
}

void JobOutputLog::line(Stream stream, std::string_view text, int) {
    if (truncated_) return;
    const std::uint64_t size = text.size() + 40;
    if (output_bytes_ + size > cap_) {
        truncated_ = true;
        append("tend", "output truncated: the queue's output_max_size (" + std::to_string(cap_) +
                           " bytes) was reached");
        return;
    }
    output_bytes_ += size;
    append(stream == Stream::out ? "out" : "err", text);
}

void JobOutputLog::flush() {
    if (pending_.empty() || !fd_) {
        pending_.clear();
        return;
    }
    write_all(fd_.get(), pending_);
    pending_.clear();
}

void JobOutputLog::note(std::string_view text) {
    flush();
    append("tend", text);
    flush();
}

void append_job_note(const std::string& path, std::string_view text) {
    auto opened = open_regular(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (!opened) return;
    UniqueFd fd = std::move(opened.value());
    std::string line = utc_timestamp_now() + " tend ";
    line.append(text);
    line += '\n';
    write_all(fd.get(), line);
}

}  // namespace tend::jobs
