// The dashboard's in-memory series (dashboard_series.hpp): one hour of 10 s samples.
#include "cmd/tendd/dashboard_series.hpp"

#include <cmath>
#include <limits>

namespace tend::web {
namespace {

using json = nlohmann::json;
constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

double number_or(const json& j, std::string_view key, double fallback) {
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

bool selected(const std::string& name, const std::vector<std::string>& names) {
    if (names.empty()) return true;
    for (const auto& n : names) {
        const auto star = n.find('*');
        if (star == n.npos) {
            if (n == name) return true;
            continue;
        }
        // One '*' matches any run of characters: "queue:*:ok", "program:web:*".
        const std::string_view head = std::string_view(n).substr(0, star);
        const std::string_view tail = std::string_view(n).substr(star + 1);
        if (name.size() >= head.size() + tail.size() && name.starts_with(head) &&
            name.ends_with(tail))
            return true;
    }
    return false;
}

// The age of the oldest pending job grows while nothing happens; finished jobs are counted per
// step. Every other series is a gauge that only moves when tendd does something.
bool grows_by_itself(std::string_view name) {
    return name.ends_with(":wait_s");
}
bool counts_per_step(std::string_view name) {
    return name.ends_with(":ok") || name.ends_with(":failed");
}

}  // namespace

void SeriesBook::put(const std::string& name, double value) {
    auto it = series_.find(name);
    if (it == series_.end()) {
        it = series_.emplace(name, Series{}).first;
        it->second.born = samples_ - 1;
        it->second.ring.assign(points_, kNone);
        changed_ = true;
    } else if (counts_per_step(name)) {
        if (!std::isnan(value) && value != 0) changed_ = true;  // jobs finished in this step
    } else if (!grows_by_itself(name) && samples_ >= 2) {
        const double prev = it->second.ring[(samples_ - 2) % points_];
        const bool same = (std::isnan(prev) && std::isnan(value)) || prev == value;
        if (!same) changed_ = true;
    }
    // A series missing from one sample is dropped (sample), so it has no gaps to fill.
    Series& s = it->second;
    s.ring[(samples_ - 1) % points_] = value;
    s.seen = samples_ - 1;
}

double SeriesBook::delta(const std::string& name, double total) {
    auto [it, fresh] = totals_.try_emplace(name, total);
    if (fresh) return kNone;
    const double prev = it->second;
    it->second = total;
    // A counter that went down was reset (a reload that recreated the queue): count from 0.
    return total >= prev ? total - prev : total;
}

void SeriesBook::fill_idle_steps(double now_s) {
    const double gap = now_s - end_s_;
    // The sampler's timer may fire up to 1 s late: a gap under 1.5 steps is one step.
    if (samples_ == 0 || !(gap >= 1.5 * kSeriesStepS)) return;
    const auto missed = std::min<std::uint64_t>(
        static_cast<std::uint64_t>(std::min(gap / kSeriesStepS + 0.5, 1e9)) - 1, points_);
    const std::uint64_t last = samples_ - 1;
    std::vector<double> prev;
    prev.reserve(series_.size());
    for (const auto& [name, s] : series_) prev.push_back(s.ring[last % points_]);
    for (std::uint64_t k = 1; k <= missed; ++k) {
        ++samples_;
        std::size_t i = 0;
        for (auto& [name, s] : series_) {
            double v = prev[i++];
            if (counts_per_step(name)) v = 0;
            if (grows_by_itself(name) && v > 0) v += double(k) * kSeriesStepS;
            s.ring[(samples_ - 1) % points_] = v;
            s.seen = samples_ - 1;
        }
    }
    end_s_ += double(missed) * kSeriesStepS;
}

void SeriesBook::sample(double now_s, const json& queues, const json& instances) {
    fill_idle_steps(now_s);
    const std::size_t series_before = series_.size();
    changed_ = false;
    ++samples_;
    end_s_ = now_s;
    const std::uint64_t now = samples_ - 1;
    if (queues.is_array())
        for (const auto& q : queues) {
            if (!q.is_object() || !q.contains("name") || !q["name"].is_string()) continue;
            const std::string p = "queue:" + q["name"].get<std::string>() + ":";
            put(p + "pending", number_or(q, "pending", kNone));
            put(p + "running", number_or(q, "running", kNone));
            put(p + "ok", delta(p + "ok", number_or(q, "succeeded", 0)));
            put(p + "failed", delta(p + "failed", number_or(q, "failed", 0)));
            put(p + "wait_s", number_or(q, "oldest_pending_age_s", 0));
        }
    if (instances.is_array()) {
        std::map<std::string, std::pair<int, int>> programs;  // ready, up
        for (const auto& i : instances) {
            if (!i.is_object() || !i.contains("program") || !i["program"].is_string()) continue;
            auto& [ready, up] = programs[i["program"].get<std::string>()];
            ready += i.value("ready", false) ? 1 : 0;
            up += i.contains("pid") && i["pid"].is_number() ? 1 : 0;
        }
        for (const auto& [name, counts] : programs) {
            put("program:" + name + ":ready", counts.first);
            put("program:" + name + ":up", counts.second);
        }
    }
    // What this sample did not name is gone (a queue or program removed by a reload).
    std::erase_if(series_, [now](const auto& kv) { return kv.second.seen != now; });
    if (series_.size() != series_before) changed_ = true;
    std::erase_if(totals_, [this](const auto& kv) { return !series_.contains(kv.first); });
}

json SeriesBook::answer(const std::vector<std::string>& names) const {
    json out = {{"step_s", kSeriesStepS},
                {"end", samples_ ? json(end_s_) : json(nullptr)},
                {"series", json::object()}};
    const std::uint64_t count = std::min<std::uint64_t>(samples_, points_);
    const std::uint64_t first = samples_ - count;
    for (const auto& [name, s] : series_) {
        if (!selected(name, names)) continue;
        json values = json::array();
        for (std::uint64_t k = first; k < samples_; ++k) {
            const double v = s.ring[k % points_];
            if (k < s.born || std::isnan(v))
                values.push_back(nullptr);
            else
                values.push_back(v);
        }
        out["series"][name] = std::move(values);
    }
    return out;
}

SeriesQuery parse_series_names(std::string_view param) {
    SeriesQuery q;
    while (!param.empty()) {
        const auto comma = param.find(',');
        const std::string_view item = param.substr(0, comma);
        if (!item.empty()) {
            if (q.names.size() == kMaxSeriesNames) {
                q.error = "at most " + std::to_string(kMaxSeriesNames) + " series names";
                q.names.clear();
                return q;
            }
            q.names.emplace_back(item);
        }
        if (comma == param.npos) break;
        param.remove_prefix(comma + 1);
    }
    return q;
}

}  // namespace tend::web
