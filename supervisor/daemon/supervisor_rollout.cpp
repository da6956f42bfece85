// Rolling restarts (SPEC §5.5): drives plan_rollout with real instances, then pause/rollback.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "supervisor/daemon/event_loop.hpp"
#include "supervisor/daemon/supervisor.hpp"

namespace tend {
namespace {

bool idle_state(InstanceState s) {
    return s == InstanceState::stopped || s == InstanceState::exited;
}

std::string gen_label(const InstanceRunner& r) {
    return r.label() + " (generation " + std::to_string(r.generation()) + ")";
}

}  // namespace

InstanceRunner& Supervisor::add_runner(Program& p, std::shared_ptr<const ProgramRuntime> rt,
                                       int index) {
    auto runner = std::make_unique<InstanceRunner>(ctx_, std::move(rt), index);
    InstanceRunner& ref = *runner;
    // After every runner of the same slot or a lower one: ordered by slot, then age.
    auto pos = std::find_if(p.instances.begin(), p.instances.end(),
                            [index](const auto& r) { return r->index() > index; });
    p.instances.insert(pos, std::move(runner));
    return ref;
}

Status Supervisor::rolling_restart(const std::string& name, std::shared_ptr<ProgramRuntime> runtime,
                                   RolloutPolicy policy, std::uint64_t owner, WaitDone done) {
    auto it = programs_.find(name);
    if (it == programs_.end()) return make_error("no program named \"" + name + "\"");
    if (auto bad = check_rollout_policy(policy)) return make_error(name + ": " + *bad);
    Program& p = it->second;
    const bool from_reload = runtime != nullptr;
    if (!runtime) runtime = std::make_shared<ProgramRuntime>(*p.runtime);
    runtime->generation = ++p.last_generation;
    auto previous = p.runtime;
    if (p.rollout) {
        // A newer rollout supersedes this one; a rollback still returns to what ran before.
        previous = p.rollout->previous;
        for (auto& w : p.rollout->waiters)
            w.done(false, name + ": the rolling restart to generation " +
                              std::to_string(p.rollout->target->generation) +
                              " was superseded by generation " +
                              std::to_string(runtime->generation));
    }
    auto ro = std::make_unique<Rollout>();
    ro->target = runtime;
    ro->previous = previous;
    ro->policy = policy;
    ro->on_failure = runtime->config.rollout.on_failure;
    ro->from_reload = from_reload;
    if (done) ro->waiters.push_back({owner, std::move(done)});
    p.rollout = std::move(ro);
    p.runtime = runtime;
    p.report = RolloutReport{"rolling", runtime->generation, ""};
    record_rollout_event(name, runtime->generation, "started",
                         "rolling restart to generation " + std::to_string(runtime->generation) +
                             " (max_unavailable " + std::to_string(policy.max_unavailable) +
                             ", max_surge " + std::to_string(policy.max_surge) + ", min_ready " +
                             format_duration(policy.min_ready) + ")",
                         false);
    return schedule_pass();
}

Status Supervisor::schedule_pass() {
    Status st = ok_status();
    if (!pass_) {
        auto s = ev::add_defer(ctx_.loop, &Supervisor::on_pass, this,
                               "schedule a pass over rollouts and retired instances");
        if (s)
            pass_ = std::move(*s);
        else
            st = make_error(s.error());
    }
    if (st) st = ev::set_enabled(pass_.get(), SD_EVENT_ONESHOT, "schedule a pass over rollouts");
    // Nothing is lost for good: the next instance change or request schedules it again.
    if (!st) spdlog::error("{}: rolling restarts wait for the next change", st.error());
    return st;
}

int Supervisor::on_pass(sd_event_source*, void* self) {
    auto* sup = static_cast<Supervisor*>(self);
    // A copy: advancing may destroy retired runners, and with them a removed program.
    const std::vector<std::string> names = sup->order_;
    for (const auto& name : names) {
        auto it = sup->programs_.find(name);
        if (it != sup->programs_.end() && it->second.rollout) sup->advance(it->second);
    }
    sup->destroy_retired();
    return 0;
}

void Supervisor::advance(Program& p) {
    Rollout& ro = *p.rollout;
    const int n = ro.target->config.instances;
    int slots = n;
    for (const auto& r : p.instances) slots = std::max(slots, r->index() + 1);
    std::vector<SlotView> views(static_cast<size_t>(slots));
    std::vector<InstanceRunner*> target_of(static_cast<size_t>(slots), nullptr);
    const Usec now = loop_now(ctx_.loop);
    std::optional<Usec> next_end;  // the earliest end of a probation still running
    for (const auto& r : p.instances) {
        if (r->retired()) continue;
        SlotView& v = views[static_cast<size_t>(r->index())];
        const InstanceState s = r->machine().state();
        if (r->runtime() == ro.target) {
            target_of[static_cast<size_t>(r->index())] = r.get();
            const auto st = ro.started.find(r.get());
            const bool started = st != ro.started.end();
            if (started && (r->spawn_count() > st->second ||
                            (ro.was_ready.count(r.get()) && s != InstanceState::running))) {
                // It exited and its restart policy ran it again, or it is no longer ready: a
                // new instance that does not stay up and ready fails the rollout, whatever
                // state it is in now.
                v.target = TargetState::failed;
                continue;
            }
            switch (s) {
                case InstanceState::running: {
                    v.target = TargetState::ready;
                    if (!started) break;  // it served before this rollout: no probation
                    ro.was_ready.insert(r.get());
                    const auto end =
                        probation_end(r->machine().ready_since(), ro.policy.min_ready, now);
                    if (end) {
                        v.target = TargetState::probation;
                        next_end = next_end ? std::min(*next_end, *end) : *end;
                    }
                    break;
                }
                case InstanceState::starting:
                case InstanceState::stopping:
                    v.target = TargetState::starting;
                    break;
                case InstanceState::stopped:
                    v.target = TargetState::idle;
                    break;
                default:
                    v.target = started ? TargetState::failed : TargetState::idle;
            }
            continue;
        }
        if (r->machine().has_process()) ++v.others_alive;
        if (s == InstanceState::running) ++v.others_ready;
        if (!idle_state(s) && s != InstanceState::stopping) ++v.others_stoppable;
    }
    for (int i = n; i < slots; ++i) views[static_cast<size_t>(i)].beyond_target = true;
    if (next_end) arm_probation_timer(ro, *next_end);

    const RolloutStep step = plan_rollout(views, n, ro.policy);
    if (step.failed_slot) {
        on_rollout_failed(p, *target_of[static_cast<size_t>(*step.failed_slot)]);
        return;
    }
    if (step.complete) {
        for (const auto& r : p.instances)
            if (r->runtime() != ro.target) retire(r.get());
        destroy_retired();  // all stopped already: the reply lists only the new generation
        const int gen = ro.target->generation;
        if (ro.rolling_back)
            finish_rollout(
                p, false, "rolled back",
                "rolled back to generation " + std::to_string(gen) + ": " + ro.rollback_reason);
        else
            finish_rollout(p, true, "complete",
                           "all instances on generation " + std::to_string(gen));
        return;
    }
    std::vector<InstanceRunner*> to_stop;
    for (int slot : step.stop_others)
        for (const auto& r : p.instances)
            if (r->index() == slot && r->runtime() != ro.target && !r->retired())
                to_stop.push_back(r.get());
    for (InstanceRunner* r : to_stop) {
        if (r->index() >= n)
            retire(r);
        else
            r->stop();
    }
    for (int slot : step.start_target) {
        InstanceRunner* t = target_of[static_cast<size_t>(slot)];
        if (!t) t = &add_runner(p, ro.target, slot);
        counters_.rollout_start(ro.target->config.name, ro.from_reload && !ro.rolling_back);
        t->start();
        ro.started[t] = t->spawn_count();
    }
}

void Supervisor::arm_probation_timer(Rollout& ro, Usec at) {
    const auto usec = static_cast<uint64_t>(at.count());
    constexpr const char* what = "arm the end of a new instance's probation (min_ready)";
    Status st = ok_status();
    if (!ro.probation_timer) {
        auto t = ev::add_time(ctx_.loop, CLOCK_MONOTONIC, usec, 1000, &Supervisor::on_probation_end,
                              this, what);
        if (t)
            ro.probation_timer = std::move(*t);
        else
            st = make_error(t.error());
    } else {
        st = ev::rearm_at(ro.probation_timer.get(), usec, what);
    }
    // The rollout still advances at the next change of any instance; said plainly meanwhile.
    if (!st) spdlog::error("{}: the rollout waits for the next instance change", st.error());
}

int Supervisor::on_probation_end(sd_event_source*, uint64_t, void* self) {
    ignore_result(static_cast<Supervisor*>(self)->schedule_pass(), kPassLogged);
    return 0;
}

void Supervisor::finish_rollout(Program& p, bool ok, const std::string& state,
                                const std::string& message) {
    auto ro = std::move(p.rollout);
    const std::string& name = ro->target->config.name;
    p.report = RolloutReport{state, ro->target->generation, message};
    record_rollout_event(name, ro->target->generation, state,
                         "rolling restart " + state + ": " + message, !ok);
    for (auto& w : ro->waiters) w.done(ok, name + ": " + message);
}

void Supervisor::on_rollout_failed(Program& p, InstanceRunner& failed) {
    Rollout& ro = *p.rollout;
    const InstanceMachine& m = failed.machine();
    std::string why;
    if (m.last_ready_for() && m.last_exit())
        // Ready, then gone before (or after) min_ready: say how long it stayed, for the user.
        why = describe_probation_failure(failed.label(), failed.generation(),
                                         describe_exit(*m.last_exit()), *m.last_ready_for(),
                                         ro.policy.min_ready) +
              ", now " + to_string(m.state());
    else
        why = gen_label(failed) +
              (ro.was_ready.count(&failed) ? " failed after it was ready: "
                                           : " did not become ready: ") +
              to_string(m.state()) + ", " + m.reason();
    if (ro.on_failure == RolloutFailure::rollback && !ro.rolling_back) {
        record_rollout_event(
            failed.program_name(), ro.previous->generation, "rolling back",
            "rolling back to generation " + std::to_string(ro.previous->generation) + ": " + why,
            true);
        ro.rolling_back = true;
        ro.rollback_reason = why;
        ro.target = ro.previous;
        ro.on_failure = RolloutFailure::pause;  // a failing rollback stops where it is
        ro.started.clear();
        ro.was_ready.clear();
        p.runtime = ro.previous;
        p.report = RolloutReport{"rolling back", ro.previous->generation, why};
        ignore_result(schedule_pass(), kPassLogged);
        return;
    }
    // Pause: slots already on the new generation keep it; every other slot returns to the
    // instance it had, so the program is whole again and nothing else changes.
    int converted = 0;
    std::vector<int> slots;
    for (const auto& r : p.instances)
        if (slots.empty() || slots.back() != r->index()) slots.push_back(r->index());
    for (int slot : slots) {
        InstanceRunner* target = nullptr;
        std::vector<InstanceRunner*> others;
        for (const auto& r : p.instances) {
            if (r->index() != slot || r->retired()) continue;
            (r->runtime() == ro.target ? target : others.emplace_back()) = r.get();
        }
        if (target && target->machine().ready()) {
            ++converted;
            for (auto* o : others) retire(o);
            continue;
        }
        // The newest instance that still has a process, else the newest of all.
        InstanceRunner* fallback = nullptr;
        for (auto* o : others)
            if (!fallback || (o->machine().has_process() && !fallback->machine().has_process()) ||
                (o->machine().has_process() == fallback->machine().has_process() &&
                 o->serial() > fallback->serial()))
                fallback = o;
        if (!fallback) continue;  // a slot that is new in this generation keeps its policy
        if (target) retire(target);
        for (auto* o : others)
            if (o != fallback) retire(o);
        if (fallback->machine().state() != InstanceState::running &&
            fallback->machine().state() != InstanceState::starting)
            fallback->start();
    }
    finish_rollout(p, false, "paused",
                   "paused at " + std::to_string(converted) + " of " +
                       std::to_string(ro.target->config.instances) + " instance(s) on generation " +
                       std::to_string(ro.target->generation) + ": " + why);
}

void Supervisor::cancel_rollouts(const std::vector<InstanceRunner*>& targets,
                                 const std::string& why) {
    std::set<std::string> names;
    for (auto* r : targets) names.insert(r->program_name());
    for (const auto& name : names) {
        Program& p = programs_.at(name);
        if (!p.rollout) continue;
        // Every slot keeps one instance: the new generation's where there is one.
        const auto& target = p.rollout->target;
        for (const auto& r : p.instances) {
            if (r->runtime() == target) continue;
            const bool has_target = std::any_of(
                p.instances.begin(), p.instances.end(),
                [&](const auto& o) { return o->index() == r->index() && o->runtime() == target; });
            const bool newest_other =
                std::none_of(p.instances.begin(), p.instances.end(), [&](const auto& o) {
                    return o->index() == r->index() && o->runtime() != target &&
                           o->serial() > r->serial() && !o->retired();
                });
            if (has_target || !newest_other || r->index() >= target->config.instances)
                retire(r.get());
        }
        finish_rollout(p, false, "cancelled", "cancelled by " + why);
    }
    destroy_retired();
}

void Supervisor::retire(InstanceRunner* r) {
    if (r->retired()) return;
    r->retire();
    ignore_result(schedule_pass(), kPassLogged);
}

void Supervisor::destroy_retired() {
    std::vector<InstanceRunner*> gone;  // collected first: destroying edits the lists
    for (const auto& [_, p] : programs_)
        for (const auto& r : p.instances)
            if (r->retired() && !r->machine().has_process() && idle_state(r->machine().state()))
                gone.push_back(r.get());
    for (InstanceRunner* r : gone) {
        for (auto& w : waiters_) {
            for (size_t i = 0; i < w.targets.size();) {
                if (w.targets[i] != r) {
                    ++i;
                    continue;
                }
                w.targets.erase(w.targets.begin() + static_cast<std::ptrdiff_t>(i));
                w.spawns_at_request.erase(w.spawns_at_request.begin() +
                                          static_cast<std::ptrdiff_t>(i));
            }
        }
        const std::string name = r->program_name();  // r is destroyed below
        Program& p = programs_.at(name);
        if (p.rollout) {
            p.rollout->started.erase(r);
            p.rollout->was_ready.erase(r);
        }
        std::erase_if(p.instances, [r](const auto& own) { return own.get() == r; });
        if (p.removed && p.instances.empty()) {
            spdlog::info("{}: removed", name);
            std::erase(order_, name);
            programs_.erase(name);
            events_.forget(name);  // its history goes with it: the event log stays bounded
        }
    }
    evaluate_waiters();
}

nlohmann::json Supervisor::rollout_json(const std::string& program) const {
    auto it = programs_.find(program);
    if (it == programs_.end() || !it->second.report) return nullptr;
    const RolloutReport& rep = *it->second.report;
    return {{"state", rep.state}, {"generation", rep.generation}, {"message", rep.message}};
}

}  // namespace tend
