// A cron entry's definition (SPEC §7): what [cron.NAME] or `tend cron add` says, and its policies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tend::cron {

// What a tick does while the entry's last job is still pending or running.
enum class Overlap : std::uint8_t { skip = 0, allow = 1, replace = 2 };
// What happens to ticks missed while tendd was down or the clock jumped over them.
enum class CatchUp : std::uint8_t { none = 0, latest = 1, all = 2 };

const char* to_string(Overlap o);
const char* to_string(CatchUp c);
std::optional<Overlap> parse_overlap(std::string_view s);
std::optional<CatchUp> parse_catch_up(std::string_view s);

inline constexpr std::int64_t kDefaultCatchUpWindowUs = 24ll * 3600 * 1000000;

struct CronDef {
    std::string name;
    std::string schedule;  // the expression as written
    std::string timezone;  // IANA name; empty: tendd's local zone
    std::string queue = "default";
    std::vector<std::string> argv;  // argv, or {LINE} when shell
    bool shell = false;
    Overlap overlap = Overlap::skip;
    CatchUp catch_up = CatchUp::latest;
    std::int64_t catch_up_window_us = kDefaultCatchUpWindowUs;
    std::int64_t jitter_us = 0;
    // How its jobs run: the directory, the environment ("KEY=VALUE", without TEND_CRON_*), and
    // the user. Config entries: `directory` (default "/"), tendd's environment plus
    // `environment`, tendd's user. CLI entries: the adding user's cwd, environment and user.
    std::string cwd = "/";
    std::vector<std::string> env;
    std::uint32_t uid = 0, gid = 0;
    std::vector<std::uint32_t> groups;
    bool from_config = false;
    std::int64_t created_at_us = 0;  // CLI entries: when added
    bool operator==(const CronDef&) const = default;
};

// Whether the system tz database (/usr/share/zoneinfo, which date-tz reads) has a zone of this
// IANA name. A cheap check for `tend check`, which does not load the tz library.
bool zone_known(std::string_view name);

// The uniqueness key of the job of one tick, and its inverse (for replay: a committed submit
// with such a key is the durable proof that the tick fired). `tick_iso` is TEND_CRON_TIME.
std::string tick_key(std::string_view name, std::string_view tick_iso);
struct TickKey {
    std::string name;
    std::int64_t tick_s = 0;  // seconds since the epoch
};
std::optional<TickKey> parse_tick_key(std::string_view key);

}  // namespace tend::cron
