// The set of programs and their instances, addressed by PROGRAM or PROGRAM:N.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "supervisor/config/config.hpp"
#include "supervisor/daemon/instance_runner.hpp"

namespace tend {

struct Program {
    std::shared_ptr<const ProgramRuntime> runtime;
    std::vector<std::unique_ptr<InstanceRunner>> instances;
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

    // Shutdown: stops everything; `all_stopped` runs once no instance has a process.
    void stop_all(std::function<void()> all_stopped);
    void kill_all();

    nlohmann::json status_json(const std::vector<InstanceRunner*>& which) const;
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

    RunnerContext& ctx_;
    std::map<std::string, Program> programs_;
    std::vector<std::string> order_;  // config order, for status listings
    std::vector<Waiter> waiters_;
    std::function<void()> all_stopped_;
    bool evaluating_ = false;
};

}  // namespace tend
