// Programs that fork into the background and ready = "uptime:D" (SPEC §5.5): the machine's
// decisions, the attribution of left-behind processes, and the parsing of uptime.
#include <catch2/catch.hpp>

#include "supervisor/config/value_parsers.hpp"
#include "supervisor/core/escapees.hpp"
#include "tests/unit/machine_fixtures.hpp"

using namespace tend;
using namespace tend::test;

namespace {

InstanceSettings uptime(Usec d, RestartMode mode = RestartMode::always) {
    RestartPolicy p = policy();
    p.mode = mode;
    InstanceSettings s = settings_with(p);
    s.ready_on_exec = false;
    s.ready_after = d;
    return s;
}

ProcEntry proc(pid_t pid, pid_t ppid, pid_t pgrp, pid_t sid, std::uint64_t start,
               bool ended = false) {
    return ProcEntry{pid, ppid, pgrp, sid, start, ended};
}

constexpr pid_t kTendd = 10;
constexpr pid_t kMain = 100;

EscapeeQuery main_ended(std::uint64_t main_start = 500) {
    EscapeeQuery q;
    q.self = kTendd;
    q.leaders = {kMain};
    q.orphans_since = main_start;
    return q;
}

}  // namespace

TEST_CASE("ready = uptime: ready once up that long, with no ready_timeout") {
    InstanceSettings s = uptime(3s);
    s.ready_timeout = 1s;  // not what decides for uptime
    InstanceMachine m(s);
    m.start(kMonoT0);
    m.spawned(100, kMonoT0);
    Effects e = m.exec_succeeded(kMonoT0 + 10ms);
    CHECK(e.timer_at == kMonoT0 + 3s);  // counted from the spawn
    CHECK(m.state() == InstanceState::starting);
    CHECK_FALSE(m.ready());
    CHECK(m.reason() == "waiting to be up for 3s (ready = uptime)");
    Effects t = m.timer_fired(kMonoT0 + 3s);
    CHECK_FALSE(t.signal_main);
    CHECK(m.ready());
    CHECK(m.reason() == "running (ready: up for 3s)");
}

TEST_CASE("ready = uptime: an early timer (the uptime grew on reload) waits on") {
    InstanceMachine m(uptime(3s));
    m.start(kMonoT0);
    m.spawned(100, kMonoT0);
    m.exec_succeeded(kMonoT0);
    m.update_settings(uptime(10s));
    Effects t = m.timer_fired(kMonoT0 + 3s);
    CHECK(t.timer_at == kMonoT0 + 10s);
    CHECK_FALSE(m.ready());
    m.timer_fired(kMonoT0 + 10s);
    CHECK(m.ready());
}

TEST_CASE("ready = uptime: an exit before the uptime is a failed start, even with code 0") {
    InstanceMachine m(uptime(5s, RestartMode::on_failure));
    m.start(kMonoT0);
    m.spawned(100, kMonoT0);
    m.exec_succeeded(kMonoT0);
    Effects e = m.exited(code(0), kMonoT0 + 1s, kNoJitter);
    CHECK(m.state() == InstanceState::backoff);
    CHECK(e.timer_at);
    CHECK(m.consecutive_crashes() == 1);
    CHECK(m.reason().rfind("exited with code 0 before it was up for 5s (ready = uptime)", 0) == 0);

    InstanceMachine never(uptime(5s, RestartMode::never));
    never.start(kMonoT0);
    never.spawned(100, kMonoT0);
    never.exec_succeeded(kMonoT0);
    never.exited(code(0), kMonoT0 + 1s, kNoJitter);
    CHECK(never.state() == InstanceState::exited);
    CHECK(never.reason() == "exited with code 0 before it was up for 5s (ready = uptime)");
}

TEST_CASE("ready = uptime: an exit after it was ready follows the restart policy") {
    InstanceMachine m(uptime(1s, RestartMode::on_failure));
    m.start(kMonoT0);
    m.spawned(100, kMonoT0);
    m.exec_succeeded(kMonoT0);
    m.timer_fired(kMonoT0 + 1s);
    m.exited(code(0), kMonoT0 + 5s, kNoJitter);
    CHECK(m.state() == InstanceState::exited);
    CHECK(m.consecutive_crashes() == 0);
}

