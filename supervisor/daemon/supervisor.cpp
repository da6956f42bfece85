// Program bookkeeping, target resolution and `--wait` evaluation.
#include "supervisor/daemon/supervisor.hpp"

#include <algorithm>
#include <ctime>
#include <unordered_set>

namespace tend {

Supervisor::Supervisor(RunnerContext& ctx)
    : ctx_(ctx), events_(ctx.loop, [&ctx](bool warn, const std::string& line) {
          // Warnings (crashes, cooldown, failed rollouts) and the rest at info (tendd(8)).
          if (warn && ctx.warn)
              ctx.warn(line);
          else if (!warn && ctx.info)
              ctx.info(line);
      }) {
    ctx_.on_change = [this](InstanceRunner& r) { on_change(r); };
    ctx_.on_event = [this](InstanceEvent e) {
        counters_.on_event(e);
        events_.record(std::move(e));
    };
}

void Supervisor::record_rollout_event(const std::string& program, int generation,
                                      const std::string& what, const std::string& message,
                                      bool failed) {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    const auto usec = static_cast<std::uint64_t>(ts.tv_sec) * 1000000u +
                      static_cast<std::uint64_t>(ts.tv_nsec / 1000);
    events_.record(rollout_event(program, generation, what, message, failed, usec));
}

void Supervisor::load(std::vector<std::shared_ptr<const ProgramRuntime>> runtimes) {
    for (auto& rt : runtimes) {
        Program p;
        p.runtime = rt;
        p.last_generation = rt->generation;
        for (int i = 0; i < rt->config.instances; ++i)
            p.instances.push_back(std::make_unique<InstanceRunner>(ctx_, rt, i));
        order_.push_back(rt->config.name);
        programs_.emplace(rt->config.name, std::move(p));
    }
}

void Supervisor::start_autostart() {
    for (const auto& name : order_) {
        Program& p = programs_.at(name);
        if (!p.runtime->config.autostart) continue;
        for (auto& i : p.instances) i->start();
    }
}

Result<std::vector<InstanceRunner*>> Supervisor::resolve(const std::vector<std::string>& targets) {
    std::vector<InstanceRunner*> out;
    for (const auto& t : targets) {
        std::string name = t;
        int index = -1;
        if (size_t colon = t.rfind(':'); colon != std::string::npos) {
            name = t.substr(0, colon);
            std::string num = t.substr(colon + 1);
            if (num.empty() || num.size() > 6 ||
                !std::all_of(num.begin(), num.end(), [](char c) { return c >= '0' && c <= '9'; }))
                return make_error("invalid instance in \"" + t + "\" (expected PROGRAM:NUMBER)");
            index = std::stoi(num);
        }
        auto it = programs_.find(name);
        if (it == programs_.end()) return make_error("no program named \"" + name + "\"");
        auto& inst = it->second.instances;
        if (index >= 0) {
            // During a rolling restart an instance number may name an old and a new instance.
            const size_t before = out.size();
            // Users name instances by number (slot + instance_offset), as status shows them.
            for (auto& i : inst)
                if (i->number() == index) out.push_back(i.get());
            if (out.size() == before) {
                const ProgramConfig& c = it->second.runtime->config;
                std::string range = c.instances == 0 ? "none"
                                    : c.instances == 1
                                        ? std::to_string(c.instance_offset)
                                        : std::to_string(c.instance_offset) + ".." +
                                              std::to_string(c.instance_offset + c.instances - 1);
                return make_error("program \"" + name + "\" has " + std::to_string(c.instances) +
                                  " instance(s) (numbered " + range + "); there is no instance " +
                                  std::to_string(index));
            }
        } else {
            for (auto& i : inst) out.push_back(i.get());
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<InstanceRunner*> Supervisor::all_instances() const {
    std::vector<InstanceRunner*> out;
    for (const auto& name : order_)
        for (const auto& i : programs_.at(name).instances) out.push_back(i.get());
    return out;
}

size_t Supervisor::running_count() const {
    size_t n = 0;
    for (const auto& [_, p] : programs_)
        for (const auto& i : p.instances) n += i->alive() ? 1 : 0;
    return n;
}

nlohmann::json Supervisor::status_json(const std::vector<InstanceRunner*>& which) const {
    const Usec now = loop_now(ctx_.loop);
    nlohmann::json arr = nlohmann::json::array();
    // Listed in config order, then instance order, whatever order the targets came in.
    const std::unordered_set<const InstanceRunner*> wanted(which.begin(), which.end());
    for (auto* r : all_instances()) {
        if (!wanted.count(r)) continue;
        nlohmann::json j = r->status_json(now);
        if (auto ro = rollout_json(r->program_name()); !ro.is_null()) j["rollout"] = std::move(ro);
        arr.push_back(std::move(j));
    }
    return arr;
}

void Supervisor::wait_for(std::vector<InstanceRunner*> targets,
                          std::vector<std::uint64_t> spawns_before, WaitGoal goal,
                          std::uint64_t owner, WaitDone done) {
    Waiter w{std::move(targets), std::move(spawns_before), goal, owner, std::move(done)};
    if (auto verdict = evaluate(w)) {
        w.done(verdict->first, verdict->second);
        return;
    }
    waiters_.push_back(std::move(w));
}

void Supervisor::cancel_waits(std::uint64_t owner) {
    events_.cancel(owner);
    std::erase_if(waiters_, [&](const Waiter& w) { return w.owner == owner; });
    for (auto& [_, p] : programs_)
        if (p.rollout)
            std::erase_if(p.rollout->waiters, [&](const auto& w) { return w.owner == owner; });
}

std::optional<std::pair<bool, std::string>> Supervisor::evaluate(const Waiter& w) const {
    bool all = true;
    for (size_t i = 0; i < w.targets.size(); ++i) {
        const InstanceRunner* r = w.targets[i];
        const InstanceState s = r->machine().state();
        if (w.goal == WaitGoal::stopped) {
            all = all && (s == InstanceState::stopped || s == InstanceState::exited);
            continue;
        }
        const bool fresh =
            w.goal != WaitGoal::restarted || r->spawn_count() > w.spawns_at_request[i];
        // A target that went to backoff, cooldown or exited after our request has failed.
        if (fresh && (s == InstanceState::backoff || s == InstanceState::cooldown ||
                      s == InstanceState::exited || s == InstanceState::stopped))
            return std::pair{false, r->label() + " " +
                                        (s == InstanceState::exited ? "exited"
                                         : s == InstanceState::stopped
                                             ? "stopped"
                                             : std::string("went into ") + to_string(s)) +
                                        ": " + r->machine().reason()};
        all = all && fresh && r->machine().ready();
    }
    if (all) return std::pair{true, std::string()};
    return std::nullopt;
}

void Supervisor::on_change(InstanceRunner& r) {
    if (r.retired() || programs_.at(r.program_name()).rollout)
        ignore_result(schedule_pass(), kPassLogged);
    evaluate_waiters();
}

void Supervisor::evaluate_waiters() {
    // Waiters are answered outside of their own evaluation, since an answer may start or
    // stop instances again and re-enter here.
    if (evaluating_) return;
    evaluating_ = true;
    for (size_t i = 0; i < waiters_.size();) {
        auto verdict = evaluate(waiters_[i]);
        if (!verdict) {
            ++i;
            continue;
        }
        Waiter w = std::move(waiters_[i]);
        waiters_.erase(waiters_.begin() + static_cast<std::ptrdiff_t>(i));
        w.done(verdict->first, verdict->second);
    }
    evaluating_ = false;
    check_shutdown();
}

void Supervisor::stop_all(std::function<void()> all_stopped) {
    all_stopped_ = std::move(all_stopped);
    // No rollout may start instances while everything stops.
    for (const auto& name : order_)
        if (Program& p = programs_.at(name); p.rollout)
            finish_rollout(p, false, "cancelled", "cancelled by the shutdown of tendd");
    for (auto* r : all_instances()) r->stop();
    check_shutdown();
}

void Supervisor::kill_all() {
    for (auto* r : all_instances()) r->kill_now();
}

void Supervisor::check_shutdown() {
    if (!all_stopped_ || running_count() > 0) return;
    auto cb = std::move(all_stopped_);
    all_stopped_ = nullptr;
    cb();
}

}  // namespace tend
