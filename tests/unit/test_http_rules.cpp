// The HTTP server's pure rules and the [http] section: Host check, token parsing and
// comparison, standard headers, listen addresses, the reload diff.
#include <catch2/catch.hpp>

#include "supervisor/config/config_parser.hpp"
#include "supervisor/config/config_walker.hpp"
#include "supervisor/config/http_config.hpp"
#include "supervisor/core/http_diff.hpp"
#include "supervisor/core/http_rules.hpp"

using namespace tend;

TEST_CASE("Host header check", "[http]") {
    const std::vector<std::string> none;
    CHECK(http::host_allowed("127.0.0.1:9180", "127.0.0.1", "9180", none));
    CHECK(http::host_allowed("localhost:9180", "127.0.0.1", "9180", none));
    CHECK(http::host_allowed("LOCALHOST", "127.0.0.1", "9180", none));
    CHECK(http::host_allowed("[::1]:9180", "::1", "9180", none));
    CHECK_FALSE(http::host_allowed("evil.example:9180", "127.0.0.1", "9180", none));
    CHECK_FALSE(http::host_allowed("localhost:9181", "127.0.0.1", "9180", none));
    CHECK_FALSE(http::host_allowed("", "127.0.0.1", "9180", none));
    CHECK_FALSE(http::host_allowed("[::1]junk", "::1", "9180", none));
    const std::vector<std::string> allowed = {"tend.internal", "mon.example:8443"};
    CHECK(http::host_allowed("tend.internal:9180", "0.0.0.0", "9180", allowed));
    CHECK(http::host_allowed("tend.internal", "0.0.0.0", "9180", allowed));
    CHECK(http::host_allowed("mon.example:8443", "0.0.0.0", "9180", allowed));
    CHECK_FALSE(http::host_allowed("mon.example:9180", "0.0.0.0", "9180", allowed));
}

TEST_CASE("tokens: Bearer, Basic with the token as password, constant-time compare", "[http]") {
    CHECK(http::token_of_authorization("Bearer abc123") == "abc123");
    CHECK(http::token_of_authorization("bearer   abc123  ") == "abc123");
    // "tend:s3cret" in base64
    CHECK(http::token_of_authorization("Basic dGVuZDpzM2NyZXQ=") == "s3cret");
    CHECK(http::token_of_authorization("Basic bm9jb2xvbg==").empty());  // "nocolon"
    CHECK(http::token_of_authorization("Basic !!!").empty());
    CHECK(http::token_of_authorization("Digest x").empty());
    CHECK(http::token_of_authorization("Bearer").empty());
    CHECK(http::constant_time_equal("abcd", "abcd"));
    CHECK_FALSE(http::constant_time_equal("abcd", "abce"));
    CHECK_FALSE(http::constant_time_equal("abcd", "abcde"));
}

TEST_CASE("standard headers on every answer, no-store on /api and /metrics", "[http]") {
    auto has = [](const auto& hs, const std::string& k) {
        for (const auto& [name, v] : hs)
            if (name == k) return true;
        return false;
    };
    auto page = http::security_headers("/");
    CHECK(has(page, "Content-Security-Policy"));
    CHECK(has(page, "X-Content-Type-Options"));
    CHECK(has(page, "Referrer-Policy"));
    CHECK_FALSE(has(page, "Cache-Control"));
    CHECK(has(http::security_headers("/metrics"), "Cache-Control"));
    CHECK(has(http::security_headers("/api/status"), "Cache-Control"));
}

TEST_CASE("[http] listen addresses", "[http][config]") {
    auto tcp = parse_http_listen("127.0.0.1:9180");
    REQUIRE(tcp);
    CHECK_FALSE(tcp->unix_socket);
    CHECK(tcp->host == "127.0.0.1");
    CHECK(tcp->port == "9180");
    CHECK(tcp->loopback);
    auto v6 = parse_http_listen("[::1]:80");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->loopback);
    auto any = parse_http_listen("0.0.0.0:9180");
    REQUIRE(any);
    CHECK_FALSE(any->loopback);
    auto unix_l = parse_http_listen("unix:/run/tend/http.sock");
    REQUIRE(unix_l);
    CHECK(unix_l->unix_socket);
    CHECK(unix_l->path == "/run/tend/http.sock");
    CHECK_FALSE(parse_http_listen("unix:relative.sock"));
    CHECK_FALSE(parse_http_listen("example.com:80"));
    CHECK_FALSE(parse_http_listen("127.0.0.1:0"));
    CHECK_FALSE(parse_http_listen("127.0.0.1:65536"));
    CHECK_FALSE(parse_http_listen("127.0.0.1"));
    CHECK_FALSE(parse_http_listen("[::1:80"));
}

namespace {
std::pair<HttpConfig, std::vector<std::string>> parse(const std::string& text) {
    HttpConfig c;
    auto r = parse_config(text, "t.toml", ParseOptions{}, {http_section(c)});
    return {c, r.errors};
}
}  // namespace

TEST_CASE("[http] section: keys, defaults, errors", "[http][config]") {
    auto [none, e0] = parse("");
    CHECK(e0.empty());
    CHECK_FALSE(none.present);
    auto [c, e1] = parse(
        "[http]\nlisten = \"127.0.0.1:9180\"\npublic = [\"metrics\", \"health\"]\n"
        "allowed_hosts = [\"tend.internal\"]\ntoken_file = \"/etc/tend/tok\"\n");
    CHECK(e1.empty());
    CHECK(c.present);
    CHECK(c.public_routes == std::vector<std::string>{"metrics", "health"});
    CHECK(c.token_file == "/etc/tend/tok");
    auto [d, e2] = parse("[http]\nlisten = \"unix:/tmp/x.sock\"\n");
    CHECK(e2.empty());
    CHECK(d.public_routes == std::vector<std::string>{"metrics"});
    CHECK_FALSE(parse("[http]\npublic = [\"metrics\"]\n").second.empty());  // no listen
    CHECK_FALSE(parse("[http]\nlisten = \"x\"\n").second.empty());
    CHECK_FALSE(parse("[http]\nlisten = \"127.0.0.1:1\"\npublic = [\"api\"]\n").second.empty());
    CHECK_FALSE(parse("[http]\nlisten = \"127.0.0.1:1\"\nbogus = 1\n").second.empty());
    auto [a, e3] = parse("[http]\nlisten = \"127.0.0.1:1\"\nactions = true\n");
    REQUIRE(e3.size() == 1);
    CHECK(e3[0].find("read-only") != std::string::npos);
    CHECK_FALSE(parse("[http]\nlisten = \"127.0.0.1:1\"\ntoken_file = \"rel\"\n").second.empty());
}

TEST_CASE("[http] reload diff and token path", "[http][config]") {
    HttpConfig off, on, other;
    on.present = other.present = true;
    on.listen = "127.0.0.1:1";
    other.listen = "127.0.0.1:2";
    CHECK(diff_http(off, off).empty());
    CHECK(diff_http(off, on).at(0).change == "added");
    CHECK(diff_http(on, off).at(0).change == "removed");
    auto d = diff_http(on, other);
    REQUIRE(d.size() == 1);
    CHECK(d[0].keys == std::vector<std::string>{"listen"});
    CHECK(http_token_path(on, "/etc/tend/tend.toml") == "/etc/tend/http.token");
    on.token_file = "/srv/t";
    CHECK(http_token_path(on, "/etc/tend/tend.toml") == "/srv/t");
}
