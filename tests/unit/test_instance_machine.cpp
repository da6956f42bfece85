// InstanceMachine life cycle (SPEC §5.1-§5.4) with injected time and jitter, no processes.
#include <catch2/catch.hpp>

#include "supervisor/config/value_parsers.hpp"
#include "supervisor/core/instance_machine.hpp"
#include "tests/unit/machine_fixtures.hpp"

using namespace tend;
using namespace tend::test;
using namespace std::chrono_literals;

TEST_CASE("start, spawned and exec_succeeded lead to running") {
    InstanceMachine m(settings_with(policy()));
    CHECK(m.state() == InstanceState::stopped);
    CHECK_FALSE(m.has_process());
    Effects e = m.start(kMonoT0);
    CHECK(e.spawn);
    CHECK_FALSE(e.timer_at);
    CHECK_FALSE(e.signal_main);
    CHECK(m.state() == InstanceState::starting);
    CHECK_FALSE(m.ready());
    m.spawned(4242, kMonoT0);
    CHECK(m.pid() == 4242);
    CHECK(m.has_process());
    CHECK(m.started_at() == kMonoT0);
    CHECK(m.state() == InstanceState::starting);
    m.exec_succeeded(kMonoT0 + 1ms);
    CHECK(m.state() == InstanceState::running);
    CHECK(m.ready());
    CHECK(m.reason() == "running");
    // A second start while running does nothing.
    Effects again = m.start(kMonoT0 + 2ms);
    CHECK_FALSE(again.spawn);
    CHECK(m.state() == InstanceState::running);
}

TEST_CASE("an unexpected exit goes to backoff with the base delay, the timer respawns") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    run(m, kMonoT0);
    Effects e = m.exited(code(3), kMonoT0 + 1s, kNoJitter);
    CHECK(m.state() == InstanceState::backoff);
    CHECK(e.kill_group);
    CHECK_FALSE(e.spawn);
    REQUIRE(e.timer_at);
    CHECK(*e.timer_at == kMonoT0 + 1s + 100ms);
    REQUIRE(m.timer_deadline());
    CHECK(*m.timer_deadline() == kMonoT0 + 1s + 100ms);
    CHECK(m.pid() == 0);
    CHECK(m.restarts() == 1);
    CHECK(m.consecutive_crashes() == 1);
    REQUIRE(m.last_exit());
    CHECK(m.last_exit()->value == 3);
    CHECK(m.reason().find("exited with code 3") != std::string::npos);
    CHECK(m.reason().find("restarting in 100ms") != std::string::npos);

    Effects t = m.timer_fired(kMonoT0 + 1s + 100ms);
    CHECK(t.spawn);
    CHECK(m.state() == InstanceState::starting);
    CHECK_FALSE(m.timer_deadline());
}

TEST_CASE("a crash by signal is described with the signal name") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    run(m, kMonoT0);
    m.exited(by_signal(11), kMonoT0 + 1s, kNoJitter);
    CHECK(m.state() == InstanceState::backoff);
    CHECK(m.reason().find("killed by signal SEGV") != std::string::npos);
}

TEST_CASE("consecutive crashes double the delay up to restart_delay_max") {
    RestartPolicy p = policy();
    p.restart_delay = 1s;
    p.restart_delay_max = 10s;
    InstanceMachine m(settings_with(p));
    m.start(kMonoT0);
    Usec now = kMonoT0;
    const Usec expected[] = {1s, 2s, 4s, 8s, 10s, 10s, 10s};
    for (Usec want : expected) {
        run(m, now);
        now += 1s;
        Effects e = m.exited(code(1), now, kNoJitter);
        REQUIRE(e.timer_at);
        CHECK(*e.timer_at - now == want);
        now = *e.timer_at;
        REQUIRE(m.timer_fired(now).spawn);
    }
    CHECK(m.consecutive_crashes() == 7);
    CHECK(m.restarts() == 7);
}

TEST_CASE("jitter scales the delay between 0.8 and 1.2") {
    InstanceMachine low(settings_with(policy()));
    low.start(kMonoT0);
    run(low, kMonoT0);
    CHECK(*low.exited(code(1), kMonoT0 + 1s, 0.0).timer_at == kMonoT0 + 1s + 80ms);
    InstanceMachine high(settings_with(policy()));
    high.start(kMonoT0);
    run(high, kMonoT0);
    CHECK(*high.exited(code(1), kMonoT0 + 1s, 1.0).timer_at == kMonoT0 + 1s + 120ms);
}