TEST_CASE("uptime:DURATION parses; zero or garbage is refused") {
    auto r = parse_ready("uptime:1m30s");
    REQUIRE(r);
    CHECK(r->kind == ReadyKind::uptime);
    CHECK(r->uptime == 90s);
    CHECK(r->text == "uptime:1m30s");
    CHECK_FALSE(parse_ready("uptime:"));
    CHECK_FALSE(parse_ready("uptime:0"));
    CHECK_FALSE(parse_ready("uptime:5 parsecs"));
    auto bad = parse_ready("uptime:x");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().find("example: \"uptime:5s\"") != std::string::npos);
}

TEST_CASE("a clean exit that leaves processes has forked: they are stopped, not respawned") {
    InstanceSettings s = settings_with(policy());
    s.stop_timeout = 4s;
    InstanceMachine m(s);
    m.start(kMonoT0);
    run(m, kMonoT0);
    Effects e = m.exited_leaving(code(0), 2, kMonoT0 + 1s, kNoJitter);
    CHECK(m.state() == InstanceState::stopping);
    CHECK_FALSE(m.ready());
    CHECK_FALSE(m.has_process());
    CHECK(e.signal_escapees == 15);
    CHECK_FALSE(e.kill_escapees);
    CHECK_FALSE(e.kill_group);
    CHECK_FALSE(e.spawn);
    CHECK(e.timer_at == kMonoT0 + 5s);
    CHECK(m.reason() ==
          std::string(kForkedReason) + ": stopping the 2 processes it left (sent TERM)");
    // Still there after stop_timeout: KILL, and one more stop_timeout to see them go.
    Effects t = m.timer_fired(kMonoT0 + 5s);
    CHECK(t.kill_escapees);
    CHECK(t.timer_at == kMonoT0 + 9s);
    Effects g = m.escapees_gone(kMonoT0 + 6s);
    CHECK(g.cancel_timer);
    CHECK_FALSE(g.spawn);
    CHECK(m.state() == InstanceState::exited);
    CHECK(m.reason() == kForkedReason);
    CHECK(m.restarts() == 0);
    CHECK(m.last_exit()->value == 0);
}

TEST_CASE("forked while starting (the probe never counted it ready) ends exited too") {
    InstanceSettings s = settings_with(policy());
    s.ready_on_exec = false;
    InstanceMachine m(s);
    m.start(kMonoT0);
    m.spawned(100, kMonoT0);
    m.exec_succeeded(kMonoT0);
    m.exited_leaving(code(0), 1, kMonoT0 + 100ms, kNoJitter);
    CHECK(m.state() == InstanceState::stopping);
    m.escapees_gone(kMonoT0 + 200ms);
    CHECK(m.state() == InstanceState::exited);
    CHECK(m.reason() == kForkedReason);
}

TEST_CASE("leftovers that never end are given up on after KILL and a stop_timeout") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    run(m, kMonoT0);
    m.exited_leaving(code(0), 1, kMonoT0, kNoJitter);
    m.timer_fired(kMonoT0 + 30s);
    Effects t = m.timer_fired(kMonoT0 + 60s);
    CHECK_FALSE(t.timer_at);
    CHECK(m.state() == InstanceState::exited);
    CHECK(m.reason() == std::string(kForkedReason) + " (processes it left did not end after KILL)");
}

TEST_CASE("a start asked for while the leftovers stop spawns once they are gone") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    run(m, kMonoT0);
    m.exited_leaving(code(0), 1, kMonoT0, kNoJitter);
    CHECK_FALSE(m.start(kMonoT0 + 1s).spawn);
    Effects g = m.escapees_gone(kMonoT0 + 2s);
    CHECK(g.spawn);
    CHECK(m.state() == InstanceState::starting);
}

TEST_CASE("a failing exit that leaves processes kills them and follows the restart policy") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    run(m, kMonoT0);
    Effects e = m.exited_leaving(code(3), 1, kMonoT0 + 1s, kNoJitter);
    CHECK(e.kill_escapees);
    CHECK(e.kill_group);
    CHECK_FALSE(e.signal_escapees);
    CHECK(m.state() == InstanceState::backoff);
    CHECK(m.reason().rfind("exited with code 3", 0) == 0);
}

