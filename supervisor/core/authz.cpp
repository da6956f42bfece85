// The authorization table of SPEC §8: admins may do everything, socket users their own things.
#include "supervisor/core/authz.hpp"

#include <algorithm>
#include <string>

namespace tend::authz {
namespace {

bool in_group(std::uint32_t want, std::uint32_t gid, const std::vector<std::uint32_t>& groups) {
    return gid == want || std::find(groups.begin(), groups.end(), want) != groups.end();
}

constexpr const char* kAdmins = "root, tendd's user and members of admin_group";

// "cron_run" -> "tend cron run", as the user typed it.
std::string as_typed(std::string_view cmd) {
    std::string out = "tend ";
    for (char c : cmd) out += c == '_' ? ' ' : c;
    return out;
}

}  // namespace

std::optional<Role> role_of(const AccessPolicy& policy, std::uint32_t uid, std::uint32_t gid,
                            const std::vector<std::uint32_t>& groups) {
    if (uid == 0 || uid == policy.daemon_uid) return Role::admin;
    if (policy.admin_gid && in_group(*policy.admin_gid, gid, groups)) return Role::admin;
    if (policy.socket_gid && in_group(*policy.socket_gid, gid, groups)) return Role::user;
    return std::nullopt;
}

Status authorize(const Caller& caller, std::string_view cmd, Access access) {
    if (caller.is_admin() || access == Access::user) return ok_status();
    return make_error("permission denied: " + as_typed(cmd) + " is for " + kAdmins);
}

Status authorize(const Caller& caller, Object object) {
    if (caller.is_admin()) return ok_status();
    switch (object.kind) {
        case Subject::none:
            return ok_status();
        case Subject::program:
            return make_error(std::string("permission denied: programs are for ") + kAdmins);
        case Subject::cron_config:
            return make_error(std::string("permission denied: entries of the config are for ") +
                              kAdmins);
        case Subject::job:
        case Subject::cron_entry:
            if (object.owner == caller.uid) return ok_status();
            return make_error("permission denied: it belongs to another user (uid " +
                              std::to_string(object.owner) + ")");
    }
    return make_error("permission denied");
}

}  // namespace tend::authz
