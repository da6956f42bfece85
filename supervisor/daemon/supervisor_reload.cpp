// Applying a reload (SPEC §5.6): start added programs, stop removed ones, take policy keys
// live, scale without touching other instances, roll what changes what runs.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "supervisor/config/program_keys.hpp"
#include "supervisor/daemon/supervisor.hpp"

namespace tend {
namespace {

// `base` (what runs, its generation and sockets) with the live keys and `instances` of
// `config`: what a live change or a scale gives the instances. The key table
// (supervisor/config/program_keys.cpp) says which keys those are.
std::shared_ptr<const ProgramRuntime> with_policy(const ProgramRuntime& base,
                                                  const ProgramConfig& config) {
    auto rt = std::make_shared<ProgramRuntime>(base);
    for (const auto& k : program_keys())
        if (k.reload != KeyReload::roll) k.take(rt->config, config);
    return rt;
}

}  // namespace

void Supervisor::start_rollout(const std::string& name, std::shared_ptr<ProgramRuntime> runtime,
                               const ProgramConfig& config) {
    // The config parser refuses a policy that cannot progress, so this fails only on a
    // program that vanished, which a reload's own plan rules out: logged, not thrown.
    if (auto st = rolling_restart(
            name, std::move(runtime),
            {config.rollout.max_unavailable, config.rollout.max_surge, config.rollout.min_ready}, 0,
            nullptr);
        !st)
        spdlog::error("reload: {}", st.error());
}

std::vector<std::shared_ptr<const ListenSocket>> Supervisor::sockets_of(
    const std::string& name) const {
    auto it = programs_.find(name);
    if (it == programs_.end()) return {};
    return it->second.runtime->sockets;
}

void Supervisor::apply_policy(Program& p, const ProgramConfig& config) {
    // Instances of several generations (after a paused rollout) each keep what they run.
    std::map<const ProgramRuntime*, std::shared_ptr<const ProgramRuntime>> updated;
    auto update = [&](const std::shared_ptr<const ProgramRuntime>& old) {
        auto& slot = updated[old.get()];
        if (!slot) slot = with_policy(*old, config);
        return slot;
    };
    p.runtime = update(p.runtime);
    for (auto& r : p.instances) r->update_runtime(update(r->runtime()));
}

void Supervisor::scale(Program& p, int instances) {
    int have = 0;
    bool any_up = false;
    for (const auto& r : p.instances) {
        if (r->retired()) continue;  // scaled away earlier and still stopping: not counted
        have = std::max(have, r->index() + 1);
        const InstanceState s = r->machine().state();
        any_up = any_up || (s != InstanceState::stopped && s != InstanceState::exited);
    }
    for (const auto& r : p.instances)
        if (r->index() >= instances) retire(r.get());
    // New instances start when some instance of the program is up; a program whose
    // instances are all stopped (by a user, or never started) stays stopped.
    for (int i = have; i < instances; ++i) {
        InstanceRunner& r = add_runner(p, p.runtime, i);
        if (any_up) r.start();
    }
}

void Supervisor::apply_reload(const ConfigDiff& diff,
                              const std::vector<std::shared_ptr<const ProgramRuntime>>& runtimes) {
    auto runtime_of = [&](const std::string& name) -> std::shared_ptr<const ProgramRuntime> {
        for (const auto& rt : runtimes)
            if (rt->config.name == name) return rt;
        return nullptr;
    };
    for (const ProgramDiff& d : diff.programs) {
        auto rt = runtime_of(d.name);
        switch (d.change) {
            case ProgramChange::unchanged:
                break;
            case ProgramChange::added: {
                auto it = programs_.find(d.name);
                if (it != programs_.end() && it->second.removed) {
                    // Removed by an earlier reload and still stopping: back, as a new
                    // generation beside the instances on their way out.
                    it->second.removed = false;
                    start_rollout(d.name, std::make_shared<ProgramRuntime>(*rt), rt->config);
                    break;
                }
                load({rt});
                if (rt->config.autostart)
                    for (auto& r : programs_.at(d.name).instances) r->start();
                break;
            }
            case ProgramChange::removed: {
                Program& p = programs_.at(d.name);
                if (p.rollout)
                    finish_rollout(p, false, "cancelled", "the program was removed by a reload");
                p.removed = true;
                for (auto& r : p.instances) retire(r.get());
                break;
            }
            case ProgramChange::live:
            case ProgramChange::scale: {
                Program& p = programs_.at(d.name);
                if (p.rollout) {
                    // Mid-rollout, the rollout's target takes the new keys: roll again to them.
                    auto next = std::make_shared<ProgramRuntime>(
                        *with_policy(*p.rollout->target, rt->config));
                    start_rollout(d.name, next, rt->config);
                    break;
                }
                apply_policy(p, rt->config);
                if (d.change == ProgramChange::scale) scale(p, rt->config.instances);
                break;
            }
            case ProgramChange::rolling: {
                Program& p = programs_.at(d.name);
                auto next = std::make_shared<ProgramRuntime>(*rt);
                // A stopped program takes the new config without starting.
                const bool any_up =
                    std::any_of(p.instances.begin(), p.instances.end(), [](const auto& r) {
                        const InstanceState s = r->machine().state();
                        return s != InstanceState::stopped && s != InstanceState::exited;
                    });
                if (!any_up && !p.rollout) {
                    next->generation = ++p.last_generation;
                    for (auto& r : p.instances) retire(r.get());
                    p.runtime = next;
                    for (int i = 0; i < next->config.instances; ++i) add_runner(p, next, i);
                    break;
                }
                start_rollout(d.name, next, rt->config);
                break;
            }
        }
    }
    ignore_result(schedule_pass(), kPassLogged);
}

}  // namespace tend
