// Who may do what over the control socket (SPEC §8 Authorization): a pure decision, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "supervisor/util/result.hpp"

namespace tend::authz {

// admin: root, tendd's own uid, members of admin_group. user: members of socket_group.
enum class Role { admin, user };

// Whom the socket admits: the system instance's groups (unset for a user instance).
struct AccessPolicy {
    std::uint32_t daemon_uid = 0;
    std::optional<std::uint32_t> socket_gid;
    std::optional<std::uint32_t> admin_gid;
};

// The peer of a request, as the kernel saw it at connect time, and its role.
struct Caller {
    std::uint32_t uid = 65534;
    std::uint32_t gid = 65534;
    std::vector<std::uint32_t> groups;
    Role role = Role::user;
    bool is_admin() const { return role == Role::admin; }
};

// The role of a peer, or nullopt when it may not use the socket at all.
std::optional<Role> role_of(const AccessPolicy& policy, std::uint32_t uid, std::uint32_t gid,
                            const std::vector<std::uint32_t>& groups);

// What a request acts on, when it acts on one thing that has an owner.
enum class Subject {
    none,         // the command as a whole (listings, submit, ...)
    job,          // show, logs, cancel, retry, wait: owner is the job's uid
    cron_entry,   // an entry added with `tend cron add`: owner is its uid
    cron_config,  // a [cron.NAME] entry of the config (tendd's own)
    program,      // a supervised program (logs, control)
};
struct Object {
    Subject kind = Subject::none;
    std::uint32_t owner = 0;
};

// Who may call a protocol method: socket_group members too, or admins only. Each method's
// entry in tendd's method table (cmd/tendd/methods.cpp) says which.
enum class Access { user, admin };

// Whether `caller` may call method `cmd` (named in the error) that `access` allows; the error
// says why not, in words meant for the person at the CLI.
Status authorize(const Caller& caller, std::string_view cmd, Access access);

// Whether `caller` may act on `object` (a method it may call): a user acts on what it owns
// only, and never on programs or the config's cron entries.
Status authorize(const Caller& caller, Object object);

}  // namespace tend::authz
