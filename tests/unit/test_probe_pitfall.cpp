// probe_pitfall: a tcp:/http:// readiness probe of the program's own socket is warned about.
#include <catch2/catch.hpp>

#include "supervisor/config/probe_pitfall.hpp"
#include "supervisor/config/value_parsers.hpp"

using namespace tend;

TEST_CASE("probe_hits_socket: same port, and the same host, a wildcard or both loopback",
          "[probe_pitfall]") {
    CHECK(probe_hits_socket("127.0.0.1", "8000", "tcp://127.0.0.1:8000"));
    CHECK(probe_hits_socket("127.0.0.1", "8000", "tcp://0.0.0.0:8000"));
    CHECK(probe_hits_socket("10.1.2.3", "8000", "tcp://0.0.0.0:8000"));
    CHECK(probe_hits_socket("::1", "8000", "tcp://[::]:8000"));
    CHECK(probe_hits_socket("localhost", "8000", "tcp://127.0.0.1:8000"));
    CHECK(probe_hits_socket("127.0.0.1", "8000", "tcp://localhost:8000"));
    CHECK(probe_hits_socket("0.0.0.0", "8000", "tcp://10.1.2.3:8000"));
    CHECK(probe_hits_socket("[::1]", "8000", "tcp://[::1]:8000"));

    CHECK_FALSE(probe_hits_socket("127.0.0.1", "8001", "tcp://0.0.0.0:8000"));
    CHECK_FALSE(probe_hits_socket("10.1.2.3", "8000", "tcp://127.0.0.1:8000"));
    CHECK_FALSE(probe_hits_socket("127.0.0.1", "8000", "unix:///run/app.sock"));
    CHECK_FALSE(probe_hits_socket("127.0.0.1", "8000", "tcp://nonsense"));
    // {instance} in the probe's port: a port per instance, which tells instances apart.
    CHECK_FALSE(probe_hits_socket("127.0.0.1", "800{instance}", "tcp://0.0.0.0:800{instance}"));
}

namespace {
ProgramConfig with(const std::string& ready, std::vector<std::string> sockets) {
    ProgramConfig p;
    p.name = "web";
    auto r = parse_ready(ready);
    REQUIRE(r);
    p.ready = *r;
    p.sockets = std::move(sockets);
    return p;
}
}  // namespace

TEST_CASE("shared_socket_probe_warning names the program, the probe, the socket and the fixes",
          "[probe_pitfall]") {
    auto w =
        shared_socket_probe_warning(with("http://127.0.0.1:8000/health", {"tcp://0.0.0.0:8000"}));
    REQUIRE(w);
    CHECK_THAT(*w, Catch::Contains("program \"web\""));
    CHECK_THAT(*w, Catch::Contains("http://127.0.0.1:8000/health"));
    CHECK_THAT(*w, Catch::Contains("tcp://0.0.0.0:8000"));
    CHECK_THAT(*w, Catch::Contains("notify"));
    CHECK_THAT(*w, Catch::Contains("{instance}"));
    CHECK_THAT(*w, Catch::Contains("uptime:"));
    CHECK(shared_socket_probe_warning(
        with("tcp:127.0.0.1:8000", {"unix:///run/a.sock", "tcp://127.0.0.1:8000"})));

    CHECK_FALSE(shared_socket_probe_warning(with("notify", {"tcp://0.0.0.0:8000"})));
    CHECK_FALSE(shared_socket_probe_warning(with("tcp:127.0.0.1:9000", {"tcp://0.0.0.0:8000"})));
    CHECK_FALSE(shared_socket_probe_warning(with("http://127.0.0.1:8000/", {})));
    CHECK_FALSE(shared_socket_probe_warning(with("command:true", {"tcp://0.0.0.0:8000"})));

    Config c;
    c.programs = {with("http://127.0.0.1:8000/", {"tcp://0.0.0.0:8000"}), with("exec", {})};
    c.programs[1].name = "worker";
    CHECK(config_warnings(c).size() == 1);
}

TEST_CASE("parse_ready: a probe's port may hold {instance}, checked as instance 0 has it",
          "[probe_pitfall]") {
    auto r = parse_ready("http://127.0.0.1:19{instance}00/health");
    REQUIRE(r);
    CHECK(r->port == "19{instance}00");
    CHECK(expand_instance(r->port, 3) == "19300");
    CHECK(parse_ready("tcp:127.0.0.1:800{instance}"));
    CHECK_FALSE(parse_ready("tcp:127.0.0.1:99999{instance}"));  // out of range for instance 0
    CHECK_FALSE(parse_ready("tcp:127.0.0.1:{instance}x"));
    CHECK_FALSE(validate_socket_spec("tcp://0.0.0.0:800{instance}"));  // a socket is shared
}
