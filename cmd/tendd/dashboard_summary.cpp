// The overview page's data (dashboard_summary.hpp).
#include "cmd/tendd/dashboard_summary.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tend::web {
namespace {

using json = nlohmann::json;

std::string string_or(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
double number_or(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : 0;
}

json instances_and_programs(const json& status, json& out) {
    json by_state = json::object(), attention = json::array();
    std::map<std::string, json> programs;  // sorted by name
    int total = 0, up = 0, ready = 0, down = 0;
    if (status.is_array())
        for (const auto& i : status) {
            if (!i.is_object()) continue;
            const std::string state = string_or(i, "state"), name = string_or(i, "program");
            if (state.empty() || name.empty()) continue;
            const bool is_up = i.contains("pid") && i["pid"].is_number();
            const bool is_ready = i.value("ready", false) == true;
            const bool is_down = i.value("down", false) == true;
            ++total;
            up += is_up;
            ready += is_ready;
            down += is_down;
            by_state[state] = by_state.value(state, 0) + 1;
            json& p = programs[name];
            if (p.is_null())
                p = {{"name", name}, {"instances", 0},  {"up", 0},
                     {"ready", 0},   {"generation", 0}, {"by_state", json::object()}};
            p["instances"] = p["instances"].get<int>() + 1;
            p["up"] = p["up"].get<int>() + is_up;
            p["ready"] = p["ready"].get<int>() + is_ready;
            p["generation"] = std::max(p["generation"].get<double>(), number_or(i, "generation"));
            p["by_state"][state] = p["by_state"].value(state, 0) + 1;
            if (is_down || state == "backoff" || state == "cooldown") attention.push_back(i);
        }
    out["instances"] = {
        {"total", total}, {"up", up}, {"ready", ready}, {"down", down}, {"by_state", by_state}};
    json list = json::array();
    for (auto& [_, p] : programs) list.push_back(std::move(p));
    out["programs"] = std::move(list);
    return attention;
}

// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS" followed by "Z" or "+HH:MM"/"-HH:MM" (what
// `tend cron list --json` prints, each entry in its own zone); nullopt for anything else.
std::optional<std::int64_t> iso_seconds(std::string_view t) {
    auto num = [&](std::size_t at, std::size_t len) -> std::optional<int> {
        if (at + len > t.size()) return std::nullopt;
        int v = 0;
        for (std::size_t i = at; i < at + len; ++i) {
            if (t[i] < '0' || t[i] > '9') return std::nullopt;
            v = v * 10 + (t[i] - '0');
        }
        return v;
    };
    auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
         s = num(17, 2);
    if (!y || !mo || !d || !h || !mi || !s || t.size() < 20) return std::nullopt;
    if (t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':')
        return std::nullopt;
    std::int64_t offset = 0;
    if (t.size() == 20 && t[19] == 'Z') {
        offset = 0;
    } else if (t.size() == 25 && (t[19] == '+' || t[19] == '-') && t[22] == ':') {
        auto oh = num(20, 2), om = num(23, 2);
        if (!oh || !om) return std::nullopt;
        offset = (t[19] == '-' ? -1 : 1) * (*oh * 3600 + *om * 60);
    } else {
        return std::nullopt;
    }
    // Days from the civil date (Howard Hinnant's days_from_civil).
    const int yy = *y - (*mo <= 2);
    const int era = yy / 400;
    const int yoe = yy - era * 400;
    const int doy = (153 * (*mo + (*mo > 2 ? -3 : 9)) + 2) / 5 + *d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const std::int64_t days = std::int64_t(era) * 146097 + doe - 719468;
    return days * 86400 + *h * 3600 + *mi * 60 + *s - offset;
}

json cron_next(const json& cron) {
    std::vector<std::pair<std::int64_t, const json*>> entries;
    if (cron.is_array())
        for (const auto& e : cron)
            if (e.is_object() && e.contains("next_fire") && e["next_fire"].is_string())
                if (auto at = iso_seconds(e["next_fire"].get<std::string>()))
                    entries.emplace_back(*at, &e);
    // Each entry prints its time in its own zone: order by the instant.
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    json out = json::array();
    for (const auto& [at, e] : entries) {
        if (out.size() == kNextCronShown) break;
        out.push_back({{"name", string_or(*e, "name")},
                       {"schedule", string_or(*e, "schedule")},
                       {"next_fire", (*e)["next_fire"]},
                       {"next_fire_s", at}});
    }
    return out;
}

}  // namespace

json summary_json(const SummaryInputs& in) {
    json out = {{"time", in.now_s}};
    out["attention"] = instances_and_programs(in.status, out);

    json queues = json::array();
    double pending = 0, running = 0, ok = 0, failed = 0;
    if (in.queues.is_array())
        for (const auto& q : in.queues) {
            if (!q.is_object() || string_or(q, "name").empty()) continue;
            pending += number_or(q, "pending");
            running += number_or(q, "running");
            ok += number_or(q, "succeeded");
            failed += number_or(q, "failed");
            queues.push_back(q);
        }
    out["queues"] = std::move(queues);
    out["jobs"] = {
        {"pending", pending}, {"running", running}, {"succeeded", ok}, {"failed", failed}};
    out["cron_next"] = cron_next(in.cron);

    json failures = json::array();
    std::size_t scanned = 0;
    if (in.recent.is_array())
        for (const auto& j : in.recent) {
            ++scanned;
            const std::string state = j.is_object() ? string_or(j, "state") : std::string();
            if ((state == "failed" || state == "dead") && failures.size() < kRecentFailuresShown)
                failures.push_back(j);
        }
    out["recent_failures"] = std::move(failures);
    out["scanned"] = scanned;
    return out;
}

}  // namespace tend::web
