// Loads the config file for the daemon and resolves the names it contains (users, groups).
#pragma once

#include <sys/types.h>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/config/config.hpp"
#include "supervisor/config/config_parser.hpp"
#include "supervisor/daemon/instance_runner.hpp"

namespace tend {

struct LoadedConfig {
    Config config;
    std::vector<std::shared_ptr<const ProgramRuntime>> runtimes;
    std::optional<gid_t> socket_gid;
    std::optional<gid_t> admin_gid;
    // [daemon] direct_submit_user, resolved by a root tendd (a non-root one runs every job as
    // itself): the identity of jobs submitted straight into the database (design §11).
    std::optional<Credentials> direct_submit_credentials;
    bool file_found = false;
};

// Reads and validates `path`; a missing file is fine unless `must_exist`. On failure the
// errors are "FILE:LINE:COLUMN: message" lines.
struct LoadResult {
    std::optional<LoadedConfig> loaded;
    std::vector<std::string> errors;
};
LoadResult load_config_file(const std::string& path, bool must_exist);
// The same with the other layers' sections (config_parser.hpp): they fill their own types.
LoadResult load_config_file(const std::string& path, bool must_exist,
                            const std::vector<ExtraSection>& extra);

// The file's text; fails naming the file and errno. Shared with `tend check`.
Result<std::string> read_text_file(const std::string& path);

}  // namespace tend
