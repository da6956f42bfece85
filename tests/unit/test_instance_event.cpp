// Instance events (SPEC §5.8): levels, wording, the bounded per-instance history and its
// queries, the `tend events` request, and which instances make `tend status` exit 3.
#include <catch2/catch.hpp>

#include "queue/core/typed_request.hpp"
#include "supervisor/core/instance_event.hpp"
#include "supervisor/protocol/supervisor_requests.hpp"
#include "tests/unit/machine_fixtures.hpp"

using namespace tend;
using namespace tend::test;
using S = InstanceState;

namespace {

InstanceEvent event_of(const std::string& program, int instance, S from = S::running,
                       S to = S::backoff) {
    return instance_event(program, instance, 100, 1, from, to, "r", std::nullopt, 0);
}

}  // namespace

TEST_CASE("an unexpected exit, backoff and cooldown are warnings; the rest is info", "[events]") {
    auto e = instance_event("web", 2, 4121, 3, S::running, S::backoff,
                            "killed by signal KILL; restarting in 100ms", by_signal(9), 0);
    CHECK(e.warn);
    CHECK(log_line(e) ==
          "web:2 pid 4121 gen 3: running -> backoff: killed by signal KILL; restarting in 100ms");
    CHECK(marker_text(e) == "killed by signal KILL; restarting in 100ms");
    CHECK(exit_text(e.exit) == "KILL");

    CHECK(instance_event("web", 0, 1, 1, S::running, S::cooldown, "x", code(1), 0).warn);
    // Asked for: a stop, and the start after it.
    CHECK_FALSE(instance_event("web", 0, 1, 1, S::running, S::stopping, "stopping: sent TERM",
                               std::nullopt, 0)
                    .warn);
    CHECK_FALSE(
        instance_event("web", 0, 1, 1, S::stopping, S::stopped, "x", by_signal(15), 0).warn);
    CHECK_FALSE(
        instance_event("web", 0, 1, 1, S::stopping, S::starting, "x", by_signal(15), 0).warn);
    // restart = on-failure: exit 0 is the end the program chose; a failure under
    // restart = never is still a crash.
    CHECK_FALSE(instance_event("job", 0, 1, 1, S::running, S::exited, "x", code(0), 0).warn);
    CHECK(instance_event("job", 0, 1, 1, S::running, S::exited, "x", code(2), 0).warn);
    // restart = always restarts a clean exit too: nobody asked for it.
    CHECK(instance_event("web", 0, 1, 1, S::running, S::starting, "x", code(0), 0).warn);
}

TEST_CASE("markers say what happened in the program's own log", "[events]") {
    auto started =
        instance_event("web", 1, 4122, 3, S::backoff, S::starting, "started", std::nullopt, 0);
    CHECK(marker_text(started) == "started pid 4122 (generation 3)");
    CHECK(log_line(started) == "web:1 pid 4122 gen 3: backoff -> starting: started");
    // An exit followed by a start at once: the exit's event speaks of the exit.
    auto again = instance_event("web", 1, 4121, 3, S::running, S::starting,
                                "exited with code 1; restarting at once", code(1), 0);
    CHECK(marker_text(again) == "exited with code 1; restarting at once");
    CHECK(again.warn);
    auto gone = instance_event("web", 1, 0, 3, S::backoff, S::stopped, "stopped by request",
                               std::nullopt, 0);
    CHECK(log_line(gone) == "web:1 gen 3: backoff -> stopped: stopped by request");
    auto ro = rollout_event("web", 4, "paused", "rolling restart paused: web:1 ...", true, 0);
    CHECK(ro.warn);
    CHECK(log_line(ro) == "web gen 4: rollout -> paused: rolling restart paused: web:1 ...");
}

TEST_CASE("event JSON has the fields of tend events --json", "[events]") {
    auto e =
        instance_event("web", 2, 4121, 3, S::running, S::backoff, "r", code(3), 1764928048123456u);
    auto j = event_json(e);
    CHECK(j["time"] == "2025-12-05T09:47:28.123456Z");
    CHECK(j["program"] == "web");
    CHECK(j["instance"] == 2);
    CHECK(j["pid"] == 4121);
    CHECK(j["generation"] == 3);
    CHECK(j["from"] == "running");
    CHECK(j["to"] == "backoff");
    CHECK(j["exit"]["code"] == 3);
    CHECK(j["level"] == "warn");
    auto ro = event_json(rollout_event("web", 4, "complete", "m", false, 0));
    CHECK(ro["instance"].is_null());
    CHECK(ro["pid"].is_null());
    CHECK(ro["exit"].is_null());
}

