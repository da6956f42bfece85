// Parsing of cron expressions (SPEC §7) into CronExpr: fields, day specials, macros, @every.
#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>

#include "queue/cron/cron_expr.hpp"
#include "supervisor/util/duration.hpp"

namespace tend::cron {
namespace {

enum class Field { kSecond, kMinute, kHour, kDom, kMonth, kDow };

// hi is the largest value accepted as written (7 for Sunday in day-of-week); star_hi is where
// "*" and "N/S" end, so that "*/2" in day-of-week does not count Sunday twice.
struct FieldSpec {
    const char* name;
    int lo;
    int hi;
    int star_hi;
};

constexpr std::array<FieldSpec, 6> kSpecs = {{{"second", 0, 59, 59},
                                              {"minute", 0, 59, 59},
                                              {"hour", 0, 23, 23},
                                              {"day-of-month", 1, 31, 31},
                                              {"month", 1, 12, 12},
                                              {"day-of-week", 0, 7, 6}}};

constexpr std::array<const char*, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                     "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char*, 7> kDowNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

// Values of one field before they are copied into the CronExpr bitset of the right width.
using Bits = std::bitset<64>;

// One field being parsed: which it is, and its number as the user counts (1-based, with
// the seconds field only counted when it was written).
struct Ctx {
    Field field;
    int number;
    const FieldSpec& spec() const { return kSpecs[static_cast<int>(field)]; }
    Error fail(const std::string& why) const {
        return make_error("field " + std::to_string(number) + " (" + spec().name + "): " + why);
    }
};

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_blank(text[i])) ++i;
        size_t start = i;
        while (i < text.size() && !is_blank(text[i])) ++i;
        if (i > start) words.push_back(text.substr(start, i - start));
    }
    return words;
}

std::vector<std::string_view> split_on(std::string_view text, char sep) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (size_t pos; (pos = text.find(sep, start)) != std::string_view::npos; start = pos + 1)
        parts.push_back(text.substr(start, pos - start));
    parts.push_back(text.substr(start));
    return parts;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
    });
}

template <size_t N>
int find_name(const std::array<const char*, N>& names, const std::string& u) {
    for (size_t i = 0; i < N; ++i)
        if (u == names[i]) return static_cast<int>(i);
    return -1;
}

// A number or (in month and day-of-week) a name; range-checked against the field.
Result<int> parse_value(const Ctx& ctx, std::string_view tok) {
    const FieldSpec& spec = ctx.spec();
    std::string u = upper(tok);
    if (ctx.field == Field::kMonth && find_name(kMonthNames, u) >= 0)
        return find_name(kMonthNames, u) + 1;
    if (ctx.field == Field::kDow && find_name(kDowNames, u) >= 0) return find_name(kDowNames, u);
    if (!all_digits(tok)) {
        if (ctx.field == Field::kMonth)
            return ctx.fail("\"" + std::string(tok) + "\" is not a month (1-12 or JAN-DEC)");
        if (ctx.field == Field::kDow)
            return ctx.fail("\"" + std::string(tok) +
                            "\" is not a day of the week (0-7 or SUN-SAT)");
        return ctx.fail("\"" + std::string(tok) + "\" is not a number");
    }
    // Long digit strings are out of range anyway; stop before they overflow an int.
    int v = tok.size() > 4 ? spec.hi + 1 : std::stoi(std::string(tok));
    if (v < spec.lo || v > spec.hi)
        return ctx.fail(std::string(tok) + " is out of range " + std::to_string(spec.lo) + "-" +
                        std::to_string(spec.hi));
    return v;
}

Result<int> parse_step(const Ctx& ctx, std::string_view item, std::string_view tok) {
    if (!all_digits(tok))
        return ctx.fail(std::string(item) + ": the step \"" + std::string(tok) +
                        "\" is not a number");
    int step = tok.size() > 4 ? 10000 : std::stoi(std::string(tok));
    if (step == 0) return ctx.fail(std::string(item) + ": the step must be at least 1");
    return step;
}

