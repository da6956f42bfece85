// parse_config errors: bad values, ranges, names and several errors at once, with positions.
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

const char* kDurationExamples = " (examples: \"250ms\", \"30s\", \"5m\", \"2h\", \"1d\")";

}  // namespace

TEST_CASE("bad enumerated values list what is accepted") {
    check_cases({
        {W("restart = \"sometimes\"\n"),
         "t.toml:3:11: \"restart\": unknown value \"sometimes\" (accepted: always | on-failure | "
         "never)"},
        {W("restart = \"on_failure\"\n"),
         "t.toml:3:11: \"restart\": unknown value \"on_failure\" (accepted: always | on-failure | "
         "never)"},
        {W("output = \"syslog\"\n"),
         "t.toml:3:10: \"output\": unknown value \"syslog\" (accepted: auto | file | journal | "
         "null)"},
        {"[daemon]\nlog_level = \"verbose\"\n",
         "t.toml:2:13: \"log_level\": unknown value \"verbose\" (accepted: trace | debug | info | "
         "warn | error)"},
        {"[daemon]\nlog_target = \"syslog\"\n",
         "t.toml:2:14: \"log_target\": unknown value \"syslog\" (accepted: auto | journal | "
         "stderr)"},
        {W("[program.w.rollout]\non_failure = \"continue\"\n"),
         "t.toml:4:14: \"on_failure\": unknown value \"continue\" (accepted: pause | rollback)"},
    });
}

TEST_CASE("bad durations and sizes") {
    check_cases({
        {W("restart_delay = \"5\"\n"), std::string("t.toml:3:17: \"restart_delay\": invalid "
                                                   "duration \"5\": missing unit") +
                                           kDurationExamples},
        {W("cooldown = \"5x\"\n"),
         std::string("t.toml:3:12: \"cooldown\": invalid duration \"5x\": unknown unit \"x\"") +
             kDurationExamples},
        {W("stop_timeout = \"-1s\"\n"),
         std::string("t.toml:3:16: \"stop_timeout\": invalid duration \"-1s\": expected a number") +
             kDurationExamples},
        {"[daemon]\nshutdown_timeout = \"\"\n",
         std::string("t.toml:2:20: \"shutdown_timeout\": invalid duration \"\": empty") +
             kDurationExamples},
        {W("log_max_size = \"10TB\"\n"),
         "t.toml:3:16: \"log_max_size\": invalid size \"10TB\": unknown unit \"TB\" (examples: "
         "\"512KB\", \"10MB\", \"1GB\")"},
        {W("log_max_size = \"1KB\"\n"), "t.toml:3:16: \"log_max_size\" must be at least 4KB"},
    });
    for (const char* key :
         {"healthy_after", "crash_window", "ready_timeout", "restart_delay_max"}) {
        auto r = parse(W(std::string(key) + " = \"soon\"\n"));
        INFO(key);
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0].rfind("t.toml:3:" + std::to_string(std::string(key).size() + 4) + ": \"" +
                                    key + "\": invalid duration \"soon\"",
                                0) == 0);
    }
}

TEST_CASE("bad signal names") {
    const std::string tail = "\" (examples: \"TERM\", \"INT\", \"HUP\")";
    check_cases({
        {W("stop_signal = \"TERMINATE\"\n"),
         "t.toml:3:15: \"stop_signal\": unknown signal \"TERMINATE" + tail},
        {W("reload_signal = \"0\"\n"), "t.toml:3:17: \"reload_signal\": unknown signal \"0" + tail},
        {W("stop_signal = \"65\"\n"), "t.toml:3:15: \"stop_signal\": unknown signal \"65" + tail},
    });
}

