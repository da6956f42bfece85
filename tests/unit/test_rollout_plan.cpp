// plan_rollout: rolling restarts respect max_unavailable / max_surge and always finish (SPEC §5.5).
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "supervisor/core/rollout_plan.hpp"

using namespace tend;

namespace {

// A simulated program: per slot, one old and at most one new process, each with its own
// life stages. Events (a start finishing, a stop finishing) are delivered in random order.
struct Sim {
    enum class Proc { none, starting, probation, ready, stopping };
    struct Slot {
        Proc old_proc = Proc::ready;
        Proc new_proc = Proc::none;
    };
    std::vector<Slot> slots;
    int target;
    RolloutPolicy policy;
    int min_ready_seen = 1 << 30;
    int max_procs_seen = 0;
    bool probation = false;  // a new process passes probation (min_ready) after it is ready

    Sim(int old_count, int target_count, RolloutPolicy p)
        : slots(size_t(std::max(old_count, target_count))), target(target_count), policy(p) {
        for (int i = old_count; i < int(slots.size()); ++i) slots[size_t(i)].old_proc = Proc::none;
    }

    std::vector<SlotView> view() const {
        std::vector<SlotView> v;
        for (size_t i = 0; i < slots.size(); ++i) {
            const Slot& s = slots[i];
            SlotView sv;
            sv.beyond_target = int(i) >= target;
            sv.others_alive = s.old_proc != Proc::none ? 1 : 0;
            sv.others_ready = s.old_proc == Proc::ready ? 1 : 0;
            sv.others_stoppable = s.old_proc == Proc::ready || s.old_proc == Proc::starting ? 1 : 0;
            sv.target = s.new_proc == Proc::none        ? TargetState::none
                        : s.new_proc == Proc::starting  ? TargetState::starting
                        : s.new_proc == Proc::probation ? TargetState::probation
                                                        : TargetState::ready;
            v.push_back(sv);
        }
        return v;
    }
    void measure() {
        int ready = 0, procs = 0;
        for (const auto& s : slots) {
            ready += (s.old_proc == Proc::ready) + (s.new_proc == Proc::ready);
            procs += (s.old_proc != Proc::none) + (s.new_proc != Proc::none);
        }
        min_ready_seen = std::min(min_ready_seen, ready);
        max_procs_seen = std::max(max_procs_seen, procs);
    }
    // Applies one plan; returns whether the rollout is complete.
    bool step() {
        RolloutStep st = plan_rollout(view(), target, policy);
        REQUIRE_FALSE(st.failed_slot);
        for (int i : st.stop_others) {
            REQUIRE(slots[size_t(i)].old_proc != Proc::none);
            slots[size_t(i)].old_proc = Proc::stopping;
        }
        for (int i : st.start_target) {
            REQUIRE(slots[size_t(i)].new_proc == Proc::none);
            slots[size_t(i)].new_proc = Proc::starting;
        }
        measure();
        return st.complete;
    }
    // One pending event, chosen by rng: a stop or a start finishes. False when none is pending.
    bool deliver(std::mt19937& rng) {
        std::vector<std::pair<size_t, bool>> pending;  // slot, is_old
        for (size_t i = 0; i < slots.size(); ++i) {
            if (slots[i].old_proc == Proc::stopping) pending.emplace_back(i, true);
            if (slots[i].new_proc == Proc::starting || slots[i].new_proc == Proc::probation)
                pending.emplace_back(i, false);
        }
        if (pending.empty()) return false;
        auto [i, is_old] =
            pending[std::uniform_int_distribution<size_t>(0, pending.size() - 1)(rng)];
        if (is_old)
            slots[i].old_proc = Proc::none;
        else if (probation && slots[i].new_proc == Proc::starting)
            slots[i].new_proc = Proc::probation;
        else
            slots[i].new_proc = Proc::ready;
        return true;
    }
    // Runs to completion; returns the number of plan steps taken.
    int run(std::mt19937& rng) {
        measure();
        for (int n = 0; n < 1000; ++n) {
            if (step()) return n;
            if (!deliver(rng)) FAIL("the rollout is stuck with nothing pending");
        }
        FAIL("the rollout did not finish in 1000 steps");
        return -1;
    }
};

}  // namespace

