// [http] of tend.toml: parsing, validation and the reload diff (SPEC §10).
#include "supervisor/config/http_config.hpp"

#include <arpa/inet.h>
#include <algorithm>

#include "supervisor/config/config_walker.hpp"

namespace tend {
namespace {

bool is_loopback(const std::string& host) {
    if (host == "localhost") return true;
    in_addr a4{};
    if (inet_pton(AF_INET, host.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
    in6_addr a6{};
    if (inet_pton(AF_INET6, host.c_str(), &a6) == 1) return IN6_IS_ADDR_LOOPBACK(&a6);
    return false;
}

void parse_strings(const KeyInput& in, std::vector<std::string>& out) {
    if (auto v = in.w.string_array(in.node, in.key)) out = std::move(*v);
}

}  // namespace

const std::vector<std::string>& http_public_names() {
    static const std::vector<std::string> names = {"metrics", "health"};
    return names;
}

Result<HttpListen> parse_http_listen(const std::string& text) {
    HttpListen l;
    if (text.starts_with("unix:")) {
        l.unix_socket = true;
        l.path = text.substr(5);
        if (l.path.empty() || l.path[0] != '/')
            return make_error("\"unix:PATH\" needs an absolute path");
        if (l.path.size() > 107)
            return make_error("the socket path is too long (108 bytes at most)");
        return l;
    }
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
        return make_error("expected \"ADDRESS:PORT\" or \"unix:PATH\", not \"" + text + "\"");
    l.host = text.substr(0, colon);
    l.port = text.substr(colon + 1);
    if (l.host.front() == '[') {
        if (l.host.size() < 3 || l.host.back() != ']')
            return make_error("an IPv6 address is written in brackets: \"[::1]:9180\"");
        l.host = l.host.substr(1, l.host.size() - 2);
        in6_addr a6{};
        if (inet_pton(AF_INET6, l.host.c_str(), &a6) != 1)
            return make_error("\"" + l.host + "\" is not an IPv6 address");
    } else if (l.host != "localhost") {
        in_addr a4{};
        if (inet_pton(AF_INET, l.host.c_str(), &a4) != 1)
            return make_error("\"" + l.host +
                              "\" is not a numeric IPv4 address (or \"localhost\"; IPv6 in "
                              "brackets)");
    }
    if (l.port.empty() || l.port.size() > 5 ||
        l.port.find_first_not_of("0123456789") != std::string::npos || std::stoi(l.port) < 1 ||
        std::stoi(l.port) > 65535)
        return make_error("the port must be a number from 1 to 65535");
    l.loopback = is_loopback(l.host);
    return l;
}

const std::vector<KeyRow<HttpConfig>>& http_keys() {
    static const std::vector<KeyRow<HttpConfig>> keys = {
        {"listen",
         [](const KeyInput& in, HttpConfig& c) {
             if (auto v = in.w.parsed<HttpListen>(in.node, "listen", parse_http_listen)) {
                 c.listen = in.node.as_string()->get();
                 c.address = *v;
             }
         }},
        {"token_file",
         [](const KeyInput& in, HttpConfig& c) {
             if (auto s = in.w.as_string(in.node, in.key)) {
                 if (s->empty() || (*s)[0] != '/')
                     in.w.error_at(in.node.source(), "\"token_file\" must be an absolute path");
                 c.token_file = *s;
             }
         }},
        {"public",
         [](const KeyInput& in, HttpConfig& c) {
             parse_strings(in, c.public_routes);
             const auto& ok = http_public_names();
             for (const auto& n : c.public_routes)
                 if (std::find(ok.begin(), ok.end(), n) == ok.end())
                     in.w.error_at(in.node.source(), "\"public\": unknown route \"" + n +
                                                         "\" (allowed: metrics, health)");
         }},
        {"actions",
         [](const KeyInput& in, HttpConfig& c) {
             if (auto b = in.w.as_bool(in.node, in.key)) {
                 c.actions = *b;
                 // Not built yet: refused rather than silently ignored.
                 if (*b)
                     in.w.error_at(in.node.source(),
                                   "\"actions = true\" is not supported by this tendd yet: the "
                                   "HTTP interface is read-only (use the tend CLI to act)");
             }
         }},
        {"allowed_hosts",
         [](const KeyInput& in, HttpConfig& c) {
             parse_strings(in, c.allowed_hosts);
             for (const auto& h : c.allowed_hosts)
                 if (h.empty() || h.find_first_of(" /\t\r\n@") != std::string::npos)
                     in.w.error_at(in.node.source(),
                                   "\"allowed_hosts\": \"" + h + "\" is not a host name");
         }},
    };
    return keys;
}

ExtraSection http_section(HttpConfig& out) {
    return ExtraSection{"http", [&out](const toml::node* node, config_detail::Walker& w) {
                            out = HttpConfig{};
                            if (!node) return;
                            auto t = node->as_table();
                            if (!t) return w.error_at(node->source(), "\"http\" must be a table");
                            out.present = true;
                            out.pos = w.pos_of(*t);
                            parse_keys(w, *t, "http", http_keys(), out, ParseOptions{});
                            if (!t->get("listen"))
                                w.error_at(t->source(), "[http] has no \"listen\"");
                        }};
}

std::string http_token_path(const HttpConfig& c, const std::string& config_file) {
    if (!c.token_file.empty()) return c.token_file;
    auto slash = config_file.rfind('/');
    std::string dir = slash == std::string::npos ? "." : config_file.substr(0, slash);
    if (dir.empty()) dir = "/";
    return dir + "/http.token";
}

}  // namespace tend
