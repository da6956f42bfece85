// The pure step function of a rolling restart (SPEC §5.5): slot views in, actions out.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "supervisor/util/duration.hpp"

namespace tend {

// The instance of the target generation in one slot (instance number).
enum class TargetState {
    none,       // no runner of the target generation in this slot yet
    idle,       // there is one, but it has no process (never started, or stopped)
    starting,   // started, not ready yet
    probation,  // ready, but not yet for min_ready: counts as a process, not as available
    ready,      // ready for min_ready without exiting: available
    failed,     // started by the rollout, then crashed or missed ready_timeout
};

// One slot as the rollout sees it. "Others" are the slot's runners of any other generation.
struct SlotView {
    TargetState target = TargetState::none;
    int others_alive = 0;        // with a process (running, starting or stopping)
    int others_ready = 0;        // of those, ready and not being stopped
    int others_stoppable = 0;    // not stopped and not being stopped (incl. backoff/cooldown)
    bool beyond_target = false;  // slot number >= the target's `instances`: only retired
};

struct RolloutPolicy {
    int max_unavailable = 1;
    int max_surge = 0;
    // Probation (SPEC §5.5): a new instance counts as available only after this long ready.
    Usec min_ready{0};
};

struct RolloutStep {
    std::vector<int> start_target;   // start (create if needed) the target in these slots
    std::vector<int> stop_others;    // stop the other runners of these slots
    std::optional<int> failed_slot;  // a target failed: the rollout cannot continue
    bool complete = false;           // every slot serves the target and nothing else runs
};

// Decides what may happen now. An old instance is stopped only while the ready instances
// stay at or above target - max_unavailable; processes never exceed target + max_surge.
// Called after every change; calling it again with no change returns no new actions.
RolloutStep plan_rollout(const std::vector<SlotView>& slots, int target_instances,
                         const RolloutPolicy& policy);

// Probation of a target that is ready since `ready_since`: when it ends, or nullopt once it
// has passed (ready for min_ready at `now`).
std::optional<Usec> probation_end(Usec ready_since, Usec min_ready, Usec now);

// Why a rollout failed on a new instance that was ready and then exited (or lost readiness)
// before min_ready: "web:0 of generation 3 exited with code 3 after 1.2s ready (min_ready 5s)".
// `ended` says how it ended ("exited with code 3"); `ready_for` is how long it had been ready.
std::string describe_probation_failure(const std::string& label, int generation,
                                       const std::string& ended, Usec ready_for, Usec min_ready);

// Both 0 would never make progress; a clear error for config and CLI.
std::optional<std::string> check_rollout_policy(const RolloutPolicy& policy);

}  // namespace tend