TEST_CASE("rolling restarts stay within max_unavailable and max_surge and finish", "[rollout]") {
    struct Case {
        int old_count, target, unavailable, surge;
    } cases[] = {{4, 4, 1, 0}, {4, 4, 0, 1}, {4, 4, 1, 1}, {4, 4, 2, 0}, {4, 4, 0, 4},
                 {4, 4, 4, 0}, {1, 1, 1, 0}, {1, 1, 0, 1}, {3, 3, 9, 0}, {4, 2, 1, 0},
                 {2, 4, 1, 0}, {2, 4, 0, 1}, {5, 5, 2, 3}};
    for (const Case& c : cases) {
        for (unsigned seed = 1; seed <= 50; ++seed) {
            CAPTURE(c.old_count, c.target, c.unavailable, c.surge, seed);
            std::mt19937 rng(seed);
            Sim sim(c.old_count, c.target, {c.unavailable, c.surge});
            sim.run(rng);
            const int floor = std::max(0, std::min(c.old_count, c.target) - c.unavailable);
            CHECK(sim.min_ready_seen >= floor);
            CHECK(sim.max_procs_seen <= std::max(c.old_count, c.target + c.surge));
            for (const auto& s : sim.slots) CHECK(s.old_proc == Sim::Proc::none);
            for (int i = 0; i < c.target; ++i)
                CHECK(sim.slots[size_t(i)].new_proc == Sim::Proc::ready);
        }
    }
}

TEST_CASE("an instance in probation counts as a process, never as available", "[rollout]") {
    struct Case {
        int old_count, target, unavailable, surge;
    } cases[] = {{4, 4, 1, 0}, {4, 4, 0, 1}, {1, 1, 0, 1},
                 {1, 1, 1, 0}, {5, 5, 2, 3}, {2, 4, 0, 1}};
    for (const Case& c : cases) {
        for (unsigned seed = 1; seed <= 50; ++seed) {
            CAPTURE(c.old_count, c.target, c.unavailable, c.surge, seed);
            std::mt19937 rng(seed);
            Sim sim(c.old_count, c.target, {c.unavailable, c.surge});
            sim.probation = true;
            sim.run(rng);
            // min_ready_seen counts only old ready and new past probation.
            CHECK(sim.min_ready_seen >=
                  std::max(0, std::min(c.old_count, c.target) - c.unavailable));
            CHECK(sim.max_procs_seen <= std::max(c.old_count, c.target + c.surge));
            for (int i = 0; i < c.target; ++i)
                CHECK(sim.slots[size_t(i)].new_proc == Sim::Proc::ready);
        }
    }
}

TEST_CASE(
    "probation: the old instance stays until the new one passed, then the rollout "
    "completes",
    "[rollout]") {
    std::vector<SlotView> slots(1);
    slots[0].others_alive = slots[0].others_ready = slots[0].others_stoppable = 1;
    slots[0].target = TargetState::probation;
    RolloutStep st = plan_rollout(slots, 1, {0, 1});
    CHECK(st.stop_others.empty());
    CHECK(st.start_target.empty());
    CHECK_FALSE(st.complete);
    // Even with max_unavailable 1, a new instance in probation does not retire its old one
    // (it is not available yet); nor is a rollout whose last instance is in probation done.
    st = plan_rollout(slots, 1, {1, 0});
    CHECK(st.stop_others.empty());
    slots[0].others_alive = slots[0].others_ready = slots[0].others_stoppable = 0;
    st = plan_rollout(slots, 1, {1, 0});
    CHECK_FALSE(st.complete);
    slots[0].target = TargetState::ready;
    CHECK(plan_rollout(slots, 1, {1, 0}).complete);
}

TEST_CASE("probation: a new instance that dies in probation fails the rollout", "[rollout]") {
    std::vector<SlotView> slots(2);
    for (auto& s : slots) s.others_alive = s.others_ready = s.others_stoppable = 1;
    slots[0].target = TargetState::failed;  // what the shell reports for an exit in probation
    RolloutStep st = plan_rollout(slots, 2, {0, 1, std::chrono::seconds(5)});
    REQUIRE(st.failed_slot);
    CHECK(*st.failed_slot == 0);
    CHECK(st.stop_others.empty());
}

