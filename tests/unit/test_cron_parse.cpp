// Cron expression parsing (SPEC §7): every accepted form, and the messages for bad ones.
#include <catch2/catch.hpp>

#include "queue/cron/cron_expr.hpp"

using namespace tend::cron;

namespace {

CronExpr parsed(const char* text) {
    auto r = parse_cron(text);
    INFO(text);
    if (!r.ok()) FAIL(r.error());
    return r.value();
}

std::string error_of(const char* text) {
    auto r = parse_cron(text);
    INFO(text);
    REQUIRE_FALSE(r.ok());
    return r.error();
}

// The set bits of a field as a list, to compare with a literal.
template <size_t N>
std::vector<int> values(const std::bitset<N>& bits) {
    std::vector<int> out;
    for (size_t i = 0; i < N; ++i)
        if (bits[i]) out.push_back(static_cast<int>(i));
    return out;
}

using V = std::vector<int>;

}  // namespace

TEST_CASE("five fields: minute hour day-of-month month day-of-week, seconds {0}", "[cron]") {
    CronExpr e = parsed("30 9 * * *");
    CHECK(e.text == "30 9 * * *");
    CHECK(values(e.seconds) == V{0});
    CHECK(values(e.minutes) == V{30});
    CHECK(values(e.hours) == V{9});
    CHECK(e.dom.count() == 31);
    CHECK_FALSE(e.dom[0]);
    CHECK(e.months.count() == 12);
    CHECK(e.dow.count() == 7);
    CHECK(e.dom_star);
    CHECK(e.dow_star);
    CHECK(e.fixed_time);
    CHECK(e.every_s == 0);
}

TEST_CASE("six fields have a leading seconds field", "[cron]") {
    CronExpr e = parsed("15,45 0 12 1 1 *");
    CHECK(values(e.seconds) == V{15, 45});
    CHECK(values(e.minutes) == V{0});
    CHECK(values(e.hours) == V{12});
    CHECK_FALSE(e.fixed_time);  // two seconds
    CHECK(parsed("5 0 12 1 1 *").fixed_time);
}

TEST_CASE("any run of blanks separates fields; the text is kept trimmed", "[cron]") {
    CronExpr e = parsed("  \t0\t\t*/15   * *  *\t ");
    CHECK(e.text == "0\t\t*/15   * *  *");
    CHECK(values(e.minutes) == V{0});
    CHECK(values(e.hours) == V{0, 15});
}

TEST_CASE("lists, ranges and steps", "[cron]") {
    CHECK(values(parsed("1,2,5-7 * * * *").minutes) == V{1, 2, 5, 6, 7});
    CHECK(values(parsed("*/20 * * * *").minutes) == V{0, 20, 40});
    CHECK(values(parsed("10-30/10 * * * *").minutes) == V{10, 20, 30});
    CHECK(values(parsed("45/5 * * * *").minutes) == V{45, 50, 55});  // N/S runs to the end
    CHECK(values(parsed("0 */5 * * *").hours) == V{0, 5, 10, 15, 20});
    CHECK(values(parsed("0 0 1-31/10 * *").dom) == V{1, 11, 21, 31});
    CHECK(values(parsed("0 0 * */4 *").months) == V{1, 5, 9});
    CHECK(values(parsed("0 0 * * */2").dow) == V{0, 2, 4, 6});
    CHECK(values(parsed("*/30 0 0 * * *").seconds) == V{0, 30});
    CHECK(values(parsed("0 1-3,*/12 * * *").hours) == V{0, 1, 2, 3, 12});
    CHECK(values(parsed("07 * * * *").minutes) == V{7});
    CHECK(values(parsed("0-59/61 * * * *").minutes) == V{0});  // a big step keeps the start
}

TEST_CASE("month and weekday names, any case, also in ranges", "[cron]") {
    CHECK(values(parsed("0 0 1 jan,Jul,DEC *").months) == V{1, 7, 12});
    CHECK(values(parsed("0 0 1 MAR-may *").months) == V{3, 4, 5});
    CHECK(values(parsed("0 0 * * MON-FRI").dow) == V{1, 2, 3, 4, 5});
    CHECK(values(parsed("0 0 * * sun,Sat").dow) == V{0, 6});
    CHECK(values(parsed("0 0 * * TUE/2").dow) == V{2, 4, 6});
}