// "*", "?", "N", "N-M", each with an optional "/S"; sets the matching values in `bits`.
Status parse_range(const Ctx& ctx, std::string_view item, Bits& bits) {
    const FieldSpec& spec = ctx.spec();
    std::vector<std::string_view> parts = split_on(item, '/');
    if (parts.size() > 2) return ctx.fail(std::string(item) + " has more than one '/'");
    std::string_view base = parts[0];
    int lo, hi;
    if (base == "*" || base == "?") {
        lo = spec.lo;
        hi = spec.star_hi;
    } else if (std::vector<std::string_view> ends = split_on(base, '-'); ends.size() == 2) {
        auto a = parse_value(ctx, ends[0]);
        if (!a) return make_error(a.error());
        auto b = parse_value(ctx, ends[1]);
        if (!b) return make_error(b.error());
        if (*a > *b) return ctx.fail("range " + std::string(base) + " is backwards");
        lo = *a;
        hi = *b;
    } else if (ends.size() > 2) {
        return ctx.fail("\"" + std::string(base) + "\" is not a range");
    } else {
        auto v = parse_value(ctx, base);
        if (!v) return make_error(v.error());
        lo = *v;
        hi = parts.size() == 2 ? std::max(*v, spec.star_hi) : *v;  // "N/S" runs to the end
    }
    int step = 1;
    if (parts.size() == 2) {
        auto s = parse_step(ctx, item, parts[1]);
        if (!s) return make_error(s.error());
        step = *s;
    }
    for (int v = lo; v <= hi; v += step) bits.set(static_cast<size_t>(v));
    return ok_status();
}

// The special forms (L, LW, nW, n#k, nL) are only meaningful in one day field; saying which
// one beats "not a number".
std::optional<std::string> misplaced_special(const Ctx& ctx, const std::string& u) {
    if (u.empty()) return std::nullopt;
    std::string_view head = std::string_view(u).substr(0, u.size() - 1);
    bool dom_form = u == "L" || u == "LW" || (u.back() == 'W' && all_digits(head));
    bool dow_form = u.find('#') != std::string::npos ||
                    (u.size() > 1 && u.back() == 'L' &&
                     (all_digits(head) || find_name(kDowNames, std::string(head)) >= 0));
    if (dom_form && ctx.field != Field::kDom) {
        if (ctx.field == Field::kDow && u == "L") return "L needs a weekday before it (5L, FRIL)";
        return u + " is only allowed in the day-of-month field";
    }
    if (dow_form && ctx.field != Field::kDow)
        return u + " is only allowed in the day-of-week field";
    if (u.starts_with('?') && ctx.field != Field::kDom && ctx.field != Field::kDow)
        return "? is only allowed in the day-of-month and day-of-week fields";
    return std::nullopt;
}

// L, LW, nW; true if `item` was one of them.
Result<bool> parse_dom_special(const Ctx& ctx, std::string_view item, CronExpr& e) {
    std::string u = upper(item);
    if (u == "L") return e.dom_last = true;
    if (u == "LW") return e.dom_last_weekday = true;
    if (u.size() < 2 || u.back() != 'W') return false;
    auto day = parse_value(ctx, item.substr(0, item.size() - 1));
    if (!day) return make_error(day.error());
    e.dom_nearest_weekday.push_back(*day);
    return true;
}

// n#k and nL (n a number or a name); true if `item` was one of them.
Result<bool> parse_dow_special(const Ctx& ctx, std::string_view item, CronExpr& e) {
    size_t hash = item.find('#');
    if (hash != std::string_view::npos) {
        auto wd = parse_value(ctx, item.substr(0, hash));
        if (!wd) return make_error(wd.error());
        std::string_view nth = item.substr(hash + 1);
        if (!all_digits(nth) || nth.size() > 1 || nth[0] < '1' || nth[0] > '5')
            return ctx.fail(std::string(item) + ": the occurrence after # must be 1-5");
        e.dow_nth.emplace_back(*wd % 7, nth[0] - '0');
        return true;
    }
    if (item.size() < 2 || std::toupper(static_cast<unsigned char>(item.back())) != 'L')
        return false;
    auto wd = parse_value(ctx, item.substr(0, item.size() - 1));
    if (!wd) return make_error(wd.error());
    e.dow_last.set(static_cast<size_t>(*wd % 7));
    return true;
}

