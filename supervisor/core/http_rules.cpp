// The HTTP server's pure rules: Host check, token comparison and parsing, standard headers.
#include "supervisor/core/http_rules.hpp"

#include <algorithm>
#include <cctype>

namespace tend::http {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// "name:port" -> {"name", "port"}; "[v6]:port" -> {"v6", "port"}; no port -> {"name", ""}.
std::pair<std::string, std::string> split_host(std::string_view h) {
    if (h.starts_with('[')) {
        auto close = h.find(']');
        if (close == std::string_view::npos) return {std::string(h), ""};
        std::string name(h.substr(1, close - 1));
        std::string_view rest = h.substr(close + 1);
        if (rest.starts_with(':')) return {name, std::string(rest.substr(1))};
        return {name, rest.empty() ? "" : "\x01"};  // junk after ']' never matches
    }
    auto colon = h.find(':');
    if (colon == std::string_view::npos) return {std::string(h), ""};
    return {std::string(h.substr(0, colon)), std::string(h.substr(colon + 1))};
}

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

bool host_allowed(std::string_view host_header, const std::string& listen_host,
                  const std::string& listen_port, const std::vector<std::string>& allowed) {
    if (host_header.empty() || host_header.size() > 255) return false;
    auto [name, port] = split_host(lower(host_header));
    if (name.empty()) return false;
    // An allowed host with a port (a proxy's) matches that port; any other name needs the
    // listen port, or none.
    for (const auto& a : allowed) {
        auto [an, ap] = split_host(lower(a));
        if (an == name && !ap.empty() && ap == port) return true;
    }
    if (!port.empty() && port != listen_port) return false;
    if (name == lower(listen_host) || name == "localhost" || name == "127.0.0.1" || name == "::1")
        return true;
    for (const auto& a : allowed) {
        auto [an, ap] = split_host(lower(a));
        if (an == name && ap.empty()) return true;
    }
    return false;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

std::string token_of_authorization(std::string_view header) {
    auto starts = [&](std::string_view scheme) {
        return header.size() > scheme.size() && lower(header.substr(0, scheme.size())) == scheme;
    };
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
        return s;
    };
    if (starts("bearer ")) return std::string(trim(header.substr(7)));
    if (!starts("basic ")) return "";
    std::string_view enc = trim(header.substr(6));
    if (enc.size() > 1024) return "";
    std::string out;
    unsigned bits = 0;
    int nbits = 0;
    for (char c : enc) {
        if (c == '=') break;
        int v = b64_value(c);
        if (v < 0) return "";
        bits = (bits << 6) | static_cast<unsigned>(v);
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out.push_back(static_cast<char>((bits >> nbits) & 0xff));
        }
    }
    auto colon = out.find(':');
    return colon == std::string::npos ? "" : out.substr(colon + 1);
}

std::vector<std::pair<std::string, std::string>> security_headers(std::string_view path) {
    std::vector<std::pair<std::string, std::string>> h = {
        {"Content-Security-Policy",
         "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
    };
    if (path.starts_with("/api/") || path == "/api" || path == "/metrics")
        h.emplace_back("Cache-Control", "no-store");
    return h;
}

std::string_view reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 413:
            return "Payload Too Large";
        case 421:
            return "Misdirected Request";
        case 422:
            return "Unprocessable Content";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "Error";
    }
}

}  // namespace tend::http
