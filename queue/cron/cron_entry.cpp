// Cron entry policies by name, entry names, and the job key of a tick.
#include "queue/cron/cron_entry.hpp"

#include <date/date.h>

#include <charconv>
#include <cstdio>
#include <cstring>

namespace tend::cron {

const char* to_string(Overlap o) {
    switch (o) {
        case Overlap::skip:
            return "skip";
        case Overlap::allow:
            return "allow";
        case Overlap::replace:
            return "replace";
    }
    return "skip";
}

const char* to_string(CatchUp c) {
    switch (c) {
        case CatchUp::none:
            return "none";
        case CatchUp::latest:
            return "latest";
        case CatchUp::all:
            return "all";
    }
    return "latest";
}

std::optional<Overlap> parse_overlap(std::string_view s) {
    if (s == "skip") return Overlap::skip;
    if (s == "allow") return Overlap::allow;
    if (s == "replace") return Overlap::replace;
    return std::nullopt;
}

std::optional<CatchUp> parse_catch_up(std::string_view s) {
    if (s == "none") return CatchUp::none;
    if (s == "latest") return CatchUp::latest;
    if (s == "all") return CatchUp::all;
    return std::nullopt;
}

bool zone_known(std::string_view name) {
    if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos)
        return false;
    std::string path = "/usr/share/zoneinfo/";
    path.append(name);
    std::FILE* f = std::fopen(path.c_str(), "rbe");
    if (!f) return false;
    char magic[4] = {};
    const bool ok = std::fread(magic, 1, 4, f) == 4 && std::memcmp(magic, "TZif", 4) == 0;
    std::fclose(f);
    return ok;
}

std::string tick_key(std::string_view name, std::string_view tick_iso) {
    std::string k = "cron:";
    k.append(name);
    k.push_back(':');
    k.append(tick_iso);
    return k;
}

namespace {
// Reads exactly `width` digits at s[pos].
bool digits(std::string_view s, std::size_t pos, std::size_t width, int& out) {
    if (pos + width > s.size()) return false;
    auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + width, out);
    return ec == std::errc() && p == s.data() + pos + width;
}
}  // namespace

std::optional<TickKey> parse_tick_key(std::string_view key) {
    if (!key.starts_with("cron:")) return std::nullopt;
    key.remove_prefix(5);
    auto colon = key.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    TickKey t{std::string(key.substr(0, colon)), 0};
    // YYYY-MM-DDTHH:MM:SS±HH:MM, as format_iso writes it.
    std::string_view iso = key.substr(colon + 1);
    int y, mo, d, h, mi, s, oh, om;
    if (iso.size() != 25 || iso[4] != '-' || iso[7] != '-' || iso[10] != 'T' || iso[13] != ':' ||
        iso[16] != ':' || (iso[19] != '+' && iso[19] != '-') || iso[22] != ':' ||
        !digits(iso, 0, 4, y) || !digits(iso, 5, 2, mo) || !digits(iso, 8, 2, d) ||
        !digits(iso, 11, 2, h) || !digits(iso, 14, 2, mi) || !digits(iso, 17, 2, s) ||
        !digits(iso, 20, 2, oh) || !digits(iso, 23, 2, om))
        return std::nullopt;
    auto ymd = date::year(y) / date::month(unsigned(mo)) / date::day(unsigned(d));
    if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
    const std::int64_t offset = (oh * 3600 + om * 60) * (iso[19] == '-' ? -1 : 1);
    const std::int64_t local =
        date::sys_days(ymd).time_since_epoch().count() * 86400 + h * 3600 + mi * 60 + s;
    t.tick_s = local - offset;
    return t;
}

}  // namespace tend::cron
