// The CLI side of the protocol: connect, send, await replies with an optional timeout.
#include "cmd/cli_context.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cmd/offline_jobs.hpp"
#include "queue/store/spool_pairing.hpp"
#include "supervisor/config/paths.hpp"

namespace tend::cli {

std::string command_label(std::string_view method) {
    // A batch's buffered lines belong to its `tend submit`.
    if (method == "submit_lines") return "submit";
    std::string label(method);
    std::replace(label.begin(), label.end(), '_', ' ');
    return label;
}

int report_error(const CliError& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "tend: %s\n", e.what());
    if (!e.hint.empty()) std::fprintf(stderr, "hint: %s\n", e.hint.c_str());
    return e.status;
}

std::optional<Usec> CliContext::timeout() const {
    if (timeout_text.empty()) return std::nullopt;
    auto d = parse_duration(timeout_text);
    if (!d) throw CliError(kExitUsage, "--timeout", d.error());
    return *d;
}

Deadline CliContext::deadline() const {
    auto t = timeout();
    if (!t) return std::nullopt;
    return std::chrono::steady_clock::now() + *t;
}

std::string CliContext::socket_path() const {
    return resolve_paths(config_flag, state_dir_flag, socket_flag).socket;
}

std::string CliContext::submit_spool() const {
    const Paths p = resolve_paths(config_flag, state_dir_flag, socket_flag, spool_flag);
    jobs::SpoolChoiceInput in;
    if (p.spool_explicit) in.spool_named = p.spool;
    in.socket = p.socket;
    in.pairing = jobs::read_pairing_file(p.socket, getuid());
    in.socket_is_default = p.socket == p.default_socket;
    in.state_dir_named = p.state_dir_explicit;
    in.state_dir = absolute_path(p.state_dir);
    in.default_spool = p.spool;  // the default when neither --spool nor a state dir is named
    auto spool = jobs::choose_submit_spool(in);
    if (!spool && in.pairing.state == jobs::Pairing::State::found && in.pairing.spool.empty())
        throw CliError(kExitUnreachable, "submit: tendd is not running and " + spool.error(),
                       "start tendd, or submit through the tendd of another host that shares "
                       "the queue");
    if (!spool)
        throw CliError(kExitUnreachable, "submit: tendd is not running and " + spool.error(),
                       "name the spool tendd reads with --spool or TEND_SPOOL (tendd's --spool, "
                       "or STATE/spool for `tendd --state-dir STATE`)");
    return *spool;
}

bool CliContext::colour() const {
    const char* nc = std::getenv("NO_COLOR");
    return isatty(1) && !(nc && *nc);
}

void CliContext::print_json(const nlohmann::json& j) const {
    const std::string text =
        j.dump(isatty(1) ? 2 : -1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
}

nlohmann::json CliContext::call(const std::string& cmd, nlohmann::json args, bool waits) const {
    // Bad arguments are usage errors before anything reaches the daemon.
    const Deadline deadline = waits ? this->deadline() : std::nullopt;
    Connection conn(*this, readable_offline(cmd));
    return conn.request(cmd, args, deadline);
}

Connection::Connection(const CliContext& ctx, bool may_read_disk) : path_(ctx.socket_path()) {
    try {
        connect_socket();
    } catch (const DaemonNotRunning& down) {
        if (!may_read_disk) throw;
        disk_ = open_offline_view(ctx, down);
        ctx.read_from_disk = true;
    }
}

void Connection::connect_socket() {
    const std::string hint =
        "is tendd running? Start it with `tendd`, or name its socket with --socket or "
        "TEND_SOCKET";
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.empty() || path_.size() >= sizeof addr.sun_path)
        throw CliError(kExitUnreachable,
                       "cannot reach tendd at " + path_ + ": the socket path is empty or too long");
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    fd_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd_)
        throw CliError(kExitUnreachable,
                       std::string("cannot create a socket: ") + std::strerror(errno));
    int r;
    do {
        r = connect(fd_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    } while (r != 0 && errno == EINTR);
    if (r != 0) {
        const int err = errno;
        const std::string reason = std::strerror(err);
        const std::string what = "cannot reach tendd at " + path_ + ": " + reason;
        // No socket file, or a file nobody listens on: there is no daemon, rather than one we
        // may not talk to.
        if (err == ENOENT || err == ECONNREFUSED) throw DaemonNotRunning(what, hint, path_, reason);
        throw CliError(kExitUnreachable, what, hint);
    }
}

