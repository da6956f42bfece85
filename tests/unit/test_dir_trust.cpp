// The trust rules for directories, links and files tendd writes (SPEC §2), on stat data alone.
#include <catch2/catch.hpp>

#include "supervisor/util/dir_trust.hpp"

using namespace tend;

namespace {

constexpr uid_t kRoot = 0, kDaemon = 500, kOther = 1001;

struct stat node(mode_t type, mode_t perms, uid_t owner, nlink_t links = 1) {
    struct stat st {};
    st.st_mode = type | perms;
    st.st_uid = owner;
    st.st_nlink = links;
    return st;
}

bool has(const std::optional<std::string>& why, const std::string& text) {
    INFO(why.value_or("(trusted)"));
    return why && why->find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("octal_mode prints the permission, set-id and sticky bits") {
    CHECK(octal_mode(S_IFDIR | 0755) == "0755");
    CHECK(octal_mode(S_IFDIR | 01777) == "1777");
    CHECK(octal_mode(S_IFREG | 0600) == "0600");
}

TEST_CASE("a lookup is stable only in a directory that root or the daemon's user controls") {
    // /usr, /var/lib: root's, 0755.
    CHECK_FALSE(lookup_instability(node(S_IFDIR, 0755, kRoot), kRoot, kDaemon));
    // The daemon's own home.
    CHECK_FALSE(lookup_instability(node(S_IFDIR, 0700, kDaemon), kOther, kDaemon));
    // Another user's directory, whatever its mode today: its owner can chmod it.
    CHECK(has(lookup_instability(node(S_IFDIR, 0755, kOther), kRoot, kDaemon), "uid 1001"));
    CHECK(has(lookup_instability(node(S_IFDIR, 0755, kOther), kRoot, kRoot), "owned by uid 1001"));
    // Writable by others.
    CHECK(has(lookup_instability(node(S_IFDIR, 0777, kRoot), kRoot, kRoot), "group and others"));
    CHECK(has(lookup_instability(node(S_IFDIR, 0775, kRoot), kRoot, kRoot), "its group"));
    CHECK(has(lookup_instability(node(S_IFDIR, 0757, kRoot), kRoot, kRoot), "mode 0757"));
}

TEST_CASE("in a sticky directory only root's and the daemon's entries are stable") {
    const struct stat tmp = node(S_IFDIR, 01777, kRoot);
    CHECK_FALSE(lookup_instability(tmp, kRoot, kDaemon));
    CHECK_FALSE(lookup_instability(tmp, kDaemon, kDaemon));
    CHECK(has(lookup_instability(tmp, kOther, kDaemon), "writable by group and others"));
}

TEST_CASE(
    "a symlink is followed only if root or the daemon's user made it, where no one else can") {
    const struct stat var = node(S_IFDIR, 0755, kRoot);
    CHECK_FALSE(symlink_distrust(var, node(S_IFLNK, 0777, kRoot), kRoot));  // /var/run -> /run
    CHECK_FALSE(
        symlink_distrust(node(S_IFDIR, 0700, kDaemon), node(S_IFLNK, 0777, kDaemon), kDaemon));
    // Made by the program's user in their own directory (/run/app/x -> /etc).
    CHECK(has(symlink_distrust(node(S_IFDIR, 0755, kOther), node(S_IFLNK, 0777, kOther), kRoot),
              "owned by uid 1001"));
    // Root's link in a directory others can write could have been replaced by theirs.
    CHECK(has(symlink_distrust(node(S_IFDIR, 0777, kRoot), node(S_IFLNK, 0777, kRoot), kRoot),
              "the directory holding it"));
    // In /tmp, root's own link cannot be replaced by another user.
    CHECK_FALSE(symlink_distrust(node(S_IFDIR, 01777, kRoot), node(S_IFLNK, 0777, kRoot), kRoot));
    CHECK(has(symlink_distrust(node(S_IFDIR, 01777, kRoot), node(S_IFLNK, 0777, kOther), kRoot),
              "uid 1001"));
}

TEST_CASE("a state or socket dir must be the daemon's, writable by it alone") {
    CHECK_FALSE(private_dir_distrust(node(S_IFDIR, 0700, kRoot), kRoot));
    CHECK_FALSE(private_dir_distrust(node(S_IFDIR, 0755, kDaemon), kDaemon));
    // Group-readable for socket_group is fine: the socket's own mode decides who connects.
    CHECK_FALSE(private_dir_distrust(node(S_IFDIR, 0750, kRoot), kRoot));
    CHECK(has(private_dir_distrust(node(S_IFDIR, 0700, kOther), kRoot),
              "owned by uid 1001, not by the daemon's user (uid 0)"));
    // Root's dir is not a user instance's either.
    CHECK(has(private_dir_distrust(node(S_IFDIR, 0700, kRoot), kDaemon), "owned by uid 0"));
    CHECK(has(private_dir_distrust(node(S_IFDIR, 0777, kRoot), kRoot), "mode 0777"));
    CHECK(has(private_dir_distrust(node(S_IFDIR, 01777, kRoot), kRoot), "mode 1777"));
    CHECK(has(private_dir_distrust(node(S_IFDIR, 0770, kRoot), kRoot), "writable by its group"));
    CHECK(has(private_dir_distrust(node(S_IFREG, 0700, kRoot), kRoot), "not a directory"));
}

TEST_CASE("the socket tendd just bound is recognised; anything swapped in is not") {
    CHECK_FALSE(fresh_socket_distrust(node(S_IFSOCK, 0600, kRoot), kRoot));
    CHECK(has(fresh_socket_distrust(node(S_IFLNK, 0777, kOther), kRoot), "symbolic link"));
    CHECK(has(fresh_socket_distrust(node(S_IFREG, 0600, kRoot), kRoot), "not a socket"));
    CHECK(has(fresh_socket_distrust(node(S_IFSOCK, 0600, kOther), kRoot), "uid 1001"));
    // A hard link to another root socket (docker.sock, say) has a second name somewhere.
    CHECK(has(fresh_socket_distrust(node(S_IFSOCK, 0600, kRoot, 2), kRoot), "2 hard links"));
    CHECK(has(fresh_socket_distrust(node(S_IFSOCK, 0660, kRoot), kRoot), "mode is 0660"));
}

TEST_CASE("a file tendd keeps for itself is a plain file of its own with one link") {
    CHECK_FALSE(own_file_distrust(node(S_IFREG, 0644, kRoot), kRoot));
    CHECK(has(own_file_distrust(node(S_IFREG, 0644, kOther), kRoot), "uid 1001"));
    CHECK(has(own_file_distrust(node(S_IFREG, 0644, kRoot, 2), kRoot), "2 hard links"));
    CHECK(has(own_file_distrust(node(S_IFIFO, 0644, kRoot), kRoot), "not a regular file"));
    CHECK(has(own_file_distrust(node(S_IFLNK, 0777, kRoot), kRoot), "symbolic link"));
}
