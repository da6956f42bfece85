// Loading the whole of tend.toml from disk: what tendd and `tend check` use.
#pragma once

#include <string>

#include "queue/config/queue_config.hpp"
#include "supervisor/config/http_config.hpp"
#include "supervisor/daemon/config_loader.hpp"

namespace tend {

struct FullLoadResult {
    LoadResult load;      // supervision's part: [daemon], programs, users, groups; every error
    QueueSections queue;  // [queue.*] and [cron.*]; empty when the file is missing
    HttpConfig http;      // [http]; absent (present = false) when the file has none
};

// load_config_file with the queue layer's and the HTTP server's sections, in one parse.
FullLoadResult load_full_config(const std::string& path, bool must_exist);

}  // namespace tend
