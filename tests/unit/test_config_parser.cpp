// parse_config: every tend.toml key (SPEC §3) and every error kind as "FILE:LINE:COLUMN: message".
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "supervisor/config/config_parser.hpp"
#include "tests/unit/config_fixtures.hpp"

using namespace tend;
using namespace tend::test;
using namespace std::chrono_literals;

namespace {

const char* kFull = R"([daemon]
log_level = "debug"
log_target = "journal"
socket_group = "tend"
shutdown_timeout = "2m"

[program.web]
command = ["bundle", "exec", "puma"]
instances = 4
directory = "/srv/app"
environment = { RACK_ENV = "production", PORT = "800{instance}" }
user = "app"
autostart = false
restart = "on-failure"
restart_delay = "250ms"
restart_delay_max = "1m"
healthy_after = "90s"
crash_limit = 7
crash_window = "2m"
cooldown = "10m"
ready = "http://127.0.0.1:8000/health"
ready_timeout = "45s"
stop_signal = "SIGINT"
stop_timeout = "20s"
reload_signal = "USR2"
pidfile = "/run/app/web-{instance}.pid"
sockets = ["tcp://0.0.0.0:8000", "unix:///run/app/web.sock"]
output = "file"
log_max_size = "20MB"
log_keep = 3

[program.web.rollout]
max_unavailable = 2
max_surge = 1
on_failure = "rollback"

[program.a-exec]
command = "echo hi"
ready = "exec"
restart = "never"
output = "journal"

[program.b-notify]
command = ["/bin/b"]
ready = "notify"
restart = "always"
output = "null"

[program.c-tcp]
command = ["/bin/c"]
ready = "tcp:[::1]:9000"
output = "auto"

[program.d-command]
command = ["/bin/d"]
ready = "command:curl -fs localhost"

[queue.default]
concurrency = 2

[cron.nightly]
schedule = "0 3 * * *"
command = ["/bin/report"]
)";

}  // namespace

