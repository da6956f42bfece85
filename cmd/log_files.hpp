// Reading instance and job log files for `tend logs`: the last N lines and following new ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tend::cli {

struct LogLine {
    std::string time;    // ISO 8601 UTC, as stored
    std::string stream;  // "out" or "err"; "tend" for tendd's lifecycle lines in job output
    std::string text;
    int source = 0;  // index of the instance it came from
};

// Splits a stored line "TIME STREAM TEXT"; lines in another shape are kept whole as text.
LogLine parse_stored_line(const std::string& raw, int source);

// Where the newest file ended when its tail was read, so following starts exactly there.
struct ReadPosition {
    std::uint64_t inode = 0;
    std::int64_t offset = 0;
};

// The last `n` lines of an instance's files (newest file first in `files`), oldest first.
// n == 0 reads nothing; n < 0 reads everything. `end` receives the newest file's position.
std::vector<LogLine> tail_log_files(const std::vector<std::string>& files, long n, int source,
                                    ReadPosition* end = nullptr);

}  // namespace tend::cli