Status parse_item(const Ctx& ctx, std::string_view item, CronExpr& e, Bits& bits) {
    if (item.empty()) return ctx.fail("empty list item");
    if (auto why = misplaced_special(ctx, upper(item))) return ctx.fail(*why);
    if (ctx.field == Field::kDom || ctx.field == Field::kDow) {
        auto special = ctx.field == Field::kDom ? parse_dom_special(ctx, item, e)
                                                : parse_dow_special(ctx, item, e);
        if (!special) return make_error(special.error());
        if (*special) return ok_status();
    }
    return parse_range(ctx, item, bits);
}

Result<Bits> parse_field(const Ctx& ctx, std::string_view text, CronExpr& e) {
    Bits bits;
    for (std::string_view item : split_on(text, ',')) {
        auto st = parse_item(ctx, item, e, bits);
        if (!st) return make_error(st.error());
    }
    return bits;
}

template <size_t N>
std::bitset<N> narrow(const Bits& bits) {
    std::bitset<N> out;
    for (size_t i = 0; i < N; ++i) out[i] = bits[i];
    return out;
}

// Copies a parsed field into its place in the CronExpr.
void store_field(Field f, const Bits& bits, CronExpr& e) {
    switch (f) {
        case Field::kSecond:
            e.seconds = narrow<60>(bits);
            break;
        case Field::kMinute:
            e.minutes = narrow<60>(bits);
            break;
        case Field::kHour:
            e.hours = narrow<24>(bits);
            break;
        case Field::kDom:
            e.dom = narrow<32>(bits);
            break;
        case Field::kMonth:
            e.months = narrow<13>(bits);
            break;
        case Field::kDow:
            e.dow = narrow<7>(bits);
            if (bits[7]) e.dow.set(0);  // 7 is Sunday too
            break;
    }
}

int days_in_month_max(int month) {
    static constexpr std::array<int, 13> kDays = {0,  31, 29, 31, 30, 31, 30,
                                                  31, 31, 30, 31, 30, 31};
    return kDays[static_cast<size_t>(month)];
}

// Whether the day-of-month field alone can match some day of `month` (in some year).
bool dom_fits_month(const CronExpr& e, int month) {
    int max_day = days_in_month_max(month);
    if (e.dom_last || e.dom_last_weekday) return true;
    for (int d = 1; d <= max_day; ++d)
        if (e.dom[static_cast<size_t>(d)]) return true;
    return std::any_of(e.dom_nearest_weekday.begin(), e.dom_nearest_weekday.end(),
                       [&](int d) { return d <= max_day; });
}

// Why an expression with no matching day never fires, as precisely as we can tell.
std::string never_fires_reason(const CronExpr& e, std::string_view dom_text) {
    bool dom_fits = false;
    std::string nums, names;
    for (int m = 1; m <= 12; ++m) {
        if (!e.months[static_cast<size_t>(m)]) continue;
        dom_fits = dom_fits || dom_fits_month(e, m);
        nums += (nums.empty() ? "" : ",") + std::to_string(m);
        names += (names.empty() ? "" : ",") + std::string(kMonthNames[static_cast<size_t>(m - 1)]);
    }
    if (!dom_fits) {
        bool several = nums.find(',') != std::string::npos;
        return "no date matches day-of-month " + std::string(dom_text) + " in month" +
               (several ? "s " : " ") + nums + " (" + names + ")";
    }
    return "no date matches its day-of-month, month and day-of-week fields";
}

// A whole 400-year Gregorian cycle repeats forever, so if no day of it matches, none ever will.
bool some_day_matches(const CronExpr& e) {
    date::sys_days start = date::sys_days{date::year{2000} / 1 / 1};
    for (int i = 0; i < 146097; ++i)
        if (day_matches(e, date::year_month_day{start + date::days{i}})) return true;
    return false;
}