TEST_CASE("a config using every daemon and program key parses to the right values") {
    auto r = parse(kFull, true);
    INFO(r.errors.size() << " errors, first: " << (r.errors.empty() ? "" : r.errors[0]));
    REQUIRE(r.ok());
    const FullConfig& c = r.config;
    CHECK(c.file == "t.toml");
    CHECK(c.daemon.log_level == LogLevel::debug);
    CHECK(c.daemon.log_target == LogTarget::journal);
    CHECK(c.daemon.socket_group == "tend");
    CHECK(c.daemon.socket_group_pos.line == 4);
    CHECK(c.daemon.socket_group_pos.column == 16);
    CHECK(c.daemon.shutdown_timeout == 2min);
    REQUIRE(c.programs.size() == 5);
    REQUIRE(c.crons.size() == 1);
    CHECK(c.crons[0].def.name == "nightly");
    CHECK(c.crons[0].def.argv == std::vector<std::string>{"/bin/report"});

    const ProgramConfig* web = c.find_program("web");
    REQUIRE(web);
    CHECK(web->pos.file == "t.toml");
    CHECK(web->pos.line == 7);
    CHECK(web->pos.column == 1);
    CHECK(web->command == std::vector<std::string>{"bundle", "exec", "puma"});
    CHECK(web->instances == 4);
    CHECK(web->directory == "/srv/app");
    CHECK(web->environment == std::map<std::string, std::string>{{"RACK_ENV", "production"},
                                                                 {"PORT", "800{instance}"}});
    CHECK(web->user == "app");
    CHECK(web->user_pos.line == 12);
    CHECK(web->user_pos.column == 8);
    CHECK_FALSE(web->autostart);
    CHECK(web->restart.mode == RestartMode::on_failure);
    CHECK(web->restart.restart_delay == 250ms);
    CHECK(web->restart.restart_delay_max == 1min);
    CHECK(web->restart.healthy_after == 90s);
    CHECK(web->restart.crash_limit == 7);
    CHECK(web->restart.crash_window == 2min);
    CHECK(web->restart.cooldown == 10min);
    CHECK(web->ready.kind == ReadyKind::http);
    CHECK(web->ready.host == "127.0.0.1");
    CHECK(web->ready.port == "8000");
    CHECK(web->ready.path == "/health");
    CHECK(web->ready.text == "http://127.0.0.1:8000/health");
    CHECK(web->ready_timeout == 45s);
    CHECK(web->stop_signal == 2);
    CHECK(web->stop_timeout == 20s);
    CHECK(web->reload_signal == 12);
    CHECK(web->pidfile == "/run/app/web-{instance}.pid");
    CHECK(web->sockets ==
          std::vector<std::string>{"tcp://0.0.0.0:8000", "unix:///run/app/web.sock"});
    CHECK(web->output == OutputMode::file);
    CHECK(web->log_max_size == 20ull << 20);
    CHECK(web->log_keep == 3);
    CHECK(web->rollout.max_unavailable == 2);
    CHECK(web->rollout.max_surge == 1);
    CHECK(web->rollout.on_failure == RolloutFailure::rollback);

    const ProgramConfig* a = c.find_program("a-exec");
    REQUIRE(a);
    CHECK(a->command == std::vector<std::string>{"/bin/sh", "-c", "echo hi"});
    CHECK(a->ready.kind == ReadyKind::exec);
    CHECK(a->restart.mode == RestartMode::never);
    CHECK(a->output == OutputMode::journal);
    const ProgramConfig* b = c.find_program("b-notify");
    REQUIRE(b);
    CHECK(b->ready.kind == ReadyKind::notify);
    CHECK(b->restart.mode == RestartMode::always);
    CHECK(b->output == OutputMode::null);
    const ProgramConfig* t = c.find_program("c-tcp");
    REQUIRE(t);
    CHECK(t->ready.kind == ReadyKind::tcp);
    CHECK(t->ready.host == "::1");
    CHECK(t->ready.port == "9000");
    CHECK(t->output == OutputMode::automatic);
    const ProgramConfig* d = c.find_program("d-command");
    REQUIRE(d);
    CHECK(d->ready.kind == ReadyKind::command);
    CHECK(d->ready.command == "curl -fs localhost");
}

TEST_CASE("a minimal program gets the documented defaults") {
    auto r = parse("[program.w]\ncommand = [\"/bin/w\"]\n");
    REQUIRE(r.ok());
    const ProgramConfig& p = r.config.programs.at(0);
    CHECK(p.instances == 1);
    CHECK(p.autostart);
    CHECK(p.restart.mode == RestartMode::always);
    CHECK(p.restart.restart_delay == 100ms);
    CHECK(p.restart.restart_delay_max == 30s);
    CHECK(p.restart.healthy_after == 60s);
    CHECK(p.restart.crash_limit == 5);
    CHECK(p.restart.crash_window == 60s);
    CHECK(p.restart.cooldown == 5min);
    CHECK(p.ready.kind == ReadyKind::exec);
    CHECK(p.ready_timeout == 60s);
    CHECK(p.stop_signal == 15);
    CHECK(p.stop_timeout == 30s);
    CHECK(p.reload_signal == 1);
    CHECK(p.output == OutputMode::automatic);
    CHECK(p.log_max_size == 10ull << 20);
    CHECK(p.log_keep == 5);
    CHECK(p.rollout.max_unavailable == 1);
    CHECK(p.rollout.max_surge == 0);
    CHECK(p.rollout.on_failure == RolloutFailure::pause);
    CHECK_FALSE(p.user);
    CHECK_FALSE(p.pidfile);
    CHECK(r.config.daemon.log_level == LogLevel::info);
    CHECK(r.config.daemon.shutdown_timeout == 90s);
    CHECK(parse("").ok());
}

TEST_CASE("programs keep the order of the file") {
    auto r = parse("[program.zeta]\ncommand = \"z\"\n[program.alpha]\ncommand = \"a\"\n");
    REQUIRE(r.ok());
    REQUIRE(r.config.programs.size() == 2);
    CHECK(r.config.programs[0].name == "zeta");
    CHECK(r.config.programs[1].name == "alpha");
}

