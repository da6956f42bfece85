// The CLI side of the protocol: connect, send, await one reply with an optional timeout.
#include "cmd/cli_context.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "supervisor/config/paths.hpp"
#include "supervisor/daemon/control_socket.hpp"

namespace tend::cli {

std::optional<Usec> CliContext::timeout() const {
    if (timeout_text.empty()) return std::nullopt;
    auto d = parse_duration(timeout_text);
    if (!d) throw CliError(kExitUsage, "--timeout", d.error());
    return *d;
}

std::string CliContext::socket_path() const {
    return resolve_paths(config_flag, "", socket_flag).socket;
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
    const auto limit = waits ? timeout() : std::nullopt;
    const std::string path = socket_path();
    auto fd = connect_control_socket(path);
    if (!fd)
        throw CliError(kExitUnreachable, "cannot reach tendd at " + path + ": " + fd.error(),
                       "is tendd running? Start it with `tendd`, or name its socket with "
                       "--socket or TEND_SOCKET");
    const std::string line = protocol::encode_request({cmd, std::move(args)});
    for (size_t off = 0; off < line.size();) {
        ssize_t n = send(fd->get(), line.data() + off, line.size() - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw CliError(kExitUnreachable,
                           "cannot send to tendd at " + path + ": " + std::strerror(errno));
        }
        off += static_cast<size_t>(n);
    }
    const auto deadline = std::chrono::steady_clock::now() + (limit ? *limit : Usec(0));
    std::string buf;
    char chunk[65536];
    while (true) {
        if (size_t nl = buf.find('\n'); nl != std::string::npos) {
            auto reply = protocol::decode_reply(std::string_view(buf).substr(0, nl));
            if (!reply) throw CliError(kExitFailed, "bad reply from tendd", reply.error());
            if (reply->ok) return reply->data;
            int status =
                reply->error_code == protocol::code::bad_request ? kExitUsage : kExitFailed;
            throw CliError(status, reply->message);
        }
        int wait_ms = -1;
        if (limit) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) throw CliError(kExitTimeout, cmd + ": --timeout elapsed");
            wait_ms = static_cast<int>(std::min<long long>(left.count(), 1 << 30));
        }
        pollfd p{fd->get(), POLLIN, 0};
        int r = poll(&p, 1, wait_ms);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) continue;  // the deadline check above ends the wait
        ssize_t n = recv(fd->get(), chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw CliError(kExitUnreachable, "tendd closed the connection at " + path);
        buf.append(chunk, static_cast<size_t>(n));
    }
}

}  // namespace tend::cli