Result<CronExpr> parse_fields(std::string_view trimmed, const std::vector<std::string_view>& w) {
    if (w.size() != 5 && w.size() != 6)
        return make_error("expected 5 or 6 fields, got " + std::to_string(w.size()));
    CronExpr e;
    e.text = std::string(trimmed);
    size_t skip = w.size() == 5 ? 1 : 0;  // five fields: no seconds, and the minute is field 1
    if (skip) e.seconds.set(0);
    for (size_t i = skip; i < 6; ++i) {
        Ctx ctx{static_cast<Field>(i), static_cast<int>(i - skip + 1)};
        std::string_view text = w[i - skip];
        auto bits = parse_field(ctx, text, e);
        if (!bits) return make_error(bits.error());
        store_field(ctx.field, *bits, e);
    }
    std::string_view dom_text = w[3 - skip], dow_text = w[5 - skip];
    e.dom_star = dom_text[0] == '*' || dom_text[0] == '?';
    e.dow_star = dow_text[0] == '*' || dow_text[0] == '?';
    e.fixed_time = e.seconds.count() == 1 && e.minutes.count() == 1 && e.hours.count() == 1;
    if (!some_day_matches(e))
        return make_error("can never fire: " + never_fires_reason(e, dom_text));
    return e;
}

Result<CronExpr> parse_every(std::string_view trimmed, const std::vector<std::string_view>& w) {
    if (w.size() != 2)
        return make_error("@every takes one duration (e.g. @every 90s), got " +
                          std::to_string(w.size() - 1) + " words");
    auto d = parse_duration(w[1]);
    if (!d) return make_error("@every: " + d.error());
    if (*d < std::chrono::seconds(1))
        return make_error("@every: " + std::string(w[1]) + " is less than 1s");
    if (*d % std::chrono::seconds(1) != Usec(0))
        return make_error("@every: " + std::string(w[1]) + " is not a whole number of seconds");
    CronExpr e;
    e.text = std::string(trimmed);
    e.every_s = std::chrono::duration_cast<std::chrono::seconds>(*d).count();
    return e;
}

Result<CronExpr> parse_macro(std::string_view trimmed, const std::vector<std::string_view>& w) {
    std::string name = upper(w[0]);
    if (name == "@EVERY") return parse_every(trimmed, w);
    static constexpr std::array<std::pair<const char*, const char*>, 7> kMacros = {{
        {"@YEARLY", "0 0 0 1 1 *"},
        {"@ANNUALLY", "0 0 0 1 1 *"},
        {"@MONTHLY", "0 0 0 1 * *"},
        {"@WEEKLY", "0 0 0 * * 0"},
        {"@DAILY", "0 0 0 * * *"},
        {"@MIDNIGHT", "0 0 0 * * *"},
        {"@HOURLY", "0 0 * * * *"},
    }};
    for (const auto& [macro, fields] : kMacros) {
        if (name != macro) continue;
        if (w.size() != 1) return make_error(std::string(w[0]) + " takes no fields");
        auto e = parse_fields(fields, split_words(fields));
        if (e) e->text = std::string(trimmed);
        return e;
    }
    return make_error("unknown macro \"" + std::string(w[0]) +
                      "\" (known: @yearly @annually @monthly @weekly @daily @midnight @hourly "
                      "@every)");
}

}  // namespace

Result<CronExpr> parse_cron(std::string_view text) {
    std::vector<std::string_view> words = split_words(text);
    if (words.empty()) return make_error("empty expression");
    std::string_view trimmed = text.substr(
        static_cast<size_t>(words.front().data() - text.data()),
        static_cast<size_t>(words.back().data() + words.back().size() - words.front().data()));
    if (words[0][0] == '@') return parse_macro(trimmed, words);
    return parse_fields(trimmed, words);
}

}  // namespace tend::cron
