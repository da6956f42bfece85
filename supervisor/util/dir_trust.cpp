// The trust rules of SPEC §2 for directories, links and files, as pure functions of stat data.
#include "supervisor/util/dir_trust.hpp"

#include <cstdio>

namespace tend {
namespace {

std::string owner_text(uid_t uid) {
    return "uid " + std::to_string(uid);
}

// Group or others may write: says which, with the mode, or nullopt.
std::optional<std::string> writable_by_others(mode_t mode) {
    const bool group = mode & S_IWGRP, other = mode & S_IWOTH;
    if (!group && !other) return std::nullopt;
    std::string who = group && other ? "group and others" : group ? "its group" : "others";
    return "it is writable by " + who + " (mode " + octal_mode(mode) + ")";
}

}  // namespace

std::string octal_mode(mode_t mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

std::optional<std::string> lookup_instability(const struct stat& dir, uid_t entry_owner,
                                              uid_t self) {
    if (!trusted_owner(dir.st_uid, self))
        // Its owner can make it writable at any time, whatever its mode says now.
        return "it is owned by " + owner_text(dir.st_uid);
    if ((dir.st_mode & S_ISVTX) && trusted_owner(entry_owner, self)) return std::nullopt;
    return writable_by_others(dir.st_mode);
}

std::optional<std::string> symlink_distrust(const struct stat& dir, const struct stat& link,
                                            uid_t self) {
    if (!trusted_owner(link.st_uid, self)) return "it is owned by " + owner_text(link.st_uid);
    if (auto why = lookup_instability(dir, link.st_uid, self))
        return "the directory holding it is not safe: " + *why;
    return std::nullopt;
}

std::optional<std::string> private_dir_distrust(const struct stat& dir, uid_t self) {
    if (!S_ISDIR(dir.st_mode)) return std::string("it is not a directory");
    if (dir.st_uid != self)
        return "it is owned by " + owner_text(dir.st_uid) + ", not by the daemon's user (" +
               owner_text(self) + ")";
    return writable_by_others(dir.st_mode);
}

std::optional<std::string> log_dir_distrust(const struct stat& dir, uid_t self,
                                            std::optional<uid_t> program_uid) {
    if (!S_ISDIR(dir.st_mode)) return std::string("it is not a directory");
    const bool own = program_uid && dir.st_uid == *program_uid;
    if (!trusted_owner(dir.st_uid, self) && !own)
        return "it is owned by " + owner_text(dir.st_uid) +
               (program_uid ? ", neither root, the daemon's user nor the program's user (" +
                                  owner_text(*program_uid) + ")"
                            : ", neither root nor the daemon's user");
    return writable_by_others(dir.st_mode);
}

std::optional<std::string> log_file_distrust(const struct stat& st) {
    if (!S_ISREG(st.st_mode)) return std::string("it is not a regular file");
    if (st.st_nlink != 1) return "it has " + std::to_string(st.st_nlink) + " hard links";
    return std::nullopt;
}

std::optional<std::string> fresh_socket_distrust(const struct stat& st, uid_t self) {
    if (S_ISLNK(st.st_mode)) return std::string("it is a symbolic link");
    if (!S_ISSOCK(st.st_mode)) return std::string("it is not a socket");
    if (st.st_uid != self) return "it is owned by " + owner_text(st.st_uid);
    if (st.st_nlink != 1) return "it has " + std::to_string(st.st_nlink) + " hard links";
    if ((st.st_mode & 07777) != 0600) return "its mode is " + octal_mode(st.st_mode);
    return std::nullopt;
}

std::optional<std::string> own_file_distrust(const struct stat& st, uid_t self) {
    if (S_ISLNK(st.st_mode)) return std::string("it is a symbolic link");
    if (!S_ISREG(st.st_mode)) return std::string("it is not a regular file");
    if (st.st_uid != self) return "it is owned by " + owner_text(st.st_uid);
    if (st.st_nlink != 1) return "it has " + std::to_string(st.st_nlink) + " hard links";
    return std::nullopt;
}

}  // namespace tend
