// The [http] section of tend.toml (SPEC §10): where the HTTP server listens and who may read.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "supervisor/config/config.hpp"
#include "supervisor/config/section_keys.hpp"
#include "supervisor/util/result.hpp"

namespace tend {

struct ExtraSection;

// Where to listen: "unix:PATH" or "HOST:PORT" ("[::1]:PORT" for IPv6).
struct HttpListen {
    bool unix_socket = false;
    std::string path;       // unix
    std::string host;       // tcp: numeric address or "localhost", without brackets
    std::string port;       // tcp
    bool loopback = false;  // tcp: 127.0.0.0/8, ::1 or localhost
    bool operator==(const HttpListen&) const = default;
};

struct HttpConfig {
    bool present = false;    // the file has an [http] table
    std::string listen;      // as written; empty: no server
    HttpListen address;      // parsed `listen`
    std::string token_file;  // empty: http.token beside the config file
    std::vector<std::string> public_routes = {"metrics"};  // `public`
    bool actions = false;
    std::vector<std::string> allowed_hosts;
    SourcePos pos;
    bool operator==(const HttpConfig& o) const {
        return present == o.present && listen == o.listen && token_file == o.token_file &&
               public_routes == o.public_routes && actions == o.actions &&
               allowed_hosts == o.allowed_hosts;
    }
};

// The names `public` may list: routes that need no credentials on TCP.
const std::vector<std::string>& http_public_names();

// Parses `listen`; the error says what is wrong.
Result<HttpListen> parse_http_listen(const std::string& text);

// The key table of [http] (http_config.cpp).
const std::vector<KeyRow<HttpConfig>>& http_keys();

// The parse function of [http] for parse_config's `extra`, filling `out`.
ExtraSection http_section(HttpConfig& out);

// The token file in force: `token_file`, or http.token in the config file's directory.
std::string http_token_path(const HttpConfig& c, const std::string& config_file);

}  // namespace tend
