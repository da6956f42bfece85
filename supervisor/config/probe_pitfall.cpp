// A readiness probe answered by the program's shared socket proves nothing about a new
// instance: during a rollout the old instances answer it (issue 15). Found here, warned about
// by `tend check` and by tendd at load and reload.
#include "supervisor/config/probe_pitfall.hpp"

#include <algorithm>

namespace tend {
namespace {

std::string strip_brackets(const std::string& h) {
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') return h.substr(1, h.size() - 2);
    return h;
}

bool wildcard(const std::string& h) {
    return h == "0.0.0.0" || h == "::" || h == "*";
}

bool loopback(const std::string& h) {
    return h == "localhost" || h == "::1" || h.rfind("127.", 0) == 0;
}

}  // namespace

bool probe_hits_socket(const std::string& probe_host, const std::string& probe_port,
                       const std::string& socket_spec) {
    if (socket_spec.rfind("tcp://", 0) != 0) return false;
    const std::string addr = socket_spec.substr(6);
    const size_t colon = addr.rfind(':');
    if (colon == std::string::npos || colon == 0) return false;
    const std::string host = strip_brackets(addr.substr(0, colon));
    const std::string port = addr.substr(colon + 1);
    // A port with {instance} differs per instance: that probe tells instances apart.
    if (port != probe_port || probe_port.find("{instance}") != std::string::npos) return false;
    const std::string ph = strip_brackets(probe_host);
    return ph == host || wildcard(ph) || wildcard(host) || (loopback(ph) && loopback(host));
}

std::optional<std::string> shared_socket_probe_warning(const ProgramConfig& p) {
    if (p.ready.kind != ReadyKind::tcp && p.ready.kind != ReadyKind::http) return std::nullopt;
    const auto hit = std::find_if(p.sockets.begin(), p.sockets.end(), [&](const std::string& s) {
        return probe_hits_socket(p.ready.host, p.ready.port, s);
    });
    if (hit == p.sockets.end()) return std::nullopt;
    return "program \"" + p.name + "\": ready = \"" + p.ready.text +
           "\" probes the program's own socket \"" + *hit +
           "\", which the instances already running answer: a new instance that never serves "
           "would look ready. Use ready = \"notify\", a port per instance (\"{instance}\" in "
           "the probe's port) or ready = \"uptime:DURATION\"";
}

std::vector<std::string> config_warnings(const Config& c) {
    std::vector<std::string> out;
    for (const auto& p : c.programs)
        if (auto w = shared_socket_probe_warning(p)) out.push_back(*w);
    return out;
}

}  // namespace tend