TEST_CASE("Sunday is 0 or 7; 1-7 is every day", "[cron]") {
    CHECK(values(parsed("0 0 * * 7").dow) == V{0});
    CHECK(values(parsed("0 0 * * 0").dow) == V{0});
    CHECK(values(parsed("0 0 * * 1-7").dow) == V{0, 1, 2, 3, 4, 5, 6});
    CHECK(values(parsed("0 0 * * 5-7").dow) == V{0, 5, 6});
    CHECK(parsed("0 0 * * 7#1").dow_nth == std::vector<std::pair<int, int>>{{0, 1}});
    CHECK(values(parsed("0 0 * * 7L").dow_last) == V{0});
}

TEST_CASE("? is * in the day fields; the Vixie star follows the text", "[cron]") {
    CronExpr q = parsed("0 0 ? * MON");
    CHECK(q.dom.count() == 31);
    CHECK(q.dom_star);
    CHECK_FALSE(q.dow_star);
    CHECK(parsed("0 0 1 * ?").dow_star);
    CHECK_FALSE(parsed("0 0 1 * ?").dom_star);
    CronExpr step = parsed("0 0 */2 * */3");  // "*/2" is unrestricted for the Vixie rule
    CHECK(step.dom_star);
    CHECK(step.dow_star);
    CronExpr both = parsed("0 0 1-31 * 0-6");  // all values, but written without a star
    CHECK_FALSE(both.dom_star);
    CHECK_FALSE(both.dow_star);
}

TEST_CASE("day-of-month specials L, LW and nW, alone and in lists", "[cron]") {
    CronExpr l = parsed("0 0 L * *");
    CHECK(l.dom_last);
    CHECK(l.dom.none());
    CHECK_FALSE(l.dom_star);
    CHECK(parsed("0 0 lw * *").dom_last_weekday);
    CHECK(parsed("0 0 15W * *").dom_nearest_weekday == V{15});
    CronExpr mixed = parsed("0 0 1,15,L * *");
    CHECK(values(mixed.dom) == V{1, 15});
    CHECK(mixed.dom_last);
    CronExpr w = parsed("0 0 1W,31w,LW * *");
    CHECK(w.dom_nearest_weekday == V{1, 31});
    CHECK(w.dom_last_weekday);
    CHECK(w.dom.none());
}

TEST_CASE("day-of-week specials n#k and nL, alone and in lists", "[cron]") {
    using P = std::vector<std::pair<int, int>>;
    CHECK(parsed("0 0 * * FRI#2").dow_nth == P{{5, 2}});
    CHECK(parsed("0 0 * * 1#1,mon#3").dow_nth == P{{1, 1}, {1, 3}});
    CHECK(values(parsed("0 0 * * 5L").dow_last) == V{5});
    CHECK(values(parsed("0 0 * * FRIL,monl").dow_last) == V{1, 5});
    CronExpr mixed = parsed("0 0 * * SAT,FRI#5,1L");
    CHECK(values(mixed.dow) == V{6});
    CHECK(mixed.dow_nth == P{{5, 5}});
    CHECK(values(mixed.dow_last) == V{1});
    CHECK_FALSE(mixed.dow_star);
}

TEST_CASE("macros, any case", "[cron]") {
    auto same = [](const char* macro, const char* fields) {
        CronExpr m = parsed(macro), f = parsed(fields);
        INFO(macro);
        CHECK(m.text == macro);
        CHECK(m.seconds == f.seconds);
        CHECK(m.minutes == f.minutes);
        CHECK(m.hours == f.hours);
        CHECK(m.dom == f.dom);
        CHECK(m.months == f.months);
        CHECK(m.dow == f.dow);
        CHECK(m.fixed_time == f.fixed_time);
    };
    same("@yearly", "0 0 0 1 1 *");
    same("@annually", "0 0 0 1 1 *");
    same("@monthly", "0 0 0 1 * *");
    same("@weekly", "0 0 0 * * 0");
    same("@daily", "0 0 0 * * *");
    same("@midnight", "0 0 0 * * *");
    same("@HOURLY", "0 0 * * * *");
    CHECK(parsed("@Daily").fixed_time);
    CHECK_FALSE(parsed("@hourly").fixed_time);
}

