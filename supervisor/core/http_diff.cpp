// The reload diff of [http].
#include "supervisor/core/http_diff.hpp"

namespace tend {

std::vector<SectionDiff> diff_http(const HttpConfig& before, const HttpConfig& after) {
    if (before == after) return {};
    if (!before.present) return {{"http", "added", {}}};
    if (!after.present) return {{"http", "removed", {}}};
    SectionDiff d{"http", "changed", {}};
    if (before.listen != after.listen) d.keys.push_back("listen");
    if (before.token_file != after.token_file) d.keys.push_back("token_file");
    if (before.public_routes != after.public_routes) d.keys.push_back("public");
    if (before.actions != after.actions) d.keys.push_back("actions");
    if (before.allowed_hosts != after.allowed_hosts) d.keys.push_back("allowed_hosts");
    return {d};
}

}  // namespace tend
