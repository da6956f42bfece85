// tend-cron-next: `tend cron next EXPR` without a daemon (tend execs it; it links the tz library
// that tend itself avoids loading). Prints the next fire times as ISO 8601 with offset.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "queue/cron/cron_schedule.hpp"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitInvalid = 65;

// Reads exactly `width` digits at s[pos].
bool digits(const std::string& s, std::size_t pos, std::size_t width, int& out) {
    if (pos + width > s.size()) return false;
    auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + width, out);
    return ec == std::errc() && p == s.data() + pos + width;
}

// --from: "@UNIX_SECONDS", or YYYY-MM-DD[T ]HH:MM[:SS] followed by Z, ±HH:MM, ±HHMM or
// nothing (then it is a wall-clock time in the zone; in a repeated hour, the first one).
// Not `tend submit --at`'s parse_at: that resolves wall-clock times with an offset function
// and can land on the second pass of a repeated hour east of UTC; here the tz database picks
// the first, as tend(1) promises.
tend::Result<date::sys_seconds> parse_from(const std::string& s, const date::time_zone* zone) {
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

int fail(int status, const std::string& message) {
    std::fprintf(stderr, "tend: cron next: %s\n", message.c_str());
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"tend cron next: the next fire times of a cron expression", "tend cron next"};
    std::string expr, tz, from;
    int count = 10;
    bool json = false;
    app.add_option("EXPR", expr, "a cron expression")->required();
    app.add_option("--tz", tz, "time zone (IANA name; default: the local zone)");
    app.add_option("--from", from, "start after this time (default: now)");
    app.add_option("-n", count, "how many (default 10)")->check(CLI::Range(1, 100000));
    app.add_flag("--json", json, "print JSON");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return fail(kExitUsage, e.what());
    }
    auto e = tend::cron::parse_cron(expr);
    if (!e) return fail(kExitInvalid, "\"" + expr + "\": " + e.error());
    auto zone = tend::cron::find_zone(tz);
    if (!zone) return fail(kExitInvalid, zone.error());
    date::sys_seconds start;
    if (from.empty()) {
        start = date::sys_seconds(std::chrono::seconds(std::time(nullptr)));
    } else {
        auto f = parse_from(from, *zone);
        if (!f) return fail(kExitUsage, "--from " + f.error());
        start = *f;
    }
    auto times = tend::cron::next_fires(*e, *zone, start, static_cast<std::size_t>(count));
    if (json) {
        nlohmann::json t = nlohmann::json::array();
        for (auto s : times) t.push_back(tend::cron::format_iso(s, *zone));
        nlohmann::json out = {
            {"expression", expr}, {"timezone", tend::cron::zone_name(*zone)}, {"times", t}};
        std::printf("%s\n", out.dump().c_str());
        return 0;
    }
    std::string out;
    for (auto s : times) {
        out += tend::cron::format_iso(s, *zone);
        out += '\n';
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}
