// What every `tend` command shares: global options, the daemon connection, and CLI errors.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "supervisor/protocol/protocol.hpp"
#include "supervisor/util/duration.hpp"
#include "supervisor/util/json_text.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend::jobs {
class JobLogView;
}

namespace tend::cli {

// Exit statuses of tend (SPEC §4); documented in tend(1).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotRunning = 3;  // tend status: an instance is not running as it should
inline constexpr int kExitInvalid = 65;
inline constexpr int kExitUnreachable = 69;
inline constexpr int kExitQueueFull = 75;
// tendd closed the connection after a whole request reached it and before it answered: the
// request may have taken effect. (69: tendd was not reached, or closed the connection before
// the whole request was sent: nothing was done, so a submit may be repeated.)
inline constexpr int kExitNoAnswer = 76;
inline constexpr int kExitTimeout = 124;

// Thrown by commands; main() turns it into "tend: WHAT: WHY" and the exit status.
struct CliError : std::runtime_error {
    CliError(int status, const std::string& what, std::string hint = {})
        : std::runtime_error(what), status(status), hint(std::move(hint)) {}
    int status;
    std::string hint;
};

// How messages name a protocol method: the command a user typed ("cron add" for cron_add,
// "submit" for submit_lines).
std::string command_label(std::string_view method);

// Prints "tend: WHAT" and "hint: HINT" on stderr and returns the exit status: the one place
// errors become messages and exit statuses.
int report_error(const CliError& e);

// No daemon listens on the socket (connect failed with ENOENT or ECONNREFUSED), as opposed to
// one that may be there but cannot be reached (EACCES...). `tend submit` spools on this one.
struct DaemonNotRunning : CliError {
    DaemonNotRunning(const std::string& what, std::string hint, std::string socket,
                     std::string reason)
        : CliError(kExitUnreachable, what, std::move(hint)),
          socket(std::move(socket)),
          reason(std::move(reason)) {}
    std::string socket;
    std::string reason;  // the connect error, e.g. "No such file or directory"
};

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

struct CliContext {
    std::string socket_flag;
    std::string config_flag;
    std::string state_dir_flag;
    std::string spool_flag;
    bool json = false;
    std::string timeout_text;  // --timeout for waiting commands
    // Set once a reply came from the state dir because tendd is not running (nothing follows).
    mutable bool read_from_disk = false;
    std::optional<Usec> timeout() const;
    // The deadline --timeout sets from now, or none.
    Deadline deadline() const;
    std::string socket_path() const;
    // The spool that pairs with the socket, for a submit while tendd is down (SPEC §8): --spool
    // or TEND_SPOOL, else what tendd recorded beside its socket, else what the flags imply.
    // Throws CliError 69 when it cannot be known.
    std::string submit_spool() const;
    // Sends one request and returns the reply's data; daemon errors become CliError. jobs, show
    // and logs are answered from the state dir when tendd is not running (read_from_disk).
    nlohmann::json call(const std::string& cmd, nlohmann::json args = nlohmann::json::object(),
                        bool waits = false) const;
    // Whether human output may use colour (a TTY and no NO_COLOR).
    bool colour() const;
    // One JSON document on stdout: indented on a terminal, one compact line otherwise
    // (scripts parse it faster, and `jq` re-indents when a person wants to read it).
    void print_json(const nlohmann::json& j) const;
};

// One connection to tendd carrying several requests in turn, for what must share a connection
// (a batch submit) or be waited on next to other work (`tend logs -f JOB`).
class Connection {
  public:
    // Connects to ctx's socket; throws DaemonNotRunning, or CliError (69) for other failures.
    // `may_read_disk` (jobs, show, logs: readable_offline): when no tendd runs, requests are
    // answered from its state dir instead, read-only (cmd/offline_jobs.hpp).
    explicit Connection(const CliContext& ctx, bool may_read_disk = false);
    // Whether the replies come from the state dir (tendd is not running).
    bool from_disk() const { return disk_ != nullptr; }
    // Sends one request and waits for its reply's data; daemon errors become CliError, and
    // passing `deadline` is CliError 124.
    nlohmann::json request(const std::string& cmd, const nlohmann::json& args,
                           Deadline deadline = std::nullopt);
    // The same for a request already encoded as one line ending in '\n' (large batches are
    // built as text, which is much faster than through nlohmann::json).
    nlohmann::json request_line(const std::string& cmd, std::string_view line,
                                Deadline deadline = std::nullopt);
    // Sends a request line without waiting; read its reply later with read_reply.
    void send(std::string_view line);
    // Waits for the next reply and returns its data (errors as in `request`).
    nlohmann::json read_reply(const std::string& cmd, Deadline deadline = std::nullopt);
    // The next reply line as it came (without its newline), for reply_data or a caller that
    // passes large replies on without parsing them.
    std::string read_line(const std::string& cmd, Deadline deadline = std::nullopt);
    // For poll(2): readable when a reply (or the end of the connection) is there.
    int fd() const { return fd_.get(); }

  private:
    void connect_socket();
    // The error for a connection that tendd closed while a reply was awaited.
    CliError closed() const;

    UniqueFd fd_;
    std::string path_;
    std::string buf_;
    std::shared_ptr<const jobs::JobLogView> disk_;
    bool sent_ = false;  // a whole request line went out on this connection
};

// A reply line's data; an error reply becomes CliError as in Connection::request.
nlohmann::json reply_data(const std::string& cmd, std::string_view line);

// The start of a request line, `{"v":1,"cmd":"CMD","args":`, for requests built as text.
std::string request_prefix(const std::string& cmd);
// Requests built as text use append_json_string and is_utf8 (supervisor/util/json_text.hpp).

}  // namespace tend::cli
