// Parsing and printing of durations and sizes used throughout tend.toml and the CLI.
#include "supervisor/util/duration.hpp"

#include <cctype>
#include <limits>

namespace tend {
namespace {

// Reads an unsigned decimal at text[pos]; false when there is none or it overflows.
bool read_number(std::string_view text, size_t& pos, std::uint64_t& out) {
    size_t start = pos;
    out = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
        std::uint64_t digit = static_cast<std::uint64_t>(text[pos] - '0');
        if (out > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
        out = out * 10 + digit;
        ++pos;
    }
    return pos > start;
}

}  // namespace

Result<Usec> parse_duration(std::string_view text) {
    auto bad = [&](std::string why) {
        return make_error("invalid duration \"" + std::string(text) + "\": " + why +
                          " (examples: \"250ms\", \"30s\", \"5m\", \"2h\", \"1d\")");
    };
    if (text.empty()) return bad("empty");
    if (text == "0") return Usec(0);
    size_t pos = 0;
    std::uint64_t total = 0;
    while (pos < text.size()) {
        std::uint64_t n;
        if (!read_number(text, pos, n)) return bad("expected a number");
        size_t unit_start = pos;
        while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
        std::string_view unit = text.substr(unit_start, pos - unit_start);
        std::uint64_t mult;
        if (unit == "us")
            mult = 1;
        else if (unit == "ms")
            mult = 1000;
        else if (unit == "s")
            mult = 1000000;
        else if (unit == "m")
            mult = 60ull * 1000000;
        else if (unit == "h")
            mult = 3600ull * 1000000;
        else if (unit == "d")
            mult = 86400ull * 1000000;
        else if (unit.empty())
            return bad("missing unit");
        else
            return bad("unknown unit \"" + std::string(unit) + "\"");
        // Cap at about 292 years worth of microseconds to keep arithmetic in int64.
        if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / mult ||
            total + n * mult > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return bad("too large");
        total += n * mult;
    }
    return Usec(static_cast<std::int64_t>(total));
}

Result<std::uint64_t> parse_size(std::string_view text) {
    auto bad = [&](std::string why) {
        return make_error("invalid size \"" + std::string(text) + "\": " + why +
                          " (examples: \"512KB\", \"10MB\", \"1GB\")");
    };
    size_t pos = 0;
    std::uint64_t n;
    if (!read_number(text, pos, n)) return bad("expected a number");
    std::string_view unit = text.substr(pos);
    std::uint64_t mult;
    if (unit.empty() || unit == "B")
        mult = 1;
    else if (unit == "K" || unit == "KB" || unit == "KiB")
        mult = 1ull << 10;
    else if (unit == "M" || unit == "MB" || unit == "MiB")
        mult = 1ull << 20;
    else if (unit == "G" || unit == "GB" || unit == "GiB")
        mult = 1ull << 30;
    else
        return bad("unknown unit \"" + std::string(unit) + "\"");
    if (n > std::numeric_limits<std::uint64_t>::max() / mult) return bad("too large");
    return n * mult;
}

std::string format_duration(Usec d) {
    auto us = d.count();
    if (us == 0) return "0s";
    struct Unit {
        std::int64_t mult;
        const char* name;
    };
    static constexpr Unit units[] = {{86400000000, "d"}, {3600000000, "h"}, {60000000, "m"},
                                     {1000000, "s"},     {1000, "ms"},      {1, "us"}};
    for (const auto& u : units)
        if (us % u.mult == 0) return std::to_string(us / u.mult) + u.name;
    return std::to_string(us) + "us";
}

}  // namespace tend
