// Program restarts by cause and exits by how, counted from instance events (metrics).
#include <catch2/catch.hpp>

#include "supervisor/core/program_counters.hpp"

using namespace tend;

namespace {
InstanceEvent counter_ev(const std::string& from, const std::string& to,
                         std::optional<ExitInfo> exit) {
    InstanceEvent e;
    e.program = "web";
    e.instance = 0;
    e.from = from;
    e.to = to;
    e.exit = std::move(exit);
    return e;
}
std::uint64_t restarts(const ProgramCounters& c, RestartReason r) {
    return c.counts().at("web").restarts[static_cast<std::size_t>(r)];
}
std::uint64_t exits(const ProgramCounters& c, ExitHow h) {
    return c.counts().at("web").exits[static_cast<std::size_t>(h)];
}
}  // namespace

TEST_CASE("restarts by cause, exits by how", "[metrics]") {
    ProgramCounters c;
    c.on_event(counter_ev("stopped", "starting", std::nullopt));  // a first start: no restart
    c.on_event(counter_ev("starting", "running", std::nullopt));
    CHECK(restarts(c, RestartReason::crash) == 0);
    c.on_event(counter_ev("running", "backoff", ExitInfo{false, 3, ""}));
    c.on_event(counter_ev("backoff", "starting", std::nullopt));
    c.on_event(counter_ev("running", "starting", ExitInfo{true, 9, ""}));  // restart_delay = 0
    CHECK(restarts(c, RestartReason::crash) == 2);
    c.on_event(counter_ev("stopping", "starting", ExitInfo{true, 15, ""}));  // tend restart
    CHECK(restarts(c, RestartReason::manual) == 1);
    c.on_event(counter_ev("running", "exited", ExitInfo{false, 0, ""}));
    c.on_event(counter_ev("starting", "exited", ExitInfo{false, 127, "No such file or directory"}));
    CHECK(exits(c, ExitHow::code_nonzero) == 1);
    CHECK(exits(c, ExitHow::signal) == 2);
    CHECK(exits(c, ExitHow::code_zero) == 1);
    CHECK(exits(c, ExitHow::exec_failed) == 1);
    c.rollout_start("web", false);
    c.rollout_start("web", true);
    CHECK(restarts(c, RestartReason::rollout) == 1);
    CHECK(restarts(c, RestartReason::reload) == 1);
    InstanceEvent rollout = counter_ev("rollout", "started", std::nullopt);
    rollout.instance = kProgramEvent;
    c.on_event(rollout);
    CHECK(restarts(c, RestartReason::crash) == 2);
}