TEST_CASE("bad readiness specs") {
    check_cases({
        {W("ready = \"tcp:localhost\"\n"),
         "t.toml:3:9: \"ready\": \"tcp:localhost\" is not tcp:HOST:PORT (example: "
         "\"tcp:127.0.0.1:8000\")"},
        {W("ready = \"tcp:host:70000\"\n"),
         "t.toml:3:9: \"ready\": \"tcp:host:70000\" is not tcp:HOST:PORT (example: "
         "\"tcp:127.0.0.1:8000\")"},
        {W("ready = \"http://localhost/health\"\n"),
         "t.toml:3:9: \"ready\": \"http://localhost/health\" is not http://HOST:PORT/PATH "
         "(example: \"http://127.0.0.1:8000/health\")"},
        {W("ready = \"command:\"\n"),
         "t.toml:3:9: \"ready\": \"command:\" needs a command after the colon"},
        {W("ready = \"ping\"\n"),
         "t.toml:3:9: \"ready\": unknown readiness \"ping\" (accepted: exec | notify | "
         "uptime:DURATION | tcp:HOST:PORT | http://HOST:PORT/PATH | command:CMD)"},
    });
}

TEST_CASE("bad socket specs are reported at the sockets array") {
    const std::string tail =
        " is not tcp://HOST:PORT or unix:///PATH (example: \"tcp://0.0.0.0:8000\")";
    check_cases({
        {W("sockets = [\"tcp://0.0.0.0\"]\n"),
         "t.toml:3:11: \"sockets\": \"tcp://0.0.0.0\"" + tail},
        {W("sockets = [\"unix://relative.sock\"]\n"),
         "t.toml:3:11: \"sockets\": \"unix://relative.sock\"" + tail},
        {W("sockets = [\"udp://0.0.0.0:53\"]\n"),
         "t.toml:3:11: \"sockets\": \"udp://0.0.0.0:53\"" + tail},
    });
    auto r = parse(W("sockets = [\"tcp://:80\", \"unix://\"]\n"));
    CHECK(r.errors.size() == 2);
}

TEST_CASE("command missing or empty") {
    check_cases({
        {"[program.w]\ninstances = 1\n", "t.toml:1:1: [program.w] has no \"command\""},
        {"[program.w]\ncommand = \"\"\n", "t.toml:2:11: \"command\" is empty"},
        {"[program.w]\ncommand = []\n", "t.toml:2:11: \"command\" needs at least a program to run"},
        {"[program.w]\ncommand = [\"\", \"x\"]\n",
         "t.toml:2:11: \"command\" needs at least a program to run"},
    });
}

TEST_CASE("range, path and permission checks") {
    check_cases({
        {W("instances = -1\n"), "t.toml:3:13: \"instances\" must be between 0 and 10000"},
        {W("instances = 10001\n"), "t.toml:3:13: \"instances\" must be between 0 and 10000"},
        {W("crash_limit = 0\n"), "t.toml:3:15: \"crash_limit\" must be between 1 and 1000000"},
        {W("log_keep = 1001\n"), "t.toml:3:12: \"log_keep\" must be between 0 and 1000"},
        {W("[program.w.rollout]\nmax_surge = -1\n"),
         "t.toml:4:13: \"max_surge\" must be between 0 and 100000"},
        {W("[program.w.rollout]\nmax_unavailable = 0\n"),
         "t.toml:3:1: [program.w.rollout]: max_unavailable and max_surge cannot both be 0 (the "
         "rollout could never make progress)"},
        {W("directory = \"srv/app\"\n"), "t.toml:3:13: \"directory\" must be an absolute path"},
        {W("pidfile = \"run/w.pid\"\n"), "t.toml:3:11: \"pidfile\" must be an absolute path"},
        {W("instances = 2\npidfile = \"/run/w.pid\"\n"),
         "t.toml:4:11: \"pidfile\" must contain {instance} when instances > 1"},
        {W("user = \"app\"\n"),
         "t.toml:3:8: \"user\" needs tendd to run as root (it runs as uid 1000)"},
        {"[daemon]\nsocket_group = \"\"\n", "t.toml:2:16: \"socket_group\" must not be empty"},
        {W("restart_delay = \"1m\"\n"),
         "t.toml:1:1: [program.w]: restart_delay is larger than restart_delay_max"},
        {W("restart_delay = \"2s\"\nrestart_delay_max = \"1s\"\n"),
         "t.toml:1:1: [program.w]: restart_delay is larger than restart_delay_max"},
    });
    CHECK(parse(W("instances = 0\n")).ok());
    CHECK(parse(W("instances = 10000\n")).ok());
    CHECK(parse(W("pidfile = \"/run/w.pid\"\n")).ok());  // one instance needs no {instance}
    CHECK(parse(W("user = \"app\"\n"), true).ok());
    CHECK(parse(W("restart_delay = \"30s\"\n")).ok());  // equal to the max is fine
}

