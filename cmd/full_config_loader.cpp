// One load of tend.toml that fills supervision's and the queue layer's sections.
#include "cmd/full_config_loader.hpp"

#include "supervisor/config/config_walker.hpp"

namespace tend {

FullLoadResult load_full_config(const std::string& path, bool must_exist) {
    FullLoadResult out;
    out.load = load_config_file(path, must_exist, queue_sections(out.queue));
    return out;
}

}  // namespace tend