TEST_CASE("@every takes a whole number of seconds, at least 1s", "[cron]") {
    CronExpr e = parsed("@every 90s");
    CHECK(e.every_s == 90);
    CHECK_FALSE(e.fixed_time);
    CHECK(parsed("@EVERY 1m30s").every_s == 90);
    CHECK(parsed("@every 1d").every_s == 86400);
    CHECK(parsed("@every 1000ms").every_s == 1);
    CHECK(error_of("@every 0s") == "@every: 0s is less than 1s");
    CHECK(error_of("@every 500ms") == "@every: 500ms is less than 1s");
    CHECK(error_of("@every 1500ms") == "@every: 1500ms is not a whole number of seconds");
    CHECK(error_of("@every") == "@every takes one duration (e.g. @every 90s), got 0 words");
    CHECK(error_of("@every 1m 30s") == "@every takes one duration (e.g. @every 90s), got 2 words");
    CHECK(error_of("@every soon").starts_with("@every: invalid duration \"soon\""));
}

TEST_CASE("bad macros are named", "[cron]") {
    CHECK(error_of("@fortnightly") ==
          "unknown macro \"@fortnightly\" (known: @yearly @annually @monthly @weekly @daily "
          "@midnight @hourly @every)");
    CHECK(error_of("@daily 5") == "@daily takes no fields");
}

TEST_CASE("field counts", "[cron]") {
    CHECK(error_of("") == "empty expression");
    CHECK(error_of(" \t ") == "empty expression");
    CHECK(error_of("* * * *") == "expected 5 or 6 fields, got 4");
    CHECK(error_of("* * * * * * *") == "expected 5 or 6 fields, got 7");
}

TEST_CASE("errors name the field as the user counts it, and the token", "[cron]") {
    CHECK(error_of("60 * * * *") == "field 1 (minute): 60 is out of range 0-59");
    CHECK(error_of("0 60 * * * *") == "field 2 (minute): 60 is out of range 0-59");
    CHECK(error_of("60 0 * * * *") == "field 1 (second): 60 is out of range 0-59");
    CHECK(error_of("0 24 * * *") == "field 2 (hour): 24 is out of range 0-23");
    CHECK(error_of("0 0 0 * *") == "field 3 (day-of-month): 0 is out of range 1-31");
    CHECK(error_of("0 0 32 * *") == "field 3 (day-of-month): 32 is out of range 1-31");
    CHECK(error_of("0 0 * 13 *") == "field 4 (month): 13 is out of range 1-12");
    CHECK(error_of("0 0 * * 8") == "field 5 (day-of-week): 8 is out of range 0-7");
    CHECK(error_of("0 0 * * * 8") == "field 6 (day-of-week): 8 is out of range 0-7");
    CHECK(error_of("99999999999 * * * *") == "field 1 (minute): 99999999999 is out of range 0-59");
}

TEST_CASE("letters and junk in numeric fields", "[cron]") {
    CHECK(error_of("x * * * *") == "field 1 (minute): \"x\" is not a number");
    CHECK(error_of("0 MON * * *") == "field 2 (hour): \"MON\" is not a number");
    CHECK(error_of("0 0 5x * *") == "field 3 (day-of-month): \"5x\" is not a number");
    CHECK(error_of("0 0 * FOO *") == "field 4 (month): \"FOO\" is not a month (1-12 or JAN-DEC)");
    CHECK(error_of("0 0 * * FUN") ==
          "field 5 (day-of-week): \"FUN\" is not a day of the week (0-7 or SUN-SAT)");
    CHECK(error_of("0 0 * * MONDAY") ==
          "field 5 (day-of-week): \"MONDAY\" is not a day of the week (0-7 or SUN-SAT)");
    CHECK(error_of("-5 * * * *") == "field 1 (minute): \"\" is not a number");
    CHECK(error_of("1,,2 * * * *") == "field 1 (minute): empty list item");
    CHECK(error_of("1, * * * *") == "field 1 (minute): empty list item");
    CHECK(error_of("1-2-3 * * * *") == "field 1 (minute): \"1-2-3\" is not a range");
    CHECK(error_of("*/5/2 * * * *") == "field 1 (minute): */5/2 has more than one '/'");
}

TEST_CASE("steps and ranges", "[cron]") {
    CHECK(error_of("*/0 * * * *") == "field 1 (minute): */0: the step must be at least 1");
    CHECK(error_of("0 1-5/0 * * *") == "field 2 (hour): 1-5/0: the step must be at least 1");
    CHECK(error_of("*/x * * * *") == "field 1 (minute): */x: the step \"x\" is not a number");
    CHECK(error_of("*/ * * * *") == "field 1 (minute): */: the step \"\" is not a number");
    CHECK(error_of("30-10 * * * *") == "field 1 (minute): range 30-10 is backwards");
    CHECK(error_of("0 0 * * FRI-TUE") == "field 5 (day-of-week): range FRI-TUE is backwards");
    CHECK(error_of("0 0 * * 5-2") == "field 5 (day-of-week): range 5-2 is backwards");
    CHECK(error_of("0 0 * DEC-JAN *") == "field 4 (month): range DEC-JAN is backwards");
}

