// Which spool pairs with a socket (SPEC §2, §8 "Spool"): tendd records its spool next to its
// control socket, in SOCKET.spool, and `tend submit` with tendd down spools there, so that a
// job acknowledged with exit 0 is always one that daemon will read.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "supervisor/util/result.hpp"

namespace tend::jobs {

// SOCKET.spool: beside the socket, in the directory its daemon owns. Left in place when tendd
// stops, so submits during a restart still find it.
std::string pairing_path(const std::string& socket);

// The file's content: the spool's absolute path and a newline; "none\n" for an empty `spool`, a
// tendd that takes in no spool (its queue is on PostgreSQL): `tend submit` then refuses to
// spool rather than acknowledge a job nobody would read.
std::string encode_pairing(const std::string& spool);
// Pure; never throws. An absolute path of at most 4095 bytes with no NUL or newline, then '\n';
// or "none\n", read as an empty path.
Result<std::string> parse_pairing(std::string_view bytes) noexcept;

// tendd: writes SOCKET.spool (mode 0644) through a temporary file and a rename in the socket's
// directory, never following a link.
Status write_pairing_file(const std::string& socket, const std::string& spool);

// What `tend submit` found beside the socket.
struct Pairing {
    enum class State { absent, found, untrusted };
    State state = State::absent;
    std::string spool;    // when found; empty: that tendd takes in no spool
    std::string problem;  // when untrusted: why it is not believed
};

// Reads SOCKET.spool without following a link. Believed only when it is a regular file owned
// by root, by `self` or by the owner of the socket's directory, and writable by nobody else.
Pairing read_pairing_file(const std::string& socket, uid_t self);

// Everything `tend submit` knows when tendd does not answer.
struct SpoolChoiceInput {
    std::string spool_named;  // --spool or TEND_SPOOL, absolute; empty when not given
    Pairing pairing;
    std::string socket;
    bool socket_is_default = false;  // the caller's default socket (named or not)
    bool state_dir_named = false;    // --state-dir or TEND_STATE_DIR
    std::string state_dir;           // absolute
    std::string default_spool;       // the caller's instance's default spool
};

// The spool to write to, or why it cannot be known (the CLI exits 69). Pure. In order:
// --spool/TEND_SPOOL; the pairing file (an untrusted one is an error, never passed over, and so
// is one saying that tendd takes in no spool);
// a named state dir's spool (tendd's own rule for a named state dir); the default spool
// when the socket is the caller's default one, /var/spool/tend for /run/tend/tend.sock.
Result<std::string> choose_submit_spool(const SpoolChoiceInput& in);

}  // namespace tend::jobs
