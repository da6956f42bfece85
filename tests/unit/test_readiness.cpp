// Readiness (SPEC §5.5) in the instance machine, the sd_notify message parser and the HTTP
// status check of the probe.
#include <catch2/catch.hpp>

#include "supervisor/daemon/notify_socket.hpp"
#include "supervisor/daemon/ready_probe.hpp"
#include "tests/unit/machine_fixtures.hpp"

using namespace tend;
using namespace tend::test;

namespace {
InstanceSettings awaiting(Usec ready_timeout = 5s) {
    InstanceSettings s = settings_with(policy());
    s.ready_on_exec = false;
    s.ready_timeout = ready_timeout;
    return s;
}
}  // namespace

TEST_CASE("a notify/probe instance stays starting until it is reported ready") {
    InstanceMachine m(awaiting());
    m.start(kMonoT0);
    m.spawned(100, kMonoT0);
    CHECK_FALSE(m.awaiting_ready());  // not before the exec succeeded
    Effects e = m.exec_succeeded(kMonoT0);
    CHECK(e.timer_at == kMonoT0 + 5s);
    CHECK(m.state() == InstanceState::starting);
    CHECK(m.awaiting_ready());
    CHECK_FALSE(m.ready());
    CHECK(m.reason() == "waiting to be ready (ready_timeout 5s)");
    Effects r = m.ready_reported(kMonoT0 + 1s);
    CHECK(r.cancel_timer);
    CHECK(m.state() == InstanceState::running);
    CHECK(m.ready());
    CHECK(m.reason() == "running (ready)");
    // A second READY=1 changes nothing.
    Effects again = m.ready_reported(kMonoT0 + 2s);
    CHECK_FALSE(again.cancel_timer);
    CHECK(m.state() == InstanceState::running);
}

TEST_CASE("ready = exec: ready at the exec, no timer") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    m.spawned(100, kMonoT0);
    Effects e = m.exec_succeeded(kMonoT0);
    CHECK_FALSE(e.timer_at);
    CHECK(m.ready());
    CHECK_FALSE(m.ready_reported(kMonoT0).cancel_timer);
}

TEST_CASE("missing ready_timeout stops the instance and counts as a crash") {
    InstanceMachine m(awaiting(1s));
    m.start(kMonoT0);
    m.spawned(100, kMonoT0);
    m.exec_succeeded(kMonoT0);
    Effects t = m.timer_fired(kMonoT0 + 1s);
    CHECK(t.signal_main == 15);
    CHECK(t.timer_at == kMonoT0 + 1s + 30s);  // stop_timeout, then KILL
    CHECK(m.state() == InstanceState::stopping);
    CHECK(m.reason() == "not ready within ready_timeout (1s): sent TERM");
    Effects x = m.exited(by_signal(15), kMonoT0 + 1100ms, kNoJitter);
    CHECK(x.kill_group);
    CHECK(x.timer_at == kMonoT0 + 1100ms + 100ms);  // the first restart delay
    CHECK(m.state() == InstanceState::backoff);
    CHECK(m.restarts() == 1);
    CHECK(m.consecutive_crashes() == 1);
    CHECK(m.reason() == "not ready within ready_timeout (1s); restarting in 100ms");
}

TEST_CASE("missing ready_timeout with restart = never ends exited") {
    RestartPolicy p = policy();
    p.mode = RestartMode::never;
    InstanceSettings s = awaiting(1s);
    s.restart = p;
    InstanceMachine m(s);
    m.start(kMonoT0);
    m.spawned(100, kMonoT0);
    m.exec_succeeded(kMonoT0);
    m.timer_fired(kMonoT0 + 1s);
    m.exited(by_signal(15), kMonoT0 + 2s, kNoJitter);
    CHECK(m.state() == InstanceState::exited);
    CHECK(m.reason() == "not ready within ready_timeout (1s)");
}

TEST_CASE("a stop or restart while waiting to be ready is not a failed start") {
    InstanceMachine m(awaiting(1s));
    m.start(kMonoT0);
    m.spawned(100, kMonoT0);
    m.exec_succeeded(kMonoT0);
    m.timer_fired(kMonoT0 + 1s);  // the late start is being stopped...
    m.restart(kMonoT0 + 1200ms);  // ...and the user restarts it
    Effects x = m.exited(by_signal(15), kMonoT0 + 1300ms, kNoJitter);
    CHECK(x.spawn);
    CHECK(m.consecutive_crashes() == 0);

    InstanceMachine s(awaiting());
    s.start(kMonoT0);
    s.spawned(100, kMonoT0);
    s.exec_succeeded(kMonoT0);
    Effects stop = s.stop(kMonoT0 + 1s);
    CHECK(stop.signal_main == 15);
    s.exited(by_signal(15), kMonoT0 + 2s, kNoJitter);
    CHECK(s.state() == InstanceState::stopped);
}

TEST_CASE("EXTEND_TIMEOUT_USEC moves the readiness deadline later, never earlier") {
    InstanceMachine m(awaiting(5s));
    m.start(kMonoT0);
    m.spawned(100, kMonoT0);
    m.exec_succeeded(kMonoT0);
    CHECK(m.extend_ready_timeout(10s, kMonoT0 + 1s).timer_at == kMonoT0 + 11s);
    CHECK_FALSE(m.extend_ready_timeout(1s, kMonoT0 + 2s).timer_at);
    m.ready_reported(kMonoT0 + 3s);
    CHECK_FALSE(m.extend_ready_timeout(10s, kMonoT0 + 4s).timer_at);  // ready: nothing to extend
}

TEST_CASE("sd_notify messages split into fields") {
    auto f = parse_notify_message("READY=1\nSTATUS=Serving 3 clients\n\nbogus\n=x\nMAINPID=42");
    REQUIRE(f.size() == 3);
    CHECK(f[0] == std::pair<std::string, std::string>{"READY", "1"});
    CHECK(f[1] == std::pair<std::string, std::string>{"STATUS", "Serving 3 clients"});
    CHECK(f[2] == std::pair<std::string, std::string>{"MAINPID", "42"});
    CHECK(parse_notify_message("").empty());
}

TEST_CASE("the HTTP probe accepts 2xx status lines only") {
    CHECK(http_status_ok("HTTP/1.1 200 OK\r\n") == true);
    CHECK(http_status_ok("HTTP/1.0 204 No Content\r\n") == true);
    CHECK(http_status_ok("HTTP/1.1 301 Moved\r\n") == false);
    CHECK(http_status_ok("HTTP/1.1 503 Busy\r\n") == false);
    CHECK(http_status_ok("SSH-2.0-OpenSSH\r\n") == false);
    CHECK(http_status_ok("HTTP/1.1 2") == std::nullopt);  // the line is still coming
    CHECK(http_status_ok(std::string(300, 'x')) == false);
}
