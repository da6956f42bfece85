// One load of tend.toml that fills supervision's, the queue layer's and [http]'s sections.
#include "cmd/full_config_loader.hpp"

#include "supervisor/config/config_walker.hpp"

namespace tend {

FullLoadResult load_full_config(const std::string& path, bool must_exist) {
    FullLoadResult out;
    std::vector<ExtraSection> extra = queue_sections(out.queue);
    extra.push_back(http_section(out.http));
    out.load = load_config_file(path, must_exist, extra);
    return out;
}

}  // namespace tend
