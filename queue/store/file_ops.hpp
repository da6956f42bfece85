// Small file-system helpers shared by the job log and the spool: errno messages, fsync of a dir.
#pragma once

#include <string>

#include "supervisor/util/result.hpp"

namespace tend::jobs {

// "WHAT PATH: strerror(err)".
Error sys_error(const std::string& what, const std::string& path, int err);

// Makes a rename or create inside `dir` durable.
Status fsync_dir(const std::string& dir);

}  // namespace tend::jobs