TEST_CASE("healthy_after of uptime resets the streak to the base delay") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    Usec now = kMonoT0;
    for (int i = 0; i < 4; ++i) {
        run(m, now);
        now += 1s;
        now = *m.exited(code(1), now, kNoJitter).timer_at;
        m.timer_fired(now);
    }
    CHECK(m.consecutive_crashes() == 4);
    run(m, now);
    // Just below healthy_after: still the streak (fifth crash: 1.6s).
    Effects e = m.exited(code(1), now + 60s - 1us, kNoJitter);
    CHECK(*e.timer_at - (now + 60s - 1us) == 1600ms);
    now = *e.timer_at;
    m.timer_fired(now);
    run(m, now);
    // Exactly healthy_after of uptime: a new streak with the base delay.
    e = m.exited(code(1), now + 60s, kNoJitter);
    REQUIRE(e.timer_at);
    CHECK(*e.timer_at - (now + 60s) == 100ms);
    CHECK(m.consecutive_crashes() == 1);
}

TEST_CASE("crash_limit crashes within crash_window lead to cooldown, then a retry") {
    RestartPolicy p = policy();
    p.crash_limit = 3;
    p.crash_window = 60s;
    p.cooldown = 5min;
    InstanceMachine m(settings_with(p));
    m.start(kMonoT0);
    Usec now = kMonoT0;
    for (int i = 0; i < 2; ++i) {
        run(m, now);
        now += 1s;
        Effects e = m.exited(code(1), now, kNoJitter);
        CHECK(m.state() == InstanceState::backoff);
        now = *e.timer_at;
        m.timer_fired(now);
    }
    run(m, now);
    now += 1s;
    Effects e = m.exited(code(1), now, kNoJitter);
    CHECK(m.state() == InstanceState::cooldown);
    CHECK(e.kill_group);
    CHECK_FALSE(e.spawn);
    REQUIRE(e.timer_at);
    CHECK(*e.timer_at == now + 5min);
    CHECK(*m.timer_deadline() == now + 5min);
    CHECK(m.reason().find("crash limit reached (3 within 1m)") != std::string::npos);
    CHECK(m.reason().find("retrying in 5m") != std::string::npos);
    CHECK(m.restarts() == 2);

    Effects t = m.timer_fired(now + 5min);
    CHECK(t.spawn);
    CHECK(m.state() == InstanceState::starting);
    CHECK(m.restarts() == 3);
    // Tried again with a fresh count: the next crash is an ordinary backoff.
    now += 5min;
    run(m, now);
    e = m.exited(code(1), now + 1s, kNoJitter);
    CHECK(m.state() == InstanceState::backoff);
    CHECK(*e.timer_at == now + 1s + 100ms);
}

TEST_CASE("crashes spread wider than crash_window never reach cooldown") {
    RestartPolicy p = policy();
    p.crash_limit = 3;
    p.crash_window = 60s;
    p.healthy_after = 1h;
    InstanceMachine m(settings_with(p));
    m.start(kMonoT0);
    Usec now = kMonoT0;
    for (int i = 0; i < 10; ++i) {
        run(m, now);
        now += 31s;  // two crashes fit in 60s, a third never does
        Effects e = m.exited(code(1), now, kNoJitter);
        INFO("crash " << i);
        REQUIRE(m.state() == InstanceState::backoff);
        now = *e.timer_at;
        m.timer_fired(now);
    }
    CHECK(m.restarts() == 10);
}

TEST_CASE("a healthy run clears the crash count as well as the delay streak") {
    // SPEC §3: healthy_after "resets the crash count and the delay", even when
    // healthy_after is shorter than crash_window.
    RestartPolicy p = policy();
    p.crash_limit = 3;
    p.crash_window = 5min;
    p.healthy_after = 10s;
    InstanceMachine m(settings_with(p));
    m.start(kMonoT0);
    Usec now = kMonoT0;
    for (int i = 0; i < 2; ++i) {
        run(m, now);
        now = *m.exited(code(1), now + 1s, kNoJitter).timer_at;
        m.timer_fired(now);
    }
    run(m, now);
    Effects e = m.exited(code(1), now + 20s, kNoJitter);
    CHECK(m.state() == InstanceState::backoff);
    CHECK(m.consecutive_crashes() == 1);
    REQUIRE(e.timer_at);
    CHECK(*e.timer_at == now + 20s + p.restart_delay);
}

