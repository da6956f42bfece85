// Authorization between socket users (SPEC §8): roles from credentials, and the method table's
// who may call what, and the owner rule.
#include <catch2/catch.hpp>

#include "cmd/tendd/methods.hpp"
#include "supervisor/core/authz.hpp"

using namespace tend;
using namespace tend::authz;

namespace {
constexpr std::uint32_t kDaemon = 0, kSocketGid = 500, kAdminGid = 600;
const AccessPolicy kPolicy{kDaemon, kSocketGid, kAdminGid};
Caller user(std::uint32_t uid) {
    return {uid, 100, {kSocketGid}, Role::user};
}
const Caller kAdmin{1003, 100, {kAdminGid}, Role::admin};

// What tendd decides for method `cmd` on `object`: the method table says who may call it
// (unknown methods are admin-only), then the owner of the object it acts on.
Status authorize_cmd(const Caller& caller, std::string_view cmd, Object object = {}) {
    auto ok = authorize(caller, cmd, method_access(cmd).value_or(Access::admin));
    return ok ? authorize(caller, object) : ok;
}
}  // namespace

TEST_CASE("roles come from uid and groups", "[authz]") {
    CHECK(role_of(kPolicy, 0, 0, {}) == Role::admin);
    CHECK(role_of(AccessPolicy{1234, {}, {}}, 1234, 1234, {}) == Role::admin);
    CHECK(role_of(kPolicy, 1001, 100, {kSocketGid}) == Role::user);
    CHECK(role_of(kPolicy, 1001, kSocketGid, {}) == Role::user);
    CHECK(role_of(kPolicy, 1003, 100, {kAdminGid}) == Role::admin);
    CHECK(role_of(kPolicy, 1003, kAdminGid, {kSocketGid}) == Role::admin);
    CHECK_FALSE(role_of(kPolicy, 1004, 100, {101, 102}));
    // A user instance (no groups) admits only root and its own user.
    CHECK_FALSE(role_of(AccessPolicy{1234, {}, {}}, 1001, kSocketGid, {kAdminGid}));
}

TEST_CASE("admins may do everything", "[authz]") {
    for (const char* cmd : {"stop", "reload", "shutdown", "pause", "compact", "cancel", "cron_run"})
        CHECK(authorize_cmd(kAdmin, cmd, {Subject::job, 1001}).ok());
    CHECK(authorize_cmd(kAdmin, "cron_run", {Subject::cron_config, 0}).ok());
    CHECK(authorize_cmd(kAdmin, "logs", {Subject::program, 0}).ok());
}

TEST_CASE("users may read, submit and add", "[authz]") {
    for (const char* cmd : {"status", "version", "queues", "jobs", "submit", "submit_lines",
                            "cron_list", "cron_add", "cron_next"})
        CHECK(authorize_cmd(user(1001), cmd).ok());
}

TEST_CASE("users may not control programs or the daemon", "[authz]") {
    for (const char* cmd : {"start", "stop", "restart", "signal", "reload", "pause", "resume",
                            "shutdown", "compact", "queue_set", "no_such_command"}) {
        auto r = authorize_cmd(user(1001), cmd);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().find("permission denied") == 0);
    }
    CHECK(authorize_cmd(user(1001), "stop").error() ==
          "permission denied: tend stop is for root, tendd's user and members of admin_group");
    CHECK_FALSE(authorize_cmd(user(1001), "logs", {Subject::program, 0}).ok());
}

TEST_CASE("users act on their own jobs and entries only", "[authz]") {
    for (const char* cmd : {"show", "logs", "cancel", "retry", "wait"}) {
        CHECK(authorize_cmd(user(1001), cmd, {Subject::job, 1001}).ok());
        CHECK_FALSE(authorize_cmd(user(1001), cmd, {Subject::job, 1002}).ok());
        CHECK_FALSE(authorize_cmd(user(1001), cmd, {Subject::job, 0}).ok());
    }
    for (const char* cmd : {"cron_run", "cron_remove"}) {
        CHECK(authorize_cmd(user(1001), cmd, {Subject::cron_entry, 1001}).ok());
        CHECK_FALSE(authorize_cmd(user(1001), cmd, {Subject::cron_entry, 1002}).ok());
        // Config entries are tendd's, even when tendd's uid happens to be the caller's.
        CHECK_FALSE(authorize_cmd(user(1001), cmd, {Subject::cron_config, 1001}).ok());
    }
    CHECK(authorize_cmd(user(1001), "cancel", {Subject::job, 0}).error() ==
          "permission denied: it belongs to another user (uid 0)");
}
