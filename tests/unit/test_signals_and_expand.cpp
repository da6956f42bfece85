// Signal names <-> numbers (parse_signal, signal_name) and {instance} expansion.
#include <catch2/catch.hpp>

#include <csignal>

#include "supervisor/config/config.hpp"
#include "supervisor/util/signals.hpp"

using namespace tend;

TEST_CASE("signal names parse with or without SIG, in any case") {
    CHECK(parse_signal("TERM") == SIGTERM);
    CHECK(parse_signal("SIGTERM") == SIGTERM);
    CHECK(parse_signal("term") == SIGTERM);
    CHECK(parse_signal("sigterm") == SIGTERM);
    CHECK(parse_signal("SigTerm") == SIGTERM);
    CHECK(parse_signal("HUP") == SIGHUP);
    CHECK(parse_signal("INT") == SIGINT);
    CHECK(parse_signal("KILL") == SIGKILL);
    CHECK(parse_signal("USR1") == SIGUSR1);
    CHECK(parse_signal("SIGUSR2") == SIGUSR2);
    CHECK(parse_signal("QUIT") == SIGQUIT);
    CHECK(parse_signal("WINCH") == SIGWINCH);
    CHECK(parse_signal("SYS") == SIGSYS);
}

TEST_CASE("signal numbers parse in 1..64") {
    CHECK(parse_signal("9") == 9);
    CHECK(parse_signal("1") == 1);
    CHECK(parse_signal("15") == 15);
    CHECK(parse_signal("64") == 64);
    CHECK(parse_signal("034") == 34);
}

TEST_CASE("bad signals are refused") {
    for (const char* bad : {"", "0", "65", "100", "99999999999999999999", "-9", "9x", " 9", "TERM ",
                            "SIG", "SIGSIGTERM", "FOO", "SIGFOO", "TERMINATE", "sig"}) {
        INFO('"' << bad << '"');
        CHECK_FALSE(parse_signal(bad).has_value());
    }
}

TEST_CASE("signal_name gives the short name or the number") {
    CHECK(signal_name(SIGTERM) == "TERM");
    CHECK(signal_name(SIGHUP) == "HUP");
    CHECK(signal_name(SIGKILL) == "KILL");
    CHECK(signal_name(SIGSEGV) == "SEGV");
    CHECK(signal_name(SIGUSR1) == "USR1");
    CHECK(signal_name(40) == "40");
    CHECK(signal_name(0) == "0");
}

TEST_CASE("signal_name and parse_signal round-trip") {
    for (int sig = 1; sig <= 64; ++sig) {
        INFO(sig);
        auto back = parse_signal(signal_name(sig));
        REQUIRE(back);
        CHECK(*back == sig);
    }
}

TEST_CASE("expand_instance replaces every {instance}") {
    CHECK(expand_instance("800{instance}", 3) == "8003");
    CHECK(expand_instance("/run/app/web-{instance}.pid", 0) == "/run/app/web-0.pid");
    CHECK(expand_instance("{instance}-{instance}", 12) == "12-12");
    CHECK(expand_instance("{instance}", 9999) == "9999");
    CHECK(expand_instance("no token here", 5) == "no token here");
    CHECK(expand_instance("", 1) == "");
}

TEST_CASE("expand_instance leaves near misses alone") {
    CHECK(expand_instance("{instance", 1) == "{instance");
    CHECK(expand_instance("{INSTANCE}", 1) == "{INSTANCE}");
    CHECK(expand_instance("{{instance}}", 4) == "{4}");
    CHECK(expand_instance("instance}", 1) == "instance}");
}

TEST_CASE("find_program looks programs up by name") {
    Config c;
    ProgramConfig a;
    a.name = "web";
    ProgramConfig b;
    b.name = "worker";
    c.programs = {a, b};
    REQUIRE(c.find_program("worker"));
    CHECK(c.find_program("worker")->name == "worker");
    CHECK(c.find_program("db") == nullptr);
}
