// Fuzzes cron expressions: parse_cron, and the promise that an accepted expression can fire.
#include <cstddef>
#include <cstdint>
#include <string>

#include "queue/cron/cron_expr.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    if (size > 256) return 0;  // an expression is one config value; longer adds nothing
    const std::string text(reinterpret_cast<const char*>(bytes), size);
    auto e = tend::cron::parse_cron(text);
    if (!e) {
        FUZZ_CHECK(!e.error().empty());
        return 0;
    }
    // Reading what the entry shows (`tend cron list`) gives the same expression.
    auto again = tend::cron::parse_cron(e->text);
    FUZZ_CHECK(again && again->text == e->text);
    if (e->every_s != 0) {
        FUZZ_CHECK(e->every_s > 0);
        return 0;
    }
    // parse_cron refuses an expression that matches no date, so one always comes.
    using namespace date;
    const local_seconds from = local_days{2026_y / January / 1};
    auto next = tend::cron::next_local_match(*e, from);
    FUZZ_CHECK(next.has_value());
    FUZZ_CHECK(*next >= from);
    const auto day = floor<days>(*next);
    FUZZ_CHECK(tend::cron::day_matches(*e, year_month_day{day}));
    const hh_mm_ss t{*next - day};
    FUZZ_CHECK(e->hours[static_cast<size_t>(t.hours().count())]);
    FUZZ_CHECK(e->minutes[static_cast<size_t>(t.minutes().count())]);
    FUZZ_CHECK(e->seconds[static_cast<size_t>(t.seconds().count())]);
    return 0;
}