TEST_CASE("probation_end: ready since T passes probation at T + min_ready", "[rollout]") {
    using std::chrono::milliseconds;
    using std::chrono::seconds;
    const Usec t{seconds(100)};
    REQUIRE(probation_end(t, seconds(5), t));
    CHECK(*probation_end(t, seconds(5), t) == t + seconds(5));
    CHECK(*probation_end(t, seconds(5), t + milliseconds(4999)) == t + seconds(5));
    CHECK_FALSE(probation_end(t, seconds(5), t + seconds(5)));
    CHECK_FALSE(probation_end(t, seconds(5), t + seconds(60)));
    CHECK_FALSE(probation_end(t, Usec{0}, t));  // min_ready 0s: ready is available at once
}

TEST_CASE("describe_probation_failure says who, how, after how long, and the bound", "[rollout]") {
    CHECK(describe_probation_failure("web:0", 3, "exited with code 3",
                                     std::chrono::milliseconds(1234), std::chrono::seconds(5)) ==
          "web:0 of generation 3 exited with code 3 after 1.2s ready (min_ready 5s)");
}

TEST_CASE("max_surge 0: an old instance stops before its replacement starts", "[rollout]") {
    std::vector<SlotView> slots(2);
    for (auto& s : slots) s.others_alive = s.others_ready = s.others_stoppable = 1;
    RolloutStep st = plan_rollout(slots, 2, {1, 0});
    CHECK(st.start_target.empty());
    CHECK(st.stop_others == std::vector<int>{0});
    // Slot 0's old process is stopping: nothing else may happen until it is gone.
    slots[0].others_ready = slots[0].others_stoppable = 0;
    st = plan_rollout(slots, 2, {1, 0});
    CHECK(st.start_target.empty());
    CHECK(st.stop_others.empty());
    slots[0].others_alive = 0;
    st = plan_rollout(slots, 2, {1, 0});
    CHECK(st.start_target == std::vector<int>{0});
}

TEST_CASE("max_unavailable 0: an old instance stops only after its replacement is ready",
          "[rollout]") {
    std::vector<SlotView> slots(2);
    for (auto& s : slots) s.others_alive = s.others_ready = s.others_stoppable = 1;
    RolloutStep st = plan_rollout(slots, 2, {0, 1});
    CHECK(st.start_target == std::vector<int>{0});
    CHECK(st.stop_others.empty());
    slots[0].target = TargetState::starting;
    st = plan_rollout(slots, 2, {0, 1});
    CHECK(st.start_target.empty());
    CHECK(st.stop_others.empty());
    slots[0].target = TargetState::ready;
    st = plan_rollout(slots, 2, {0, 1});
    CHECK(st.stop_others == std::vector<int>{0});
}

TEST_CASE("a failed replacement stops the rollout and names its slot", "[rollout]") {
    std::vector<SlotView> slots(3);
    for (auto& s : slots) s.others_alive = s.others_ready = s.others_stoppable = 1;
    slots[1].target = TargetState::failed;
    RolloutStep st = plan_rollout(slots, 3, {1, 1});
    REQUIRE(st.failed_slot);
    CHECK(*st.failed_slot == 1);
    CHECK(st.start_target.empty());
    CHECK(st.stop_others.empty());
    CHECK_FALSE(st.complete);
}

TEST_CASE("an old instance in backoff is stopped at once and does not count as ready",
          "[rollout]") {
    std::vector<SlotView> slots(2);
    for (auto& s : slots) s.others_alive = s.others_ready = s.others_stoppable = 1;
    slots[1] = SlotView{};
    slots[1].others_stoppable = 1;  // backoff: no process, would restart by itself
    RolloutStep st = plan_rollout(slots, 2, {1, 0});
    CHECK(std::count(st.stop_others.begin(), st.stop_others.end(), 1) == 1);
    CHECK(std::count(st.start_target.begin(), st.start_target.end(), 1) == 1);
}

TEST_CASE("an idle target (stopped earlier) is started, not created twice", "[rollout]") {
    std::vector<SlotView> slots(1);
    slots[0].target = TargetState::idle;
    RolloutStep st = plan_rollout(slots, 1, {1, 0});
    CHECK(st.start_target == std::vector<int>{0});
    slots[0].target = TargetState::ready;
    st = plan_rollout(slots, 1, {1, 0});
    CHECK(st.complete);
}

TEST_CASE("a policy that can never replace anything is refused", "[rollout]") {
    CHECK(check_rollout_policy({0, 0}));
    CHECK(check_rollout_policy({-1, 1}));
    CHECK(check_rollout_policy({1, -1}));
    CHECK_FALSE(check_rollout_policy({1, 0}));
    CHECK_FALSE(check_rollout_policy({0, 1}));
}
