// --at/--in parsing: a small hand-written scanner, because std::get_time accepts too much
// (missing fields, out-of-range values) to give exact errors.
#include "cmd/submit_time.hpp"

#include <limits>
#include <optional>
#include <string>

#include "supervisor/util/duration.hpp"

namespace tend::cli {

const char* const kAtForms =
    "ISO 8601 with a zone (2026-11-22T10:00:00Z, 2026-11-22T11:00+01:00), local "
    "\"YYYY-MM-DD HH:MM[:SS]\" or \"YYYY-MM-DDTHH:MM[:SS]\", or \"HH:MM[:SS]\" (today, or "
    "tomorrow once that time has passed)";

namespace {

constexpr std::int64_t kDay = 86400;

std::int64_t days_from_civil(std::int64_t y, int m, int d) {
    // Howard Hinnant's algorithm: days since 1970-01-01 in the proleptic Gregorian calendar.
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int days_in_month(std::int64_t y, int m) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : kDays[m - 1];
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

// What the scanner found; which parts are present decides the form.
struct Parsed {
    bool has_date = false;
    std::int64_t year = 0;
    int month = 0, day = 0;
    int hour = 0, minute = 0, second = 0;
    std::int64_t micros = 0;
    std::optional<long> offset_s;  // from "Z" or "+HH:MM"; none: local time
};

class Scanner {
  public:
    explicit Scanner(std::string_view s) : s_(s) {}
    bool done() const { return i_ == s_.size(); }
    char peek() const { return done() ? '\0' : s_[i_]; }
    bool eat(char c) {
        if (peek() != c) return false;
        ++i_;
        return true;
    }
    // Exactly `n` digits.
    std::optional<int> digits(int n) {
        if (s_.size() - i_ < size_t(n)) return std::nullopt;
        int v = 0;
        for (int k = 0; k < n; ++k) {
            char c = s_[i_ + size_t(k)];
            if (c < '0' || c > '9') return std::nullopt;
            v = v * 10 + (c - '0');
        }
        i_ += size_t(n);
        return v;
    }
    // A fraction of a second after '.': one digit or more (JavaScript prints 3, Go and
    // `date --rfc-3339=ns` 9, .NET 7), kept to microseconds: the rest is truncated.
    std::optional<std::int64_t> fraction() {
        std::int64_t us = 0;
        int n = 0;
        for (; !done() && peek() >= '0' && peek() <= '9'; ++i_, ++n)
            if (n < 6) us = us * 10 + (peek() - '0');
        if (n == 0) return std::nullopt;
        for (int k = n; k < 6; ++k) us *= 10;
        return us;
    }

  private:
    std::string_view s_;
    size_t i_ = 0;
};

// "HH:MM[:SS[.frac]]"
bool scan_time(Scanner& sc, Parsed& p) {
    auto h = sc.digits(2);
    if (!h || !sc.eat(':')) return false;
    auto m = sc.digits(2);
    if (!m) return false;
    p.hour = *h;
    p.minute = *m;
    if (sc.eat(':')) {
        auto s = sc.digits(2);
        if (!s) return false;
        p.second = *s;
        if (sc.eat('.')) {
            auto f = sc.fraction();
            if (!f) return false;
            p.micros = *f;
        }
    }
    return true;
}

// "Z" or "+HH:MM" / "-HH:MM" / "+HHMM"; returns false on a malformed zone.
bool scan_zone(Scanner& sc, Parsed& p) {
    if (sc.done()) return true;
    if (sc.eat('Z') || sc.eat('z')) {
        p.offset_s = 0;
        return true;
    }
    const char sign = sc.peek();
    if (sign != '+' && sign != '-') return false;
    sc.eat(sign);
    auto h = sc.digits(2);
    if (!h) return false;
    sc.eat(':');
    auto m = sc.digits(2);
    if (!m || *h > 23 || *m > 59) return false;
    p.offset_s = (sign == '-' ? -1L : 1L) * (*h * 3600L + *m * 60L);
    return true;
}

std::optional<Parsed> scan(std::string_view text) {
    Parsed p;
    Scanner sc(text);
    if (text.size() > 2 && text[2] == ':') {
        if (!scan_time(sc, p) || !sc.done()) return std::nullopt;
        return p;
    }
    auto y = sc.digits(4);
    if (!y || !sc.eat('-')) return std::nullopt;
    auto mo = sc.digits(2);
    if (!mo || !sc.eat('-')) return std::nullopt;
    auto d = sc.digits(2);
    if (!d || !(sc.eat('T') || sc.eat('t') || sc.eat(' '))) return std::nullopt;
    p.has_date = true;
    p.year = *y;
    p.month = *mo;
    p.day = *d;
    if (!scan_time(sc, p) || !scan_zone(sc, p) || !sc.done()) return std::nullopt;
    return p;
}

Error invalid(std::string_view text, const std::string& why) {
    return make_error("invalid time \"" + std::string(text) + "\": " + why);
}

std::string two(int v) {
    // (Not "0" + to_string: GCC 12 at -O3 warns about it with a false -Wrestrict.)
    std::string s = std::to_string(v);
    if (v < 10) s.insert(s.begin(), '0');
    return s;
}

// Ranges are checked after scanning, so the message can name the field that is wrong.
std::optional<std::string> range_error(const Parsed& p) {
    if (p.has_date) {
        const std::string date = std::to_string(p.year) + "-" + two(p.month) + "-" + two(p.day);
        if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > days_in_month(p.year, p.month))
            return date + " is not a date";
    }
    if (p.hour > 23) return "hour " + two(p.hour) + " is out of range (00-23)";
    if (p.minute > 59) return "minute " + two(p.minute) + " is out of range (00-59)";
    if (p.second > 59) return "second " + two(p.second) + " is out of range (00-59)";
    return std::nullopt;
}

// A local wall-clock time (seconds, as if it were UTC) to a UTC instant. Two steps, so the
// offset used is the one in force at the result; a time inside a spring-forward gap moves
// forward by the gap, as mktime does.
std::int64_t local_to_utc(std::int64_t local_s, const UtcOffsetAt& offset_at) {
    const std::int64_t guess = local_s - offset_at(local_s);
    return local_s - offset_at(guess);
}

}  // namespace

Result<std::int64_t> parse_at(std::string_view text, std::int64_t now_us,
                              const UtcOffsetAt& offset_at) {
    auto p = scan(text);
    if (!p) return invalid(text, "use " + std::string(kAtForms));
    if (auto why = range_error(*p)) return invalid(text, *why);
    const std::int64_t hms = p->hour * 3600L + p->minute * 60L + p->second;
    if (p->has_date) {
        const std::int64_t wall = days_from_civil(p->year, p->month, p->day) * kDay + hms;
        const std::int64_t utc = p->offset_s ? wall - *p->offset_s : local_to_utc(wall, offset_at);
        return utc * 1000000 + p->micros;
    }
    // Time of day: today in the local zone, or tomorrow once it has passed.
    const std::int64_t now_s = floor_div(now_us, 1000000);
    const std::int64_t today = floor_div(now_s + offset_at(now_s), kDay);
    std::int64_t at = local_to_utc(today * kDay + hms, offset_at) * 1000000 + p->micros;
    if (at < now_us) at = local_to_utc((today + 1) * kDay + hms, offset_at) * 1000000 + p->micros;
    return at;
}

Result<std::int64_t> parse_at(std::string_view text, std::int64_t now_us, long utc_offset_s) {
    return parse_at(text, now_us, [utc_offset_s](std::int64_t) { return utc_offset_s; });
}

Result<std::int64_t> parse_in(std::string_view text, std::int64_t now_us) {
    auto d = parse_duration(text);
    if (!d) return make_error(d.error());
    // parse_duration allows up to INT64_MAX µs; the sum must not overflow (found by tests/fuzz).
    if (now_us > std::numeric_limits<std::int64_t>::max() - d->count())
        return make_error("invalid duration \"" + std::string(text) + "\": too far in the future");
    return now_us + static_cast<std::int64_t>(d->count());
}

Result<std::int64_t> parse_iso8601(std::string_view text) {
    auto p = scan(text);
    if (!p || !p->has_date || !p->offset_s)
        return invalid(text, "not an ISO 8601 time with a zone");
    if (auto why = range_error(*p)) return invalid(text, *why);
    const std::int64_t wall = days_from_civil(p->year, p->month, p->day) * kDay + p->hour * 3600L +
                              p->minute * 60L + p->second;
    return (wall - *p->offset_s) * 1000000 + p->micros;
}

}  // namespace tend::cli
