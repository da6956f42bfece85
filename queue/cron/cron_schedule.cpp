// Cron fire instants in an IANA time zone (SPEC §7), with the DST rules; uses the tz database.
#include "queue/cron/cron_schedule.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace tend::cron {
namespace {

using std::chrono::seconds;

// Nothing fires further away than one 400-year Gregorian cycle (see next_local_match).
constexpr seconds kHorizon = date::days{146097 + 366};
// A safety net on top of the horizon: no real zone has this many offset changes in 400 years.
constexpr int kMaxSegments = 100000;
// Instants outside years 1-9999 are refused (nullopt) rather than left to overflow the civil
// calendar's int day counts; next_local_match stops at the end of 9999 too.
const date::sys_seconds kEarliest{date::sys_days{date::year{1} / 1 / 1}};
const date::sys_seconds kLatest{date::sys_days{date::year{9999} / 12 / 31}};

date::local_seconds to_local(date::sys_seconds t, seconds offset) {
    return date::local_seconds{t.time_since_epoch() + offset};
}

date::sys_seconds to_sys(date::local_seconds t, seconds offset) {
    return date::sys_seconds{t.time_since_epoch() - offset};
}

// The next multiple of `every` seconds since the epoch, strictly after `after`.
date::sys_seconds next_every(std::int64_t every, date::sys_seconds after) {
    std::int64_t t = after.time_since_epoch().count();
    std::int64_t q = t / every - (t % every < 0 ? 1 : 0);  // floor division, also before 1970
    return date::sys_seconds{seconds{(q + 1) * every}};
}

// Real-time cadence: the fire instants are the instants whose wall-clock reading matches. Within
// one stretch of constant offset that is a plain local search; a match that would land past
// the stretch's end belongs to a later stretch (or to a gap, where it never happens).
std::optional<date::sys_seconds> next_cadence(const CronExpr& e, const date::time_zone* zone,
                                              date::sys_seconds after) {
    date::sys_seconds cur = after + seconds{1};
    const date::sys_seconds stop = after + kHorizon;
    for (int i = 0; i < kMaxSegments && cur <= stop; ++i) {
        date::sys_info info = zone->get_info(cur);
        auto local = next_local_match(e, to_local(cur, info.offset));
        if (!local) return std::nullopt;
        date::sys_seconds s = to_sys(*local, info.offset);
        if (s < info.end) return s;
        cur = info.end;
    }
    return std::nullopt;
}

// When a fixed wall-clock time on one day happens: in a gap, at the gap's end; when repeated,
// at its first occurrence.
date::sys_seconds resolve_fixed(const date::time_zone* zone, date::local_seconds wall) {
    date::local_info info = zone->get_info(wall);
    if (info.result == date::local_info::nonexistent) return info.second.begin;
    return to_sys(wall, info.first.offset);
}

std::optional<date::sys_seconds> next_fixed(const CronExpr& e, const date::time_zone* zone,
                                            date::sys_seconds after) {
    // Start a day early: the local date of `after` may be ahead of a day whose (shifted) fire
    // is still to come.
    date::local_seconds local_after = to_local(after, zone->get_info(after).offset);
    date::local_seconds from{date::floor<date::days>(local_after) - date::days{1}};
    const date::local_seconds stop = from + kHorizon;
    while (from <= stop) {
        auto wall = next_local_match(e, from);
        if (!wall) return std::nullopt;
        date::sys_seconds s = resolve_fixed(zone, *wall);
        if (s > after) return s;
        from = date::floor<date::days>(*wall) + date::days{1};
    }
    return std::nullopt;
}

std::string two_digits(long v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%02ld", v);
    return buf;
}

// "+HH:MM", or "+HH:MM:SS" for the odd historical offset that is not whole minutes.
std::string format_offset(seconds offset) {
    long total = static_cast<long>(offset.count());
    std::string out = total < 0 ? "-" : "+";
    total = std::labs(total);
    out += two_digits(total / 3600) + ":" + two_digits(total / 60 % 60);
    if (total % 60 != 0) out += ":" + two_digits(total % 60);
    return out;
}

// $TZ when it names a zone of the database ("Europe/Berlin", ":Europe/Berlin", or a path into
// /usr/share/zoneinfo), as the C library would read it; date::current_zone() only looks at
// /etc/localtime. A TZ that names no zone (a POSIX rule string) falls back to /etc/localtime.
const date::time_zone* local_zone() {
    if (const char* tz = std::getenv("TZ"); tz != nullptr && *tz != '\0') {
        std::string name = tz[0] == ':' ? tz + 1 : tz;
        const std::string dir = "/usr/share/zoneinfo/";
        if (name.starts_with(dir)) name.erase(0, dir.size());
        try {
            return date::locate_zone(name);
        } catch (const std::exception&) {
            // Not a zone name: use the system's zone, like an unset TZ.
        }
    }
    return date::current_zone();
}

}  // namespace

Result<const date::time_zone*> find_zone(const std::string& name) {
    try {
        if (!name.empty()) return date::locate_zone(name);
        return local_zone();
    } catch (const std::exception& ex) {
        if (name.empty())
            return make_error(std::string("cannot determine the local time zone: ") + ex.what());
        return make_error("unknown time zone \"" + name + "\"");
    }
}

std::string zone_name(const date::time_zone* zone) {
    return std::string(zone->name());
}

std::optional<date::sys_seconds> next_fire(const CronExpr& e, const date::time_zone* zone,
                                           date::sys_seconds after) {
    if (after < kEarliest || after >= kLatest) return std::nullopt;
    if (e.every_s > 0) return next_every(e.every_s, after);
    return e.fixed_time ? next_fixed(e, zone, after) : next_cadence(e, zone, after);
}

std::vector<date::sys_seconds> next_fires(const CronExpr& e, const date::time_zone* zone,
                                          date::sys_seconds after, std::size_t n) {
    std::vector<date::sys_seconds> out;
    out.reserve(n);
    while (out.size() < n) {
        auto t = next_fire(e, zone, after);
        if (!t) break;
        out.push_back(*t);
        after = *t;
    }
    return out;
}

std::string format_iso(date::sys_seconds t, const date::time_zone* zone) {
    seconds offset = zone->get_info(t).offset;
    date::local_seconds local = to_local(t, offset);
    return date::format("%FT%T", local) + format_offset(offset);
}

}  // namespace tend::cron
