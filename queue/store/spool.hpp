// The spool: jobs that `tend submit` stored while tendd was unreachable, one file each (SPEC §6.3).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "queue/core/job.hpp"
#include "supervisor/util/result.hpp"

namespace tend::jobs {

// STATE/spool
std::string spool_dir(const std::string& state_dir);

// A spooled submit: specs with id 0 and the environment they were captured with.
struct SpoolEntry {
    std::string token;  // the file name; unique, and ordered by time of writing
    std::vector<JobSpec> specs;
    std::vector<std::string> env;
};

// Stores one submit durably: writes STATE/spool/.tmp-TOKEN (a job-log file header, one ENV
// frame with env_id 0, one SUBMIT frame), fdatasyncs it, renames it to TOKEN and fsyncs the
// directory. Creates the spool directory (0700) when missing. Returns the token.
Result<std::string> write_spool_file(const std::string& state_dir,
                                     const std::vector<JobSpec>& specs,
                                     const std::vector<std::string>& env);

// Checks the frames of a spool file's bytes and decodes its one ENV and one SUBMIT record (pure:
// read_spool_file's parser, also run by tests/fuzz). The token is left empty.
Result<SpoolEntry> parse_spool(std::string_view image);

// Reads one spool file by token. A damaged file is an error naming it.
Result<SpoolEntry> read_spool_file(const std::string& state_dir, const std::string& token);

// Tokens of complete spool files (temporary files are skipped), oldest first.
std::vector<std::string> list_spool(const std::string& state_dir);

// Removes a file once its jobs are committed to the log; a damaged one is renamed to
// TOKEN.damaged instead by `set_aside_spool_file`.
Status remove_spool_file(const std::string& state_dir, const std::string& token);
Status set_aside_spool_file(const std::string& state_dir, const std::string& token);

}  // namespace tend::jobs