TEST_CASE("TOML syntax errors carry the position of the problem") {
    auto r = parse("[daemon\n");
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].rfind("t.toml:1:8: ", 0) == 0);
    CHECK_THAT(r.errors[0], Catch::Contains("expected ']'"));
    r = parse("[daemon]\nlog_level = \n");
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].rfind("t.toml:2:13: ", 0) == 0);
    CHECK_THAT(r.errors[0], Catch::Contains("expected value"));
    r = parse(W("restart = \"never\"\nrestart = \"always\"\n"));
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].rfind("t.toml:4:", 0) == 0);
    CHECK_THAT(r.errors[0], Catch::Contains("redefine"));
}

TEST_CASE("unknown keys are reported at the key") {
    check_cases({
        {"foo = 1\n", "t.toml:1:1: unknown key \"foo\" in [top level]"},
        {"\n  bar = \"x\"\n", "t.toml:2:3: unknown key \"bar\" in [top level]"},
        {"[daemon]\nlog_lvl = \"info\"\n", "t.toml:2:1: unknown key \"log_lvl\" in [daemon]"},
        {W("  restarts = 3\n"), "t.toml:3:3: unknown key \"restarts\" in [program.w]"},
        {W("[program.w.rollout]\nmax_unavail = 1\n"),
         "t.toml:4:1: unknown key \"max_unavail\" in [program.w.rollout]"},
        {W("rollout = { surge = 1 }\n"),
         "t.toml:3:13: unknown key \"surge\" in [program.w.rollout]"},
    });
}

TEST_CASE("wrong types are reported at the value") {
    check_cases({
        {W("instances = \"4\"\n"), "t.toml:3:13: \"instances\" must be an integer"},
        {W("crash_limit = 1.5\n"), "t.toml:3:15: \"crash_limit\" must be an integer"},
        {W("autostart = \"yes\"\n"), "t.toml:3:13: \"autostart\" must be true or false"},
        {W("autostart = 1\n"), "t.toml:3:13: \"autostart\" must be true or false"},
        {W("restart_delay = 100\n"), "t.toml:3:17: \"restart_delay\" must be a string"},
        {W("stop_signal = 15\n"), "t.toml:3:15: \"stop_signal\" must be a string"},
        {W("directory = [\"/srv\"]\n"), "t.toml:3:13: \"directory\" must be a string"},
        {W("user = true\n"), "t.toml:3:8: \"user\" must be a string"},
        {W("sockets = \"tcp://0.0.0.0:80\"\n"),
         "t.toml:3:11: \"sockets\" must be an array of strings"},
        {W("sockets = [\"tcp://0.0.0.0:80\", 80]\n"),
         "t.toml:3:32: \"sockets\" must contain only strings"},
        {W("environment = \"A=1\"\n"), "t.toml:3:15: \"environment\" must be a table of strings"},
        {W("rollout = 1\n"), "t.toml:3:11: \"rollout\" must be a table"},
        {"[program.w]\ncommand = 5\n",
         "t.toml:2:11: \"command\" must be a string (run by /bin/sh -c) or an array (argv)"},
        {"[program.w]\ncommand = [\"a\", 1]\n",
         "t.toml:2:17: \"command\" must contain only strings"},
        {"[daemon]\nlog_level = 3\n", "t.toml:2:13: \"log_level\" must be a string"},
        {"[daemon]\nsocket_group = false\n", "t.toml:2:16: \"socket_group\" must be a string"},
        {"daemon = 1\n", "t.toml:1:10: \"daemon\" must be a table"},
        {"program = \"web\"\n",
         "t.toml:1:11: \"program\" must be a table of [program.NAME] tables"},
        {"[program]\nw = 5\n", "t.toml:2:5: \"program.w\" must be a table"},
        {"queue = 1\n", "t.toml:1:9: \"queue\" must be a table of [queue.NAME] tables"},
        {"cron = [1]\n", "t.toml:1:8: \"cron\" must be a table of [cron.NAME] tables"},
    });
}