TEST_CASE("special forms outside their field", "[cron]") {
    CHECK(error_of("0 0 * L *") == "field 4 (month): L is only allowed in the day-of-month field");
    CHECK(error_of("L * * * *") == "field 1 (minute): L is only allowed in the day-of-month field");
    CHECK(error_of("0 0 * * L") == "field 5 (day-of-week): L needs a weekday before it (5L, FRIL)");
    CHECK(error_of("0 0 * * LW") ==
          "field 5 (day-of-week): LW is only allowed in the day-of-month field");
    CHECK(error_of("0 0 * * 15W") ==
          "field 5 (day-of-week): 15W is only allowed in the day-of-month field");
    CHECK(error_of("0 0 5L * *") ==
          "field 3 (day-of-month): 5L is only allowed in the day-of-week field");
    CHECK(error_of("0 0 1#2 * *") ==
          "field 3 (day-of-month): 1#2 is only allowed in the day-of-week field");
    CHECK(error_of("0 0 * 5L *") == "field 4 (month): 5L is only allowed in the day-of-week field");
    CHECK(error_of("0 ? * * *") ==
          "field 2 (hour): ? is only allowed in the day-of-month and day-of-week fields");
    CHECK(error_of("?/5 0 * * *") ==
          "field 1 (minute): ? is only allowed in the day-of-month and day-of-week fields");
    CHECK(values(parsed("0 0 1 JUL *").months) == V{7});  // a month name ending in L is fine
}

TEST_CASE("bad day specials", "[cron]") {
    CHECK(error_of("0 0 * * FRI#6") ==
          "field 5 (day-of-week): FRI#6: the occurrence after # must be 1-5");
    CHECK(error_of("0 0 * * 5#0") ==
          "field 5 (day-of-week): 5#0: the occurrence after # must be 1-5");
    CHECK(error_of("0 0 * * 5#") ==
          "field 5 (day-of-week): 5#: the occurrence after # must be 1-5");
    CHECK(error_of("0 0 * * 8#1") == "field 5 (day-of-week): 8 is out of range 0-7");
    CHECK(error_of("0 0 * * XL") ==
          "field 5 (day-of-week): \"X\" is not a day of the week (0-7 or SUN-SAT)");
    CHECK(error_of("0 0 32W * *") == "field 3 (day-of-month): 32 is out of range 1-31");
    CHECK(error_of("0 0 0W * *") == "field 3 (day-of-month): 0 is out of range 1-31");
    CHECK(error_of("0 0 W * *") == "field 3 (day-of-month): \"W\" is not a number");
}

TEST_CASE("an expression that can never fire is an error", "[cron]") {
    CHECK(error_of("0 0 30 2 *") ==
          "can never fire: no date matches day-of-month 30 in month 2 (FEB)");
    CHECK(error_of("0 0 31 2 *") ==
          "can never fire: no date matches day-of-month 31 in month 2 (FEB)");
    CHECK(error_of("0 0 31 4,6,9,11 *") ==
          "can never fire: no date matches day-of-month 31 in months 4,6,9,11 (APR,JUN,SEP,NOV)");
    CHECK(error_of("0 0 30,31 feb *") ==
          "can never fire: no date matches day-of-month 30,31 in month 2 (FEB)");
    CHECK(error_of("0 0 30W 2 *") ==
          "can never fire: no date matches day-of-month 30W in month 2 (FEB)");
    // A star step in day-of-month keeps both day fields required: 1, 4, ..., 28 AND the fifth
    // Monday of February, which can only be the 29th.
    CHECK(error_of("0 0 */3 2 MON#5") ==
          "can never fire: no date matches its day-of-month, month and day-of-week fields");
}

TEST_CASE("rare but possible dates are accepted", "[cron]") {
    CHECK(parse_cron("0 0 29 2 *").ok());     // leap years
    CHECK(parse_cron("0 0 * 2 MON#5").ok());  // Feb 1 a Monday in a leap year (2016, 2044)
    CHECK(parse_cron("0 0 30 2 MON").ok());   // both restricted: Mondays in February
    CHECK(parse_cron("0 0 29W 2 *").ok());    // Feb 29 in leap years
    CHECK(parse_cron("0 0 L 2 *").ok());
    CHECK(parse_cron("0 0 13 * FRI#5").ok());
}