TEST_CASE("each instance keeps its last 100 events; others are not pushed out", "[events]") {
    EventLog log;
    log.record(event_of("db", 0));
    for (int i = 0; i < 250; ++i) log.record(event_of("web", 0));
    auto all = log.query({}, 0, 100000, true).events;
    REQUIRE(all.size() == 101);
    CHECK(all.front().program == "db");
    CHECK(all.front().seq == 1);
    CHECK(all[1].seq == 152);  // web's oldest kept (web has 2..251)
    CHECK(all.back().seq == 251);
    CHECK(log.last_seq() == 251);
    CHECK(log.counts().at({"web", "backoff"}) == 250);
}

TEST_CASE("queries: a tail of the newest, or a follower's oldest after a sequence number",
          "[events]") {
    EventLog log;
    for (int i = 0; i < 10; ++i) log.record(event_of(i % 2 ? "web" : "db", i % 3));
    // seq 1..10: db (1,3,5,7,9) and web (2,4,6,8,10); instance = (seq - 1) % 3.
    auto tail = log.query({"web", std::nullopt}, 0, 3, true);
    REQUIRE(tail.events.size() == 3);
    CHECK(tail.events[0].seq == 6);
    CHECK(tail.events[2].seq == 10);
    CHECK(tail.next_after == 10);

    auto one = log.query({"web", 1}, 0, 100, true).events;  // seq 2 and 8
    REQUIRE(one.size() == 2);
    CHECK(one[0].seq == 2);
    CHECK(one[1].seq == 8);

    auto follow = log.query({}, 4, 3, false);
    REQUIRE(follow.events.size() == 3);
    CHECK(follow.events[0].seq == 5);
    CHECK(follow.next_after == 7);  // 8..10 are still to read
    auto rest = log.query({}, follow.next_after, 3, false);
    REQUIRE(rest.events.size() == 3);
    CHECK(rest.events[0].seq == 8);
    CHECK(rest.next_after == 10);
    auto none = log.query({}, 10, 3, false);
    CHECK(none.events.empty());
    CHECK(none.next_after == 10);

    log.forget("db");
    CHECK(log.query({}, 0, 100, true).events.size() == 5);
}

TEST_CASE("tend status exits 3 for backoff, cooldown, failed exits, unasked stops", "[events]") {
    CHECK(instance_down(S::backoff, true, true, false));
    CHECK(instance_down(S::cooldown, true, false, false));
    CHECK(instance_down(S::exited, true, true, false));         // a failure, a signal, forked
    CHECK_FALSE(instance_down(S::exited, false, true, false));  // clean by success_exit_codes
    CHECK_FALSE(instance_down(S::exited, true, true, true));    // acknowledged by tend stop
    CHECK(instance_down(S::stopped, false, true, false));
    CHECK_FALSE(instance_down(S::stopped, true, true, true));     // tend stop
    CHECK_FALSE(instance_down(S::stopped, false, false, false));  // autostart = false
    for (S s : {S::starting, S::running, S::stopping})
        CHECK_FALSE(instance_down(s, false, true, false));
}

TEST_CASE("the machine remembers a requested stop until the next start", "[events]") {
    InstanceMachine m(settings_with(policy()));
    m.start(kMonoT0);
    run(m, kMonoT0);
    CHECK_FALSE(m.stop_requested());
    m.stop(kMonoT0 + 1s);
    m.exited(by_signal(15), kMonoT0 + 2s, kNoJitter);
    CHECK(m.stop_requested());
    m.start(kMonoT0 + 3s);
    CHECK_FALSE(m.stop_requested());
    run(m, kMonoT0 + 3s, 101);
    m.restart(kMonoT0 + 4s);
    CHECK_FALSE(m.stop_requested());
}

TEST_CASE("the events request decodes PROGRAM[:N], limit, after and wait", "[events]") {
    auto decode = [](const std::string& line) { return jobs::decode_request_typed(line); };
    auto r = decode(
        R"({"v":1,"cmd":"events","args":{"target":"web:2","limit":5,"after":9,"wait":true}})");
    REQUIRE(r.ok());
    const auto& a = std::get<protocol::EventsArgs>(std::get<protocol::SupervisorArgs>(r->args));
    CHECK(a.program == "web");
    CHECK(a.instance == 2);
    CHECK(a.limit == 5);
    CHECK(a.after == 9u);
    CHECK(a.wait);
    for (const char* bad : {R"({"v":1,"cmd":"events","args":{"target":"web:x"}})",
                            R"({"v":1,"cmd":"events","args":{"target":":1"}})",
                            R"({"v":1,"cmd":"events","args":{"wait":true}})",
                            R"({"v":1,"cmd":"events","args":{"limit":0}})",
                            R"({"v":1,"cmd":"events","args":{"after":-1}})"}) {
        INFO(bad);
        CHECK_FALSE(decode(bad).ok());
    }
}
