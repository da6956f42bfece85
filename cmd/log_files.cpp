// Backwards reading of rotated log files, so `-n` costs what it shows, not the file size.
#include "cmd/log_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>

namespace tend::cli {

LogLine parse_stored_line(const std::string& raw, int source) {
    LogLine l;
    l.source = source;
    size_t a = raw.find(' ');
    size_t b = a == std::string::npos ? a : raw.find(' ', a + 1);
    auto is = [&](const char* stream) { return raw.compare(a + 1, b - a - 1, stream) == 0; };
    if (a == 20 + 7 && b != std::string::npos && (is("out") || is("err") || is("tend"))) {
        l.time = raw.substr(0, a);
        l.stream = raw.substr(a + 1, b - a - 1);
        l.text = raw.substr(b + 1);
    } else {
        l.text = raw;
    }
    return l;
}

namespace {

// Prepends up to `want` lines from the end of one file to `out` (which holds newer lines).
void tail_one(const std::string& path, long want, std::vector<std::string>& out,
              ReadPosition* end_pos) {
    // A log_file's directory may be its program user's: a link planted there is not read
    // (tend logs often runs as root).
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return;
    }
    if (end_pos) *end_pos = {static_cast<std::uint64_t>(st.st_ino), st.st_size};
    std::vector<std::string> lines;  // newest first
    std::string carry;               // start of a line whose beginning is not read yet
    off_t pos = st.st_size;
    char buf[65536];
    bool skip_partial_tail = true;
    while (pos > 0 && (want < 0 || static_cast<long>(lines.size()) < want)) {
        size_t len = static_cast<size_t>(std::min<off_t>(pos, sizeof buf));
        pos -= static_cast<off_t>(len);
        ssize_t n = pread(fd, buf, len, pos);
        if (n <= 0) break;
        std::string chunk(buf, static_cast<size_t>(n));
        chunk += carry;
        size_t end = chunk.size();
        // The file ends with '\n'; a last line without one is still being written.
        if (skip_partial_tail) {
            skip_partial_tail = false;
            if (!chunk.empty() && chunk.back() == '\n') end = chunk.size() - 1;
        }
        while (true) {
            size_t nl = chunk.rfind('\n', end == 0 ? 0 : end - 1);
            if (nl == std::string::npos || end == 0) break;
            lines.push_back(chunk.substr(nl + 1, end - nl - 1));
            end = nl;
            if (want >= 0 && static_cast<long>(lines.size()) >= want) break;
        }
        carry = chunk.substr(0, end);
    }
    if (pos == 0 && !carry.empty() && (want < 0 || static_cast<long>(lines.size()) < want))
        lines.push_back(carry);
    close(fd);
    std::reverse(lines.begin(), lines.end());
    out.insert(out.begin(), lines.begin(), lines.end());
}

}  // namespace

std::vector<LogLine> tail_log_files(const std::vector<std::string>& files, long n, int source,
                                    ReadPosition* end) {
    std::vector<std::string> raw;
    if (!files.empty()) tail_one(files[0], n, raw, end);
    for (size_t i = 1; i < files.size(); ++i) {
        if (n >= 0 && static_cast<long>(raw.size()) >= n) break;
        tail_one(files[i], n < 0 ? -1 : n - static_cast<long>(raw.size()), raw, nullptr);
    }
    std::vector<LogLine> out;
    for (const auto& r : raw) out.push_back(parse_stored_line(r, source));
    return out;
}

}  // namespace tend::cli
