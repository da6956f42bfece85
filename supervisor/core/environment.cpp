// Environment merging; linear in the sizes involved, run once per instance, not per spawn.
#include "supervisor/core/environment.hpp"

#include <unordered_map>

namespace tend {

std::vector<std::string> merge_environment(
    const std::vector<std::string>& base,
    const std::vector<std::pair<std::string, std::string>>& overrides) {
    std::unordered_map<std::string, size_t> last;  // key -> index of its final override
    for (size_t i = 0; i < overrides.size(); ++i) last[overrides[i].first] = i;
    std::vector<std::string> out;
    out.reserve(base.size() + overrides.size());
    for (const auto& entry : base) {
        const std::string key = entry.substr(0, entry.find('='));
        if (!last.count(key)) out.push_back(entry);
    }
    for (size_t i = 0; i < overrides.size(); ++i)
        if (last[overrides[i].first] == i)
            out.push_back(overrides[i].first + "=" + overrides[i].second);
    return out;
}

}  // namespace tend
