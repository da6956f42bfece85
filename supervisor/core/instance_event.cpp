// Instance events: their wording in tendd's log, in the program's log and in JSON, and the
// bounded history they are kept in.
#include "supervisor/core/instance_event.hpp"

#include <algorithm>

#include "supervisor/util/signals.hpp"
#include "supervisor/util/timestamp.hpp"

namespace tend {

InstanceEvent instance_event(std::string program, int instance, int pid, int generation,
                             InstanceState from, InstanceState to, std::string reason,
                             std::optional<ExitInfo> exit, std::uint64_t time_us) {
    InstanceEvent e;
    e.time_us = time_us;
    e.program = std::move(program);
    e.instance = instance;
    e.pid = pid;
    e.generation = generation;
    e.from = to_string(from);
    e.to = to_string(to);
    e.reason = std::move(reason);
    e.exit = std::move(exit);
    // An exit nobody asked for (not while stopping) is a crash, even one with code 0 that the
    // policy restarts; an exit the policy accepts (restart = on-failure, code 0) is not.
    const bool unexpected = e.exit && from != InstanceState::stopping &&
                            (to != InstanceState::exited || e.exit->failure());
    e.warn = unexpected || to == InstanceState::backoff || to == InstanceState::cooldown;
    return e;
}

InstanceEvent rollout_event(std::string program, int generation, std::string what,
                            std::string message, bool failed, std::uint64_t time_us) {
    InstanceEvent e;
    e.time_us = time_us;
    e.program = std::move(program);
    e.generation = generation;
    e.from = "rollout";
    e.to = std::move(what);
    e.reason = std::move(message);
    e.warn = failed;
    return e;
}

std::string log_line(const InstanceEvent& e) {
    std::string s = e.program;
    if (e.instance != kProgramEvent) s += ":" + std::to_string(e.instance);
    if (e.pid > 0) s += " pid " + std::to_string(e.pid);
    s += " gen " + std::to_string(e.generation) + ": " + e.from + " -> " + e.to;
    if (!e.reason.empty()) s += ": " + e.reason;
    return s;
}

std::string marker_text(const InstanceEvent& e) {
    if (e.to == "starting" && e.pid > 0 && !e.exit)
        return "started pid " + std::to_string(e.pid) + " (generation " +
               std::to_string(e.generation) + ")";
    if (!e.reason.empty()) return e.reason;
    return e.from + " -> " + e.to;
}

std::string exit_text(const std::optional<ExitInfo>& exit) {
    if (!exit) return "";
    if (!exit->exec_error.empty()) return "exec failed";
    if (exit->signaled) return signal_name(exit->value);
    return std::to_string(exit->value);
}

nlohmann::json event_json(const InstanceEvent& e) {
    using nlohmann::json;
    json j = {{"seq", e.seq},
              {"time", utc_timestamp(e.time_us)},
              {"program", e.program},
              {"instance", e.instance == kProgramEvent ? json(nullptr) : json(e.instance)},
              {"pid", e.pid > 0 ? json(e.pid) : json(nullptr)},
              {"generation", e.generation},
              {"from", e.from},
              {"to", e.to},
              {"reason", e.reason},
              {"level", e.warn ? "warn" : "info"}};
    if (e.exit) {
        json x = e.exit->signaled ? json{{"signal", signal_name(e.exit->value)}}
                                  : json{{"code", e.exit->value}};
        if (!e.exit->exec_error.empty()) x["error"] = e.exit->exec_error;
        j["exit"] = std::move(x);
    } else {
        j["exit"] = nullptr;
    }
    return j;
}

bool EventFilter::matches(const InstanceEvent& e) const {
    if (!program.empty() && e.program != program) return false;
    return !instance || e.instance == *instance;
}

const InstanceEvent& EventLog::record(InstanceEvent e) {
    e.seq = next_seq_++;
    ++counts_[{e.program, e.to}];
    auto& ring = rings_[{e.program, e.instance}];
    ring.push_back(std::move(e));
    while (ring.size() > per_key_) ring.pop_front();
    return ring.back();
}

EventLog::Page EventLog::query(const EventFilter& f, std::uint64_t after, std::size_t limit,
                               bool newest) const {
    Page page;
    auto& out = page.events;
    // Each ring is ordered by seq and bounded: its part past `after` is all that can match.
    for (const auto& [key, ring] : rings_) {
        if (!f.program.empty() && key.first != f.program) continue;
        if (f.instance && key.second != *f.instance) continue;
        for (auto it = ring.rbegin(); it != ring.rend() && it->seq > after; ++it)
            out.push_back(*it);
    }
    std::sort(out.begin(), out.end(),
              [](const InstanceEvent& a, const InstanceEvent& b) { return a.seq < b.seq; });
    page.next_after = last_seq();
    if (out.size() > limit) {
        if (newest) {
            out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(out.size() - limit));
        } else {
            out.resize(limit);
            page.next_after = limit > 0 ? out.back().seq : after;
        }
    }
    return page;
}

void EventLog::forget(const std::string& program) {
    std::erase_if(rings_, [&](const auto& kv) { return kv.first.first == program; });
}

bool instance_down(InstanceState state, bool exited_badly, bool autostart, bool stop_requested) {
    switch (state) {
        case InstanceState::backoff:
        case InstanceState::cooldown:
            return true;
        case InstanceState::exited:
            // `tend stop` of a failed one-shot acknowledges it.
            return exited_badly && !stop_requested;
        case InstanceState::stopped:
            return autostart && !stop_requested;
        default:
            return false;
    }
}

}  // namespace tend
