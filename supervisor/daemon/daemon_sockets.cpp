// Program sockets and the control socket at start, from socket activation or bound by tendd.
#include "supervisor/daemon/daemon_sockets.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <algorithm>

#include "supervisor/daemon/control_socket.hpp"
#include "supervisor/daemon/listen_sockets.hpp"
#include "supervisor/daemon/socket_activation.hpp"

namespace tend {

Status attach_program_sockets(std::vector<std::shared_ptr<const ProgramRuntime>>& runtimes,
                              std::map<std::string, UniqueFd>& activated, const HeldSockets& held) {
    // Bound once: every instance and every later version of the program inherits them.
    for (auto& rt : runtimes) {
        if (rt->config.sockets.empty()) continue;
        auto bound = std::make_shared<ProgramRuntime>(*rt);
        const auto& specs = rt->config.sockets;
        const auto holding =
            held ? held(rt->config.name) : std::vector<std::shared_ptr<const ListenSocket>>{};
        for (std::size_t i = 0; i < specs.size(); ++i) {
            std::string name = rt->config.name;
            if (specs.size() > 1) name += "-" + std::to_string(i);
            auto kept = std::find_if(holding.begin(), holding.end(), [&](const auto& s) {
                return s->spec == specs[i] && s->name == name;
            });
            if (kept != holding.end()) {
                bound->sockets.push_back(*kept);
                continue;
            }
            if (auto it = activated.find(name); it != activated.end()) {
                auto sock = std::make_shared<ListenSocket>();
                sock->spec = specs[i];
                sock->name = name;
                sock->fd = std::move(it->second);
                activated.erase(it);
                spdlog::info("{}: socket {} passed by systemd as \"{}\"", rt->config.name, specs[i],
                             name);
                bound->sockets.push_back(std::move(sock));
                continue;
            }
            auto sock = bind_listen_socket(specs[i], name, rt->credentials);
            if (!sock) return make_error(rt->config.name + ": " + sock.error());
            bound->sockets.push_back(std::move(sock.value()));
        }
        rt = std::move(bound);
    }
    return ok_status();
}

Result<ControlListener> open_control_listener(std::map<std::string, UniqueFd>& activated,
                                              const std::string& path, std::optional<gid_t> gid,
                                              mode_t group_mode) {
    ControlListener out;
    for (const char* name : {"control", "tendd.socket"}) {
        auto it = activated.find(name);
        if (it == activated.end() || out.activated) continue;
        if (!is_listening_unix_socket(it->second.get()))
            return make_error(std::string("the socket systemd passed as \"") + name +
                              "\" is not a listening Unix stream socket");
        // The control server never blocks on accept.
        fcntl(it->second.get(), F_SETFL, fcntl(it->second.get(), F_GETFL) | O_NONBLOCK);
        out.fd = std::move(it->second);
        out.activated = true;
        activated.erase(it);
        spdlog::info("control socket passed by systemd (\"{}\")", name);
    }
    for (const auto& [name, fd] : activated)
        spdlog::warn("the socket systemd passed as \"{}\" is not used by any program; closed",
                     name);
    activated.clear();
    if (out.activated) return out;
    auto fd = listen_control_socket(path, gid, group_mode);
    if (!fd) return make_error(fd.error());
    out.fd = std::move(fd.value());
    return out;
}

}  // namespace tend
