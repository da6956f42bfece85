// `tend cron next EXPR`: the next fire times of an expression, computed here without tendd
// (the only command of tend that reads the tz database).
#include "cmd/cron_next.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "cmd/cli_context.hpp"
#include "cmd/tz_library.hpp"
#include "queue/cron/cron_schedule.hpp"

namespace tend::cli {
namespace {

// Reads exactly `width` digits at s[pos].
bool digits(const std::string& s, std::size_t pos, std::size_t width, int& out) {
    if (pos + width > s.size()) return false;
    auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + width, out);
    return ec == std::errc() && p == s.data() + pos + width;
}

}  // namespace

// Not `tend submit --at`'s parse_at: that resolves wall-clock times with an offset function
// and can land on the second pass of a repeated hour east of UTC; here the tz database picks
// the first, as tend(1) promises.
tend::Result<date::sys_seconds> parse_cron_from(const std::string& s, const date::time_zone* zone) {
    using tend::make_error;
    if (!s.empty() && s[0] == '@') {
        long long v = 0;
        auto [p, ec] = std::from_chars(s.data() + 1, s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size())
            return make_error("\"" + s + "\" is not @UNIX_SECONDS");
        return date::sys_seconds(std::chrono::seconds(v));
    }
    int y, mo, d, h, mi, sec = 0;
    std::size_t pos = 16;
    if (s.size() < 16 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || !digits(s, 0, 4, y) || !digits(s, 5, 2, mo) || !digits(s, 8, 2, d) ||
        !digits(s, 11, 2, h) || !digits(s, 14, 2, mi))
        return make_error("\"" + s + "\" is not ISO 8601 (2026-03-08T02:30:00-05:00)");
    if (s.size() >= 19 && s[16] == ':') {
        if (!digits(s, 17, 2, sec)) return make_error("\"" + s + "\": bad seconds");
        pos = 19;
        // A fraction (".000" from JavaScript): fire times are whole seconds, so the first one
        // after S.fff is the first one after S.
        if (pos < s.size() && s[pos] == '.') {
            const std::size_t end = s.find_first_not_of("0123456789", pos + 1);
            const std::size_t stop = end == std::string::npos ? s.size() : end;
            if (stop == pos + 1) return make_error("\"" + s + "\": no digits after '.'");
            pos = stop;
        }
    }
    auto ymd = date::year(y) / date::month(unsigned(mo)) / date::day(unsigned(d));
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 59)
        return make_error("\"" + s + "\" is not a valid date and time");
    const auto local = date::local_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
                       std::chrono::seconds(sec);
    const std::string rest = s.substr(pos);
    if (rest.empty()) {
        try {
            return zone->to_sys(local, date::choose::earliest);
        } catch (const std::exception& e) {
            return make_error("\"" + s + "\": " + e.what());
        }
    }
    if (rest == "Z") return date::sys_seconds(local.time_since_epoch());
    int oh = 0, om = 0;
    bool ok =
        (rest[0] == '+' || rest[0] == '-') &&
        ((rest.size() == 6 && rest[3] == ':' && digits(rest, 1, 2, oh) && digits(rest, 4, 2, om)) ||
         (rest.size() == 5 && digits(rest, 1, 2, oh) && digits(rest, 3, 2, om)) ||
         (rest.size() == 3 && digits(rest, 1, 2, oh)));
    if (!ok) return make_error("\"" + s + "\": bad offset \"" + rest + "\"");
    const auto offset = std::chrono::seconds((oh * 3600 + om * 60) * (rest[0] == '-' ? -1 : 1));
    return date::sys_seconds(local.time_since_epoch() - offset);
}

int print_cron_next(const std::string& expr, const std::string& tz, const std::string& from,
                    int count, bool json) {
    load_tz_library();
    auto e = tend::cron::parse_cron(expr);
    if (!e) throw CliError(kExitInvalid, "cron next: \"" + expr + "\": " + e.error());
    auto zone = tend::cron::find_zone(tz);
    if (!zone) throw CliError(kExitInvalid, "cron next: " + zone.error());
    date::sys_seconds start;
    if (from.empty()) {
        start = date::sys_seconds(std::chrono::seconds(std::time(nullptr)));
    } else {
        auto f = parse_cron_from(from, *zone);
        if (!f) throw CliError(kExitUsage, "cron next: --from " + f.error());
        start = *f;
    }
    auto times = tend::cron::next_fires(*e, *zone, start, static_cast<std::size_t>(count));
    if (json) {
        nlohmann::json t = nlohmann::json::array();
        for (auto s : times) t.push_back(tend::cron::format_iso(s, *zone));
        nlohmann::json out = {
            {"expression", expr}, {"timezone", tend::cron::zone_name(*zone)}, {"times", t}};
        std::printf("%s\n", out.dump().c_str());
        return kExitOk;
    }
    std::string out;
    for (auto s : times) {
        out += tend::cron::format_iso(s, *zone);
        out += '\n';
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
}

}  // namespace tend::cli
