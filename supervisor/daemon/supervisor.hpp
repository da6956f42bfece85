// The set of programs and their instances, addressed by PROGRAM or PROGRAM:N.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "supervisor/config/config.hpp"
#include "supervisor/core/config_diff.hpp"
#include "supervisor/core/program_counters.hpp"
#include "supervisor/core/rollout_plan.hpp"
#include "supervisor/daemon/event_feed.hpp"
#include "supervisor/daemon/instance_runner.hpp"

namespace tend {

// A rolling restart of one program towards `target` (SPEC §5.5); see supervisor_rollout.cpp.
struct Rollout {
    std::shared_ptr<const ProgramRuntime> target;
    std::shared_ptr<const ProgramRuntime> previous;  // what a rollback returns to
    RolloutPolicy policy;
    RolloutFailure on_failure = RolloutFailure::pause;
    bool rolling_back = false;
    bool from_reload = false;     // a reload's changed keys began it (restart cause "reload")
    std::string rollback_reason;  // why the rollback began
    // Targets this rollout started (may fail), with their spawn count just after the start:
    // a later spawn means the process exited and was restarted, which fails the rollout.
    std::map<const InstanceRunner*, std::uint64_t> started;
    std::set<const InstanceRunner*> was_ready;  // of those, seen ready at least once
    EventSource probation_timer;                // the earliest end of a probation (min_ready)
    struct Waiter {
        std::uint64_t owner;
        std::function<void(bool ok, const std::string& message)> done;
    };
    std::vector<Waiter> waiters;
};

// How the program's last rollout stands, for `tend status`.
struct RolloutReport {
    std::string state;  // rolling | rolling back | complete | paused | rolled back | cancelled
    int generation = 0;
    std::string message;
};

struct Program {
    // What the program runs now, and what new instances (scaling, restarts) are made of.
    std::shared_ptr<const ProgramRuntime> runtime;
    // Ordered by instance number, then age. During a rolling restart a slot may hold an old
    // and a new instance.
    std::vector<std::unique_ptr<InstanceRunner>> instances;
    int last_generation = 1;  // generations are never reused, rollbacks aside
    std::unique_ptr<Rollout> rollout;
    std::optional<RolloutReport> report;
    bool removed = false;  // by a reload: forgotten once its instances are gone
};

// What a `--wait` asks for.
enum class WaitGoal { running, stopped, restarted };

class Supervisor {
  public:
    using WaitDone = std::function<void(bool ok, const std::string& message)>;

    explicit Supervisor(RunnerContext& ctx);

    // Creates the programs of `config`; credentials must be resolved in `runtimes`.
    void load(std::vector<std::shared_ptr<const ProgramRuntime>> runtimes);
    void start_autostart();

    // Resolves "web" (every instance) or "web:2"; fails naming the unknown target.
    Result<std::vector<InstanceRunner*>> resolve(const std::vector<std::string>& targets);

    // Registers a waiter; `done` runs once the goal is reached or cannot be reached.
    // `spawns_before` are the targets' spawn counts taken before the operation was applied
    // (a restart may spawn at once), so "restarted" means a spawn after that point.
    void wait_for(std::vector<InstanceRunner*> targets, std::vector<std::uint64_t> spawns_before,
                  WaitGoal goal, std::uint64_t owner, WaitDone done);
    void cancel_waits(std::uint64_t owner);

    // Rolling restart of `program` to a new generation made of `runtime` (the program's own
    // config when null). `done` runs once it completes, pauses or has rolled back.
    Status rolling_restart(const std::string& program, std::shared_ptr<ProgramRuntime> runtime,
                           RolloutPolicy policy, std::uint64_t owner, WaitDone done);
    // Ends the rollout of the programs of `targets` (a manual start/stop/restart takes over):
    // every slot keeps its newest instance.
    void cancel_rollouts(const std::vector<InstanceRunner*>& targets, const std::string& why);
    nlohmann::json rollout_json(const std::string& program) const;

    // Applies a reload's plan (supervisor_reload.cpp). `runtimes` are the new config's
    // programs, credentials resolved and sockets attached.
    void apply_reload(const ConfigDiff& diff,
                      const std::vector<std::shared_ptr<const ProgramRuntime>>& runtimes);
    // The listening sockets program `name` holds now (a reload keeps those still configured).
    std::vector<std::shared_ptr<const ListenSocket>> sockets_of(const std::string& name) const;

    // Shutdown: stops everything; `all_stopped` runs once no instance has a process.
    void stop_all(std::function<void()> all_stopped);
    void kill_all();

    nlohmann::json status_json(const std::vector<InstanceRunner*>& which) const;
    // Instance transitions and rollouts, for `tend events` (SPEC §5.8).
    EventFeed& events() { return events_; }
    // Restarts by cause and exits by how, per program, since tendd started (metrics).
    const ProgramCounters& counters() const { return counters_; }
    // Program-level events (rollout started, complete, paused, rolled back...): logged and
    // kept with the instances' events. `failed` logs it as a warning.
    void record_rollout_event(const std::string& program, int generation, const std::string& what,
                              const std::string& message, bool failed);
    std::vector<InstanceRunner*> all_instances() const;
    const std::map<std::string, Program>& programs() const { return programs_; }
    size_t running_count() const;

  private:
    struct Waiter {
        std::vector<InstanceRunner*> targets;
        std::vector<std::uint64_t> spawns_at_request;
        WaitGoal goal;
        std::uint64_t owner;
        WaitDone done;
    };
    void on_change(InstanceRunner& r);
    // nullopt while undecided; true/false with a message when the waiter can be answered.
    std::optional<std::pair<bool, std::string>> evaluate(const Waiter& w) const;
    void check_shutdown();
    void evaluate_waiters();
    // Rollouts advance and retired runners are destroyed in a deferred pass, never inside a
    // runner's own callback. A failure is logged here; the caller may also report it.
    Status schedule_pass();
    static constexpr const char* kPassLogged =
        "logged by schedule_pass, retried at the next change";
    static int on_pass(sd_event_source*, void* self);
    static int on_probation_end(sd_event_source*, uint64_t, void* self);
    void arm_probation_timer(Rollout& ro, Usec at);
    void advance(Program& p);
    void finish_rollout(Program& p, bool ok, const std::string& state, const std::string& message);
    void on_rollout_failed(Program& p, InstanceRunner& failed);
    void retire(InstanceRunner* r);
    void destroy_retired();
    void apply_policy(Program& p, const ProgramConfig& config);
    // A reload's rollout, with the policy of the new `config`.
    void start_rollout(const std::string& name, std::shared_ptr<ProgramRuntime> runtime,
                       const ProgramConfig& config);
    void scale(Program& p, int instances);
    InstanceRunner& add_runner(Program& p, std::shared_ptr<const ProgramRuntime> rt, int index);

    RunnerContext& ctx_;
    EventFeed events_;
    ProgramCounters counters_;
    std::map<std::string, Program> programs_;
    std::vector<std::string> order_;  // config order, for status listings
    std::vector<Waiter> waiters_;
    std::function<void()> all_stopped_;
    bool evaluating_ = false;
    EventSource pass_;
};

}  // namespace tend
