// The checked sd-event wrappers: a failed call becomes an error naming what stopped working.
#include <catch2/catch.hpp>

#include <sys/epoll.h>
#include <cerrno>
#include <cstdint>
#include <ctime>

#include "supervisor/daemon/event_loop.hpp"

using namespace tend;

namespace {

EventLoop new_loop() {
    sd_event* e = nullptr;
    REQUIRE(sd_event_new(&e) >= 0);
    return EventLoop(e);
}

int on_io(sd_event_source*, int, uint32_t, void*) {
    return 0;
}
int on_time(sd_event_source*, uint64_t, void*) {
    return 0;
}
int on_defer(sd_event_source*, void*) {
    return 0;
}

}  // namespace

TEST_CASE("a failed add names what it was for and why it failed") {
    auto loop = new_loop();
    auto s = ev::add_io(loop.get(), -1, EPOLLIN, &on_io, nullptr, "watch the control socket");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error() == "cannot watch the control socket: Bad file descriptor");
    CHECK(ev::failure("end the event loop", -ESTALE).message ==
          "cannot end the event loop: Stale file handle");
}

TEST_CASE("an added source is owned, and its settings are checked") {
    auto loop = new_loop();
    auto d = ev::add_defer(loop.get(), &on_defer, nullptr, "schedule a pass");
    REQUIRE(d.ok());
    REQUIRE(d->get() != nullptr);
    CHECK(ev::set_priority(d->get(), SD_EVENT_PRIORITY_IDLE, "order it").ok());
    CHECK(ev::set_enabled(d->get(), SD_EVENT_OFF, "pause it").ok());
    CHECK_FALSE(ev::set_enabled(nullptr, SD_EVENT_ON, "enable nothing").ok());
    CHECK_FALSE(ev::set_io_events(d->get(), EPOLLIN, "a defer source has no fd").ok());
}

TEST_CASE("a timer is rearmed at an absolute time, or after a delay") {
    auto loop = new_loop();
    auto t = ev::add_time(loop.get(), CLOCK_MONOTONIC, 1, 1000, &on_time, nullptr, "arm a timer");
    REQUIRE(t.ok());
    REQUIRE(ev::rearm_at(t->get(), 123456789, "rearm it").ok());
    uint64_t at = 0;
    REQUIRE(sd_event_source_get_time(t->get(), &at) >= 0);
    CHECK(at == 123456789);
    int enabled = 0;
    REQUIRE(sd_event_source_get_enabled(t->get(), &enabled) >= 0);
    CHECK(enabled == SD_EVENT_ONESHOT);
    const uint64_t before = ev::now(loop.get(), CLOCK_MONOTONIC);
    REQUIRE(ev::rearm_after(t->get(), 60000000, "rearm it later").ok());
    REQUIRE(sd_event_source_get_time(t->get(), &at) >= 0);
    CHECK(at >= before + 60000000);
    auto r = ev::add_time_relative(loop.get(), CLOCK_REALTIME, 1000, 1000, &on_time, nullptr,
                                   "arm a relative timer");
    CHECK(r.ok());
}

TEST_CASE("now() answers for any clock, from the clock when the loop cannot") {
    auto loop = new_loop();
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    const uint64_t mono = static_cast<uint64_t>(ts.tv_sec) * 1000000u;
    CHECK(ev::now(loop.get(), CLOCK_MONOTONIC) >= mono);
    CHECK(loop_now(loop.get()).count() >= static_cast<std::int64_t>(mono));
    // sd_event_now refuses a CPU-time clock: the clock itself answers.
    CHECK(ev::now(loop.get(), CLOCK_PROCESS_CPUTIME_ID) > 0);
}
