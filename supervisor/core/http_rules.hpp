// The HTTP server's pure rules (design observability.md §3.2): the Host check, the token
// comparison, the headers every answer carries, the reply of an error status.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tend::http {

// Whether a Host header value names this server: the listen address (with or without its
// port), localhost, 127.0.0.1, [::1], or one of `allowed` (with or without a port).
// `listen_host` is the configured address without brackets.
bool host_allowed(std::string_view host_header, const std::string& listen_host,
                  const std::string& listen_port, const std::vector<std::string>& allowed);

// Equal strings, in time that depends on their lengths only (a token check must not leak how
// many leading characters matched).
bool constant_time_equal(std::string_view a, std::string_view b);

// The token of an "Authorization: Bearer T" header, or of Basic (the password, whatever the
// user name): empty when the header is neither or malformed.
std::string token_of_authorization(std::string_view header);

// Headers on every answer: CSP, nosniff, Referrer-Policy; plus Cache-Control: no-store for
// /api/ and /metrics.
std::vector<std::pair<std::string, std::string>> security_headers(std::string_view path);

// The reason phrase of a status tendd answers with ("Not Found").
std::string_view reason_phrase(int status);

}  // namespace tend::http