TEST_CASE("invalid program names are reported at the table header") {
    const std::string tail = "\": use letters, digits, '-', '_' and '.', at most 64";
    check_cases({
        {"[program.\"a b\"]\ncommand = \"x\"\n", "t.toml:1:1: invalid program name \"a b" + tail},
        {"[program.\"a/b\"]\ncommand = \"x\"\n", "t.toml:1:1: invalid program name \"a/b" + tail},
        {"\n[program.-web]\ncommand = \"x\"\n", "t.toml:2:1: invalid program name \"-web" + tail},
        {"[program.\".web\"]\ncommand = \"x\"\n", "t.toml:1:1: invalid program name \".web" + tail},
        {"[program." + std::string(65, 'a') + "]\ncommand = \"x\"\n",
         "t.toml:1:1: invalid program name \"" + std::string(65, 'a') + tail},
    });
    CHECK(parse("[program.\"" + std::string(64, 'a') + "\"]\ncommand = \"x\"\n").ok());
    CHECK(parse("[program.\"web.v2\"]\ncommand = \"x\"\n[program.a_b-C9]\ncommand = \"x\"\n").ok());
}

TEST_CASE("environment values must be strings, names must be valid") {
    check_cases({
        {W("environment = { A = \"1\", B = 2 }\n"),
         "t.toml:3:30: environment value of \"B\" must be a string"},
        {W("environment = { \"\" = \"x\" }\n"),
         "t.toml:3:17: invalid environment variable name \"\""},
        {W("environment = { \"A=B\" = \"x\" }\n"),
         "t.toml:3:17: invalid environment variable name \"A=B\""},
    });
}

TEST_CASE("every error of a file is reported, not just the first") {
    const std::string text =
        "bogus = 1\n"                 // 1
        "[daemon]\n"                  // 2
        "log_level = \"loud\"\n"      // 3
        "[program.w]\n"               // 4
        "instances = \"two\"\n"       // 5
        "restart = \"maybe\"\n"       // 6
        "stop_signal = \"NOPE\"\n"    // 7
        "sockets = [\"tcp://x\"]\n"   // 8
        "[program.v]\n"               // 9
        "command = \"x\"\n"           // 10
        "directory = \"rel\"\n"       // 11
        "environment = { K = 1 }\n";  // 12
    auto r = parse(text);
    std::vector<std::string> prefixes = {
        "t.toml:1:1: ",  "t.toml:3:13: ", "t.toml:4:1: ",   "t.toml:5:13: ", "t.toml:6:11: ",
        "t.toml:7:15: ", "t.toml:8:11: ", "t.toml:11:13: ", "t.toml:12:21: "};
    CHECK(r.errors.size() == prefixes.size());
    for (const auto& p : prefixes) {
        INFO("expected an error at " << p);
        CHECK(std::any_of(r.errors.begin(), r.errors.end(),
                          [&](const std::string& e) { return e.rfind(p, 0) == 0; }));
    }
    CHECK_FALSE(r.ok());
}

TEST_CASE("admin_group is a non-empty group name, like socket_group") {
    auto r = parse("[daemon]\nsocket_group = \"users\"\nadmin_group = \"wheel\"\n", true);
    REQUIRE(r.ok());
    CHECK(r.config.daemon.admin_group == "wheel");
    CHECK(r.config.daemon.admin_group_pos.line == 3);
    check_cases({
        {"[daemon]\nadmin_group = \"\"\n", "t.toml:2:15: \"admin_group\" must not be empty"},
        {"[daemon]\nadmin_group = 5\n", "t.toml:2:15: \"admin_group\" must be a string"},
    });
}
