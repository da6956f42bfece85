// Matching cron fields against local civil dates and times (SPEC §7); no time zone involved.
#include <algorithm>

#include "queue/cron/cron_expr.hpp"

namespace tend::cron {
namespace {

using std::chrono::seconds;

// The search never looks further than one 400-year Gregorian cycle (plus slack for the
// partial first year): the calendar repeats after that, so nothing later can match.
constexpr date::days kSearchSpan{146097 + 366};
// Nor past the end of year 9999: ISO 8601 has four-digit years, and date::year ends at 32767.
constexpr date::local_days kEnd{date::year{10000} / 1 / 1};

unsigned last_day(date::year_month ym) {
    return static_cast<unsigned>((ym / date::last).day());
}

unsigned weekday_of(date::year_month ym, unsigned d) {
    return date::weekday{date::sys_days{ym / date::day{d}}}.c_encoding();
}

// "LW": the last day of the month, moved back to Friday if it is a weekend day.
unsigned last_weekday(date::year_month ym) {
    unsigned d = last_day(ym);
    unsigned wd = weekday_of(ym, d);
    return wd == 6 ? d - 1 : wd == 0 ? d - 2 : d;
}

// "NW" with Quartz semantics: the Monday-Friday nearest day N without leaving the month (1W on
// a Saturday is Monday the 3rd, 31W on a Sunday is Friday the 29th); 0 if the month has no N.
unsigned nearest_weekday(date::year_month ym, unsigned n) {
    unsigned last = last_day(ym);
    if (n > last) return 0;
    unsigned wd = weekday_of(ym, n);
    if (wd == 6) return n == 1 ? n + 2 : n - 1;
    if (wd == 0) return n == last ? n - 2 : n + 1;
    return n;
}

bool dom_field_matches(const CronExpr& e, date::year_month ym, unsigned d) {
    if (e.dom[d]) return true;
    if (e.dom_last && d == last_day(ym)) return true;
    if (e.dom_last_weekday && d == last_weekday(ym)) return true;
    return std::any_of(e.dom_nearest_weekday.begin(), e.dom_nearest_weekday.end(),
                       [&](int n) { return nearest_weekday(ym, static_cast<unsigned>(n)) == d; });
}

bool dow_field_matches(const CronExpr& e, date::year_month ym, unsigned d, unsigned wd) {
    if (e.dow[wd]) return true;
    if (e.dow_last[wd] && d + 7 > last_day(ym)) return true;
    int nth = static_cast<int>((d - 1) / 7 + 1);
    return std::any_of(e.dow_nth.begin(), e.dow_nth.end(), [&](const std::pair<int, int>& p) {
        return p.first == static_cast<int>(wd) && p.second == nth;
    });
}

// The lowest set bit at or above `from`, or -1.
template <size_t N>
int next_bit(const std::bitset<N>& bits, int from) {
    for (int i = std::max(from, 0); i < static_cast<int>(N); ++i)
        if (bits[static_cast<size_t>(i)]) return i;
    return -1;
}

// The first time of day at or after `tod` whose hour, minute and second match.
std::optional<seconds> first_time_from(const CronExpr& e, seconds tod) {
    int t = static_cast<int>(tod.count());
    int h0 = t / 3600, m0 = t / 60 % 60, s0 = t % 60;
    for (int h = next_bit(e.hours, h0); h >= 0; h = next_bit(e.hours, h + 1)) {
        bool first_hour = h == h0;
        for (int m = next_bit(e.minutes, first_hour ? m0 : 0); m >= 0;
             m = next_bit(e.minutes, m + 1)) {
            int s = next_bit(e.seconds, first_hour && m == m0 ? s0 : 0);
            if (s >= 0) return seconds{h * 3600 + m * 60 + s};
        }
    }
    return std::nullopt;
}

}  // namespace

bool day_matches(const CronExpr& e, date::year_month_day day) {
    if (e.every_s != 0 || !e.months[static_cast<unsigned>(day.month())]) return false;
    date::year_month ym = day.year() / day.month();
    unsigned d = static_cast<unsigned>(day.day());
    unsigned wd = date::weekday{date::sys_days{day}}.c_encoding();
    bool dom_ok = dom_field_matches(e, ym, d);
    bool dow_ok = dow_field_matches(e, ym, d, wd);
    // The Vixie rule: two restricted day fields are alternatives; otherwise both must hold.
    if (!e.dom_star && !e.dow_star) return dom_ok || dow_ok;
    return dom_ok && dow_ok;
}

std::optional<date::local_seconds> next_local_match(const CronExpr& e, date::local_seconds from) {
    if (e.every_s != 0) return std::nullopt;
    date::local_days day = date::floor<date::days>(from);
    seconds tod = from - day;
    const date::local_days stop = std::min(day + kSearchSpan, kEnd);
    while (day < stop) {
        date::year_month_day ymd{day};
        if (!e.months[static_cast<unsigned>(ymd.month())]) {
            // Skip the whole month rather than its days one by one.
            date::year_month next = ymd.year() / ymd.month() + date::months{1};
            day = date::local_days{next / 1};
            tod = seconds{0};
            continue;
        }
        if (day_matches(e, ymd)) {
            if (auto t = first_time_from(e, tod)) return day + *t;
        }
        day += date::days{1};
        tod = seconds{0};
    }
    return std::nullopt;
}

}  // namespace tend::cron