TEST_CASE("a requested stop is complete only when the processes left are gone") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    run(m, kMonoT0);
    m.stop(kMonoT0 + 1s);
    Effects e = m.exited_leaving(by_signal(15), 1, kMonoT0 + 2s, kNoJitter);
    CHECK(e.kill_escapees);
    CHECK(m.state() == InstanceState::stopping);
    CHECK(m.reason() == "stopping: sent KILL to the 1 process it left");
    m.escapees_gone(kMonoT0 + 2s);
    CHECK(m.state() == InstanceState::stopped);
    CHECK(m.reason() == "stopped (killed by signal TERM)");
}

TEST_CASE("nothing left: exited_leaving is exited") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    run(m, kMonoT0);
    Effects e = m.exited_leaving(code(0), 0, kMonoT0 + 1s, kNoJitter);
    CHECK_FALSE(e.kill_escapees);
    CHECK_FALSE(e.signal_escapees);
    CHECK(m.state() == InstanceState::backoff);        // restart = always
    CHECK_FALSE(m.escapees_gone(kMonoT0 + 2s).spawn);  // not draining: ignored
}

TEST_CASE("/proc/PID/stat parses, with spaces and parentheses in the command name") {
    auto e = parse_proc_stat(
        "4242 (nginx: master (x) y) S 1 4242 4242 0 -1 4194624 37 0 0 0 0 0 0 0 20 0 1 0 "
        "987654 11083776 366 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0\n");
    REQUIRE(e);
    CHECK(e->pid == 4242);
    CHECK(e->ppid == 1);
    CHECK(e->pgrp == 4242);
    CHECK(e->sid == 4242);
    CHECK(e->start == 987654);
    CHECK_FALSE(e->ended);
    auto z = parse_proc_stat("7 (sh) Z 10 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0 0");
    REQUIRE(z);
    CHECK(z->ended);
    CHECK(z->start == 55);
    CHECK_FALSE(parse_proc_stat(""));
    CHECK_FALSE(parse_proc_stat("12 (cut"));
    CHECK_FALSE(parse_proc_stat("12 (x) S 1 2 3"));
}

TEST_CASE("escapees: the session and group of the main process, and their descendants") {
    std::vector<ProcEntry> procs = {
        proc(kMain, kTendd, kMain, kMain, 500),      // the zombie itself: never listed
        proc(101, kTendd, kMain, kMain, 510),        // `cmd &` in a shell: same group
        proc(102, 101, 102, kMain, 520),             // its own group, same session
        proc(103, 102, 103, 103, 530),               // a child that called setsid
        proc(200, 1, 200, 200, 100),                 // unrelated
        proc(104, kTendd, kMain, kMain, 540, true),  // exited, not reaped by main: a zombie
    };
    CHECK(find_escapees(procs, main_ended()) == std::vector<pid_t>{101, 102, 103});
}

TEST_CASE("escapees: a daemon that forked and called setsid (nginx) is an orphan of tendd") {
    std::vector<ProcEntry> procs = {
        proc(kMain, kTendd, kMain, kMain, 500),
        proc(150, kTendd, 150, 150, 501),  // master: re-parented to tendd, own session
        proc(151, 150, 150, 150, 502),     // workers
        proc(152, 150, 150, 150, 502),
        proc(90, kTendd, 90, 90, 400),     // an orphan from before the main process started
        proc(300, kTendd, 300, 300, 600),  // another instance, still tracked
        proc(301, kTendd, 301, 300, 601),  // an orphan of that instance's session
        proc(302, 300, 300, 300, 602),     // its child
    };
    EscapeeQuery q = main_ended();
    q.spawned = {300};
    CHECK(find_escapees(procs, q) == std::vector<pid_t>{150, 151, 152});
}

TEST_CASE("escapees: a sweep finds what held processes started or left, without orphans") {
    std::vector<ProcEntry> procs = {
        proc(153, kTendd, 150, 150, 700),  // a worker re-parented when master 150 ended
        proc(154, 153, 154, 154, 701),
        proc(400, kTendd, 400, 400, 800),  // an unrelated orphan: not without orphans_since
    };
    EscapeeQuery q;
    q.self = kTendd;
    q.leaders = {kMain, 150};
    CHECK(find_escapees(procs, q) == std::vector<pid_t>{153, 154});
}
