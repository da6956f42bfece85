// InstanceMachine stop, manual start/restart and group kill (SPEC §5.3-§5.4), injected time.
#include <catch2/catch.hpp>

#include "supervisor/config/value_parsers.hpp"
#include "supervisor/core/instance_machine.hpp"
#include "tests/unit/machine_fixtures.hpp"

using namespace tend;
using namespace tend::test;
using namespace std::chrono_literals;

TEST_CASE("stop while running: stop_signal, stop_timeout timer, then stopped on exit") {
    InstanceSettings s = settings_with(policy());
    s.stop_signal = 2;
    s.stop_timeout = 7s;
    InstanceMachine m(s);
    m.start(kMonoT0);
    run(m, kMonoT0);
    Effects e = m.stop(kMonoT0 + 10s);
    CHECK(m.state() == InstanceState::stopping);
    REQUIRE(e.signal_main);
    CHECK(*e.signal_main == 2);
    CHECK_FALSE(e.kill_group);
    REQUIRE(e.timer_at);
    CHECK(*e.timer_at == kMonoT0 + 17s);
    CHECK(m.reason() == "stopping: sent INT");

    Effects x = m.exited(by_signal(2), kMonoT0 + 11s, kNoJitter);
    CHECK(m.state() == InstanceState::stopped);
    CHECK(x.kill_group);
    CHECK(x.cancel_timer);
    CHECK_FALSE(x.spawn);
    CHECK_FALSE(m.timer_deadline());
    CHECK(m.reason() == "stopped (killed by signal INT)");
    CHECK(m.restarts() == 0);
    CHECK(m.consecutive_crashes() == 0);
}

TEST_CASE("the stop timeout kills the whole group") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    run(m, kMonoT0);
    Effects e = m.stop(kMonoT0);
    Effects t = m.timer_fired(*e.timer_at);
    CHECK(t.kill_group);
    CHECK_FALSE(t.spawn);
    CHECK(m.state() == InstanceState::stopping);
    CHECK(m.reason().find("stop_timeout elapsed") != std::string::npos);
    m.exited(by_signal(9), kMonoT0 + 31s, kNoJitter);
    CHECK(m.state() == InstanceState::stopped);
}

TEST_CASE("stop during backoff or cooldown stops at once and cancels the timer") {
    RestartPolicy p = policy();
    p.crash_limit = 1;
    InstanceMachine cool(settings_with(p));
    cool.start(kMonoT0);
    run(cool, kMonoT0);
    cool.exited(code(1), kMonoT0 + 1s, kNoJitter);
    REQUIRE(cool.state() == InstanceState::cooldown);
    Effects e = cool.stop(kMonoT0 + 2s);
    CHECK(e.cancel_timer);
    CHECK_FALSE(e.signal_main);
    CHECK(cool.state() == InstanceState::stopped);
    CHECK_FALSE(cool.timer_deadline());

    InstanceMachine back(settings_with(policy()));
    back.start(kMonoT0);
    run(back, kMonoT0);
    back.exited(code(1), kMonoT0 + 1s, kNoJitter);
    REQUIRE(back.state() == InstanceState::backoff);
    e = back.stop(kMonoT0 + 1s);
    CHECK(e.cancel_timer);
    CHECK(back.state() == InstanceState::stopped);
    CHECK(back.reason() == "stopped by request");
    CHECK_FALSE(back.timer_deadline());
    // A late timer does not resurrect it.
    CHECK_FALSE(back.timer_fired(kMonoT0 + 2s).spawn);
    CHECK(back.state() == InstanceState::stopped);
}

TEST_CASE("manual restart while running: stop, respawn on exit, counted apart") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    Usec now = kMonoT0;
    for (int i = 0; i < 3; ++i) {
        run(m, now);
        now = *m.exited(code(1), now + 1s, kNoJitter).timer_at;
        m.timer_fired(now);
    }
    run(m, now);
    REQUIRE(m.consecutive_crashes() == 3);
    Effects e = m.restart(now + 1s);
    CHECK(m.state() == InstanceState::stopping);
    REQUIRE(e.signal_main);
    CHECK(*e.signal_main == 15);
    CHECK(*e.timer_at == now + 31s);
    CHECK(m.consecutive_crashes() == 0);
    Effects x = m.exited(by_signal(15), now + 2s, kNoJitter);
    CHECK(x.spawn);
    CHECK(x.kill_group);
    CHECK(x.cancel_timer);
    CHECK(m.state() == InstanceState::starting);
    CHECK(m.manual_restarts() == 1);
    CHECK(m.restarts() == 3);
    // Crash history was cleared: the next crash gets the base delay.
    run(m, now + 2s);
    e = m.exited(code(1), now + 3s, kNoJitter);
    CHECK(*e.timer_at == now + 3s + 100ms);
}

