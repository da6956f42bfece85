// Rolling-restart arithmetic: which old instances may stop and which new ones may start.
#include "supervisor/core/rollout_plan.hpp"

#include <algorithm>
#include <cstdio>

namespace tend {

std::optional<std::string> check_rollout_policy(const RolloutPolicy& p) {
    if (p.max_unavailable < 0) return "max_unavailable must not be negative";
    if (p.max_surge < 0) return "max_surge must not be negative";
    if (p.max_unavailable == 0 && p.max_surge == 0)
        return "max_unavailable and max_surge are both 0: a rolling restart could never "
               "replace an instance";
    return std::nullopt;
}

std::optional<Usec> probation_end(Usec ready_since, Usec min_ready, Usec now) {
    const Usec end = ready_since + min_ready;
    if (now >= end) return std::nullopt;
    return end;
}

std::string describe_probation_failure(const std::string& label, int generation,
                                       const std::string& ended, Usec ready_for, Usec min_ready) {
    // Tenths of a second: what a person reads, where format_duration would say "1234567us".
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1fs", static_cast<double>(ready_for.count()) / 1e6);
    return label + " of generation " + std::to_string(generation) + " " + ended + " after " + secs +
           " ready (min_ready " + format_duration(min_ready) + ")";
}

RolloutStep plan_rollout(const std::vector<SlotView>& slots, int target_instances,
                         const RolloutPolicy& policy) {
    RolloutStep step;
    const int n = target_instances;
    const int min_available = std::max(0, n - std::max(0, policy.max_unavailable));
    const int budget = n + std::max(0, policy.max_surge);

    int ready = 0, procs = 0;
    bool all_done = true;
    for (size_t i = 0; i < slots.size(); ++i) {
        const SlotView& s = slots[i];
        if (s.target == TargetState::failed && !step.failed_slot)
            step.failed_slot = static_cast<int>(i);
        ready += s.others_ready + (s.target == TargetState::ready ? 1 : 0);
        procs += s.others_alive + (s.target == TargetState::starting ||
                                           s.target == TargetState::probation ||
                                           s.target == TargetState::ready
                                       ? 1
                                       : 0);
        const bool slot_done = (s.beyond_target || s.target == TargetState::ready) &&
                               s.others_alive == 0 && s.others_stoppable == 0;
        all_done = all_done && slot_done;
    }
    if (step.failed_slot) return step;
    if (all_done) {
        step.complete = true;
        return step;
    }

    // Slots past the new instance count are being scaled away: nothing counts on them.
    for (size_t i = 0; i < slots.size(); ++i) {
        const SlotView& s = slots[i];
        if (s.beyond_target && s.others_stoppable > 0) {
            step.stop_others.push_back(static_cast<int>(i));
            ready -= s.others_ready;
        }
    }
    // 1. A slot whose new instance is ready retires its old one, if the rest stay enough.
    for (size_t i = 0; i < slots.size(); ++i) {
        const SlotView& s = slots[i];
        if (s.beyond_target || s.target != TargetState::ready || s.others_stoppable == 0) continue;
        if (ready - s.others_ready < min_available) continue;
        step.stop_others.push_back(static_cast<int>(i));
        ready -= s.others_ready;
    }
    // 2. Slots without a running new instance, in order, empty slots first (they restore
    //    capacity without surging): surge if the budget allows, else make room by stopping
    //    the old one when the ready count allows it.
    for (int pass = 0; pass < 2; ++pass) {
        for (size_t i = 0; i < slots.size(); ++i) {
            const SlotView& s = slots[i];
            if (s.beyond_target || (s.others_alive == 0) != (pass == 0)) continue;
            if (s.target != TargetState::none && s.target != TargetState::idle) continue;
            // An old instance waiting to restart (backoff, cooldown) serves nothing: stop it
            // so it cannot come back beside its replacement.
            const bool old_waiting = s.others_alive == 0 && s.others_stoppable > 0;
            if (old_waiting) step.stop_others.push_back(static_cast<int>(i));
            if (procs < budget) {
                step.start_target.push_back(static_cast<int>(i));
                ++procs;
                continue;
            }
            if (!old_waiting && s.others_stoppable > 0 && ready - s.others_ready >= min_available) {
                step.stop_others.push_back(static_cast<int>(i));
                ready -= s.others_ready;
            }
        }
    }
    return step;
}

}  // namespace tend
