// diff_configs: a reload's per-program plan (SPEC §5.6) from two parsed configs.
#include <catch2/catch.hpp>

#include "queue/config/full_config.hpp"
#include "supervisor/core/config_diff.hpp"
#include "tests/unit/config_fixtures.hpp"

using namespace tend;

namespace {

FullConfig cfg(const std::string& text) {
    auto r = tend::test::parse(text);
    INFO(text);
    REQUIRE(r.errors.empty());
    return r.config;
}

const ProgramDiff& of(const ConfigDiff& d, const std::string& name) {
    for (const auto& p : d.programs)
        if (p.name == name) return p;
    FAIL("no diff for " << name);
    throw;
}

const std::string base = R"(
[program.web]
command = ["srv", "--port", "80"]
instances = 4
restart_delay = "1s"

[program.worker]
command = "work"
)";

}  // namespace

TEST_CASE("an identical config changes nothing", "[reload]") {
    ConfigDiff d = diff_full_configs(cfg(base), cfg(base));
    CHECK_FALSE(d.changes_anything());
    CHECK(of(d, "web").change == ProgramChange::unchanged);
    CHECK(of(d, "worker").change == ProgramChange::unchanged);
}

TEST_CASE("policy keys apply live", "[reload]") {
    std::string t = base;
    t.replace(t.find("restart_delay = \"1s\""), 20,
              "restart_delay = \"2s\"\nstop_timeout = \"5s\"\nready = \"tcp:127.0.0.1:80\"");
    ConfigDiff d = diff_full_configs(cfg(base), cfg(t));
    const ProgramDiff& w = of(d, "web");
    CHECK(w.change == ProgramChange::live);
    CHECK(w.keys == std::vector<std::string>{"ready", "restart", "stop_timeout"});
    CHECK(of(d, "worker").change == ProgramChange::unchanged);
}

TEST_CASE("instances alone scales; with a command change it rolls", "[reload]") {
    std::string t = base;
    t.replace(t.find("instances = 4"), 13, "instances = 2");
    ConfigDiff d = diff_full_configs(cfg(base), cfg(t));
    CHECK(of(d, "web").change == ProgramChange::scale);
    CHECK(of(d, "web").old_instances == 4);
    CHECK(of(d, "web").new_instances == 2);
    t.replace(t.find("\"80\""), 4, "\"81\"");
    d = diff_full_configs(cfg(base), cfg(t));
    CHECK(of(d, "web").change == ProgramChange::rolling);
    CHECK(of(d, "web").keys == std::vector<std::string>{"command", "instances"});
}

TEST_CASE("what runs changes roll", "[reload]") {
    for (const char* extra : {"environment = { A = \"1\" }", "directory = \"/tmp\"",
                              "sockets = [\"tcp://127.0.0.1:9\"]",
                              "pidfile = \"/run/x-{instance}\"", "ready = \"notify\""}) {
        INFO(extra);
        std::string t = base;
        t.replace(t.find("restart_delay"), 0, std::string(extra) + "\n");
        ConfigDiff d = diff_full_configs(cfg(base), cfg(t));
        CHECK(of(d, "web").change == ProgramChange::rolling);
    }
}

TEST_CASE("added and removed programs; queue sections apply live", "[reload]") {
    const std::string after = R"(
[program.web]
command = ["srv", "--port", "80"]
instances = 4
restart_delay = "1s"

[program.api]
command = "api"

[queue.mail]
concurrency = 3
)";
    ConfigDiff d = diff_full_configs(cfg(base), cfg(after));
    CHECK(of(d, "api").change == ProgramChange::added);
    CHECK(of(d, "worker").change == ProgramChange::removed);
    CHECK(of(d, "web").change == ProgramChange::unchanged);
    CHECK(d.restart_only.empty());
    REQUIRE(d.live.size() == 1);
    CHECK(d.live[0].section == "queue.mail");
    CHECK(d.live[0].change == "added");
}