TEST_CASE("manual restart from stopped or backoff spawns at once") {
    InstanceMachine m(settings_with(policy()));
    Effects e = m.restart(kMonoT0);
    CHECK(e.spawn);
    CHECK(m.manual_restarts() == 1);
    run(m, kMonoT0);
    m.exited(code(1), kMonoT0 + 1s, kNoJitter);
    REQUIRE(m.state() == InstanceState::backoff);
    e = m.restart(kMonoT0 + 1s);
    CHECK(e.spawn);
    CHECK(e.cancel_timer);
    CHECK_FALSE(m.timer_deadline());
    CHECK(m.manual_restarts() == 2);
    CHECK(m.restarts() == 1);
}

TEST_CASE("a manual start from backoff or exited clears the crash counters") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    Usec now = kMonoT0;
    for (int i = 0; i < 3; ++i) {
        run(m, now);
        now += 1s;
        m.exited(code(1), now, kNoJitter);
        if (i < 2) m.timer_fired(*m.timer_deadline());
    }
    REQUIRE(m.state() == InstanceState::backoff);
    REQUIRE(m.consecutive_crashes() == 3);
    Effects e = m.start(now);
    CHECK(e.spawn);
    CHECK(e.cancel_timer);
    CHECK(m.consecutive_crashes() == 0);
    CHECK_FALSE(m.timer_deadline());
    run(m, now);
    e = m.exited(code(1), now + 1s, kNoJitter);
    CHECK(*e.timer_at == now + 1s + 100ms);

    RestartPolicy p = policy();
    p.mode = RestartMode::never;
    InstanceMachine n(settings_with(p));
    n.start(kMonoT0);
    run(n, kMonoT0);
    n.exited(code(1), kMonoT0 + 1s, kNoJitter);
    REQUIRE(n.state() == InstanceState::exited);
    CHECK(n.start(kMonoT0 + 2s).spawn);
    CHECK(n.state() == InstanceState::starting);
}

TEST_CASE("start while stopping respawns after the exit; stop cancels that") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    run(m, kMonoT0);
    m.stop(kMonoT0);
    CHECK_FALSE(m.start(kMonoT0).spawn);
    CHECK(m.exited(code(0), kMonoT0 + 1s, kNoJitter).spawn);

    InstanceMachine n(settings_with(policy()));
    n.start(kMonoT0);
    run(n, kMonoT0);
    n.restart(kMonoT0);
    n.stop(kMonoT0);
    CHECK_FALSE(n.exited(code(0), kMonoT0 + 1s, kNoJitter).spawn);
    CHECK(n.state() == InstanceState::stopped);
}

TEST_CASE("exited always kills the group, whatever comes next") {
    RestartPolicy p = policy();
    for (RestartMode mode : {RestartMode::always, RestartMode::on_failure, RestartMode::never}) {
        p.mode = mode;
        for (int c : {0, 1}) {
            InstanceMachine m(settings_with(p));
            m.start(kMonoT0);
            run(m, kMonoT0);
            INFO("mode " << to_string(mode) << " code " << c);
            CHECK(m.exited(code(c), kMonoT0 + 1s, kNoJitter).kill_group);
        }
    }
    p = policy();
    p.crash_limit = 1;
    InstanceMachine cool(settings_with(p));
    cool.start(kMonoT0);
    run(cool, kMonoT0);
    CHECK(cool.exited(code(1), kMonoT0 + 1s, kNoJitter).kill_group);
    CHECK(cool.state() == InstanceState::cooldown);
    p.restart_delay = 0us;
    p.crash_limit = 5;
    InstanceMachine now(settings_with(p));
    now.start(kMonoT0);
    run(now, kMonoT0);
    CHECK(now.exited(code(1), kMonoT0 + 1s, kNoJitter).kill_group);
}

TEST_CASE("restart_delay 0 respawns immediately without a timer") {
    RestartPolicy p = policy();
    p.restart_delay = 0us;
    InstanceMachine m(settings_with(p));
    m.start(kMonoT0);
    run(m, kMonoT0);
    Effects e = m.exited(code(1), kMonoT0 + 1s, kNoJitter);
    CHECK(e.spawn);
    CHECK(e.kill_group);
    CHECK_FALSE(e.timer_at);
    CHECK_FALSE(m.timer_deadline());
    CHECK(m.state() == InstanceState::starting);
    CHECK(m.restarts() == 1);
}

TEST_CASE("state names") {
    CHECK(std::string(to_string(InstanceState::stopped)) == "stopped");
    CHECK(std::string(to_string(InstanceState::backoff)) == "backoff");
    CHECK(std::string(to_string(InstanceState::cooldown)) == "cooldown");
    CHECK(std::string(to_string(InstanceState::exited)) == "exited");
    CHECK(describe_exit(code(3)) == "exited with code 3");
    CHECK(describe_exit(by_signal(9)) == "killed by signal KILL");
}