void Connection::send(std::string_view line) {
    if (disk_) {  // tendd is down: the state dir answers, as tendd would
        if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
        buf_ += disk_->answer(line);
        return;
    }
    for (size_t off = 0; off < line.size();) {
        ssize_t n = ::send(fd_.get(), line.data() + off, line.size() - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            // tendd closed the connection (e.g. too many clients): the reply it sent before,
            // if any, says why; read_reply shows it or reports the closed connection.
            if (errno == EPIPE || errno == ECONNRESET) return;
            throw CliError(kExitUnreachable,
                           "cannot send to tendd at " + path_ + ": " + std::strerror(errno));
        }
        off += static_cast<size_t>(n);
    }
    sent_ = true;
}

CliError Connection::closed() const {
    const std::string what = "tendd closed the connection at " + path_;
    if (!sent_) return CliError(kExitUnreachable, what);
    // It may have been committed just before tendd went away (a crash, a kill -9): 69 would
    // tell a retrying script that nothing happened, and a retried submit would run twice.
    return CliError(kExitNoAnswer, what + " before it answered: the request may have taken effect",
                    "see whether it did (tend jobs, tend status) before repeating it; a submit "
                    "with --key can be repeated safely");
}

nlohmann::json Connection::request(const std::string& cmd, const nlohmann::json& args,
                                   Deadline deadline) {
    return request_line(cmd, protocol::encode_request({cmd, args}), deadline);
}

nlohmann::json Connection::request_line(const std::string& cmd, std::string_view line,
                                        Deadline deadline) {
    send(line);
    return read_reply(cmd, deadline);
}

nlohmann::json Connection::read_reply(const std::string& cmd, Deadline deadline) {
    return reply_data(cmd, read_line(cmd, deadline));
}

nlohmann::json reply_data(const std::string& cmd, std::string_view line) {
    auto reply = protocol::decode_reply(line);
    if (!reply) throw CliError(kExitFailed, "bad reply from tendd", reply.error());
    if (reply->ok) return std::move(reply->data);
    namespace code = protocol::code;
    const std::string& c = reply->error_code;
    const int status = c == code::bad_request ? kExitUsage
                       : c == code::full      ? kExitQueueFull
                       // Too many connections, or client memory at its bound.
                       : c == code::busy    ? kExitQueueFull
                       : c == code::invalid ? kExitInvalid
                                            : kExitFailed;
    // "tend: COMMAND: WHY", as the CLI's own errors read (`cron add`, never `cron_add`).
    throw CliError(status, command_label(cmd) + ": " + reply->message);
}

std::string Connection::read_line(const std::string& cmd, Deadline deadline) {
    char chunk[65536];
    std::size_t scanned = 0;  // a long reply arrives in many chunks: search each byte once
    while (true) {
        if (size_t nl = buf_.find('\n', scanned); nl != std::string::npos) {
            std::string line = buf_.substr(0, nl);
            buf_.erase(0, nl + 1);
            return line;
        }
        scanned = buf_.size();
        if (disk_) throw CliError(kExitFailed, cmd + ": no answer from the state dir");
        int wait_ms = -1;
        if (deadline) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                *deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                throw CliError(kExitTimeout, command_label(cmd) + ": --timeout elapsed");
            wait_ms = static_cast<int>(std::min<long long>(left.count() + 1, 1 << 30));
        }
        pollfd p{fd_.get(), POLLIN, 0};
        int r = poll(&p, 1, wait_ms);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) continue;  // the deadline check above ends the wait
        ssize_t n = recv(fd_.get(), chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw closed();
        buf_.append(chunk, static_cast<size_t>(n));
    }
}

std::string request_prefix(const std::string& cmd) {
    std::string out = "{\"v\":" + std::to_string(protocol::kVersion) + ",\"cmd\":";
    append_json_string(out, cmd);
    out += ",\"args\":";
    return out;
}

}  // namespace tend::cli
