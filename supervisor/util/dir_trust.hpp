// Pure checks on stat results: may tendd trust a directory, follow a link, use a file it made?
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>

namespace tend {

// Only root and the daemon's own user may change what tendd relies on.
inline bool trusted_owner(uid_t owner, uid_t self) {
    return owner == 0 || owner == self;
}

// "0755": the permission bits (and set-id/sticky bits when set) in octal.
std::string octal_mode(mode_t mode);

// Why another user could swap an entry (owned by `entry_owner`) that is looked up in `dir`, or
// nullopt when only root and `self` can: `dir` is owned by one of them and nobody else can
// write it, or it is sticky (like /tmp) and the entry belongs to root or `self`.
std::optional<std::string> lookup_instability(const struct stat& dir, uid_t entry_owner,
                                              uid_t self);

// Why a symlink found in `dir` must not be followed, or nullopt: only a link that root or
// `self` owns, in a directory where nobody else could have replaced it, is followed (such as
// Debian's /var/run -> /run).
std::optional<std::string> symlink_distrust(const struct stat& dir, const struct stat& link,
                                            uid_t self);

// Why a state dir or socket dir cannot be used by a daemon running as `self`, or nullopt: it
// must be a directory owned by `self` that neither group nor others can write.
std::optional<std::string> private_dir_distrust(const struct stat& dir, uid_t self);

// Why tendd must not write a program's log_file in `dir`, or nullopt. The directory is fine
// when only root or the daemon's user can change it (owned by one of them, nobody else may
// write), or when it is the program's own user's directory (`program_uid`: /var/log/app owned
// by app) that no other user can write: that user can rename and plant entries there, which
// tendd survives by working only through the directory fd, never following a link.
std::optional<std::string> log_dir_distrust(const struct stat& dir, uid_t self,
                                            std::optional<uid_t> program_uid);

// Why the file tendd opened as a log file must not be appended to, or nullopt: a regular file
// with one link (a hard link planted to another file would be written through).
std::optional<std::string> log_file_distrust(const struct stat& st);

// Why the file at a socket's path is not the socket tendd just bound there (as `self`, under
// umask 0177), or nullopt: a socket, owned by `self`, mode 0600, one link. Anything else was
// put there by someone else between bind() and this check.
std::optional<std::string> fresh_socket_distrust(const struct stat& st, uid_t self);

// Why a file tendd keeps for itself (tendd.pid, a pidfile it wrote) is not one it may write or
// remove, or nullopt: a regular file owned by `self` with one link.
std::optional<std::string> own_file_distrust(const struct stat& st, uid_t self);

}  // namespace tend