TEST_CASE("restart = never: any exit ends in exited") {
    RestartPolicy p = policy();
    p.mode = RestartMode::never;
    InstanceMachine m(settings_with(p));
    m.start(kMonoT0);
    run(m, kMonoT0);
    Effects e = m.exited(code(1), kMonoT0 + 1s, kNoJitter);
    CHECK(m.state() == InstanceState::exited);
    CHECK(e.kill_group);
    CHECK_FALSE(e.spawn);
    CHECK_FALSE(e.timer_at);
    CHECK(m.reason() == "exited with code 1 (restart = never)");
    CHECK(m.restarts() == 0);
}

TEST_CASE("restart = on-failure: exit 0 ends, exit 1 restarts") {
    RestartPolicy p = policy();
    p.mode = RestartMode::on_failure;
    InstanceMachine ok(settings_with(p));
    ok.start(kMonoT0);
    run(ok, kMonoT0);
    Effects e = ok.exited(code(0), kMonoT0 + 1s, kNoJitter);
    CHECK(ok.state() == InstanceState::exited);
    CHECK(e.kill_group);
    CHECK_FALSE(e.timer_at);
    CHECK(ok.reason() == "exited with code 0 (restart = on-failure)");

    InstanceMachine bad(settings_with(p));
    bad.start(kMonoT0);
    run(bad, kMonoT0);
    e = bad.exited(code(1), kMonoT0 + 1s, kNoJitter);
    CHECK(bad.state() == InstanceState::backoff);
    CHECK(*e.timer_at == kMonoT0 + 1s + 100ms);

    InstanceMachine sig(settings_with(p));
    sig.start(kMonoT0);
    run(sig, kMonoT0);
    sig.exited(by_signal(9), kMonoT0 + 1s, kNoJitter);
    CHECK(sig.state() == InstanceState::backoff);
}

TEST_CASE("an exec failure counts as a crash and names the errno text") {
    RestartPolicy p = policy();
    p.mode = RestartMode::on_failure;
    InstanceMachine m(settings_with(p));
    m.start(kMonoT0);
    m.spawned(77, kMonoT0);  // exec never succeeds
    ExitInfo info;
    info.value = 127;
    info.exec_error = "No such file or directory";
    Effects e = m.exited(info, kMonoT0 + 1ms, kNoJitter);
    CHECK(m.state() == InstanceState::backoff);
    CHECK(e.kill_group);
    CHECK(*e.timer_at == kMonoT0 + 1ms + 100ms);
    CHECK(m.consecutive_crashes() == 1);
    CHECK(m.reason().find("cannot execute: No such file or directory") != std::string::npos);
    CHECK(describe_exit(info) == "cannot execute: No such file or directory");
}

TEST_CASE("spawn_failed counts as a crash; restart = never ends in exited") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    Effects e = m.spawn_failed("Resource temporarily unavailable", kMonoT0, kNoJitter);
    CHECK(m.state() == InstanceState::backoff);
    CHECK(*e.timer_at == kMonoT0 + 100ms);
    CHECK(m.pid() == 0);
    CHECK(m.reason().find("cannot execute: Resource temporarily unavailable") != std::string::npos);

    RestartPolicy p = policy();
    p.mode = RestartMode::never;
    InstanceMachine n(settings_with(p));
    n.start(kMonoT0);
    e = n.spawn_failed("Permission denied", kMonoT0, kNoJitter);
    CHECK(n.state() == InstanceState::exited);
    CHECK_FALSE(e.timer_at);
    CHECK_FALSE(e.spawn);
}

TEST_CASE("repeated spawn failures double the delay like other consecutive crashes") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    Usec now = kMonoT0;
    for (Usec want : {100ms, 200ms, 400ms, 800ms}) {
        Effects e = m.spawn_failed("Cannot allocate memory", now, kNoJitter);
        REQUIRE(e.timer_at);
        CHECK(*e.timer_at - now == want);
        now = *e.timer_at;
        REQUIRE(m.timer_fired(now).spawn);
    }
    CHECK(m.consecutive_crashes() == 4);
}
