// The spool: jobs that `tend submit` stored while tendd was unreachable, one file each (SPEC §6.3).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "queue/core/job.hpp"
#include "supervisor/util/result.hpp"

namespace tend::jobs {

// A spooled submit: specs with id 0 and the environment they were captured with. The uid,
// gid and groups inside the specs are whatever the writer put there: tendd never trusts them
// (the submitter is the file's owner).
struct SpoolEntry {
    std::string token;  // the file name; unique, and ordered by time of writing
    std::vector<JobSpec> specs;
    std::vector<std::string> env;
};

// Names ending so are not jobs: damaged files and refused ones, set aside by tendd.
inline constexpr std::string_view kSpoolDamagedSuffix = ".damaged";
inline constexpr std::string_view kSpoolRefusedSuffix = ".refused";
// A spool file larger than this is refused unread.
inline constexpr std::size_t kMaxSpoolFileBytes = 512u << 20;

// Whether a directory entry is a spool file to take in (not ".", "..", a temporary file or a
// set-aside one).
bool is_spool_token(std::string_view name);

// Decodes the bytes of one spool file: a job-log file header, one ENV frame and one SUBMIT
// frame. Pure; never throws, whatever the bytes (the spool fuzz target calls it).
Result<SpoolEntry> parse_spool(std::string_view image) noexcept;

// Stores one submit durably in the spool directory `dir` (tend submit): writes .tmp-TOKEN
// without following links, fdatasyncs it, renames it to TOKEN and fsyncs the directory.
// Creates `dir` (0700, with missing parents) when missing. Returns the token.
Result<std::string> write_spool_file(const std::string& dir, const std::vector<JobSpec>& specs,
                                     const std::vector<std::string>& env);

// What tendd found under one name of its spool directory (an fd it opened and checked).
struct SpoolRead {
    enum class Outcome { ok, gone, refused, damaged };
    Outcome outcome = Outcome::gone;
    SpoolEntry entry;     // when ok
    uid_t owner = 0;      // the file's owner: the submitter (when ok)
    std::string problem;  // why, when refused or damaged
};

// Reads TOKEN in `dir_fd` without following links. Refused (unread): a symlink, anything but
// a regular file, a file with several links, a file over kMaxSpoolFileBytes. `dir_name` is for
// messages.
SpoolRead read_spool_file(int dir_fd, const std::string& dir_name, const std::string& token);

// Tokens of complete spool files in `dir_fd`, oldest first.
std::vector<std::string> list_spool(int dir_fd);

// Removes a file once its jobs are committed to the log (already gone is fine).
Status remove_spool_file(int dir_fd, const std::string& dir_name, const std::string& token);
// Renames TOKEN to TOKEN + suffix (kSpoolDamagedSuffix or kSpoolRefusedSuffix).
Status set_aside_spool_file(int dir_fd, const std::string& dir_name, const std::string& token,
                            std::string_view suffix);

}  // namespace tend::jobs
