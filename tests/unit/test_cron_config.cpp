// [cron.NAME] in tend.toml: every key, its defaults, and positioned errors.
#include <catch2/catch.hpp>

#include <string>

#include "supervisor/config/config_parser.hpp"
#include "tests/unit/config_fixtures.hpp"

using namespace tend;
using namespace tend::test;

TEST_CASE("a [cron.NAME] table with every key", "[cron]") {
    auto r = parse(
        "[queue.batch]\n"
        "[cron.nightly-report]\n"
        "schedule = \"0 3 * * *\"\n"
        "timezone = \"Europe/Berlin\"\n"
        "command = [\"/srv/app/bin/report\", \"--all\"]\n"
        "queue = \"batch\"\n"
        "overlap = \"replace\"\n"
        "catch_up = \"all\"\n"
        "catch_up_window = \"2h\"\n"
        "jitter = \"30s\"\n"
        "directory = \"/srv/app\"\n"
        "environment = { MODE = \"full\" }\n");
    REQUIRE(r.errors.empty());
    REQUIRE(r.config.crons.size() == 1);
    const cron::CronDef& d = r.config.crons[0].def;
    CHECK(d.name == "nightly-report");
    CHECK(d.schedule == "0 3 * * *");
    CHECK(d.timezone == "Europe/Berlin");
    CHECK(d.argv == std::vector<std::string>{"/srv/app/bin/report", "--all"});
    CHECK_FALSE(d.shell);
    CHECK(d.queue == "batch");
    CHECK(d.overlap == cron::Overlap::replace);
    CHECK(d.catch_up == cron::CatchUp::all);
    CHECK(d.catch_up_window_us == 2ll * 3600 * 1000000);
    CHECK(d.jitter_us == 30ll * 1000000);
    CHECK(d.cwd == "/srv/app");
    CHECK(d.env == std::vector<std::string>{"MODE=full"});
    CHECK(d.from_config);
    CHECK(r.config.crons[0].pos.line == 2);
}

TEST_CASE("[cron.NAME] defaults and a shell command", "[cron]") {
    auto r = parse("[cron.a]\nschedule = \"@hourly\"\ncommand = \"echo hi > /tmp/x\"\n");
    REQUIRE(r.errors.empty());
    const cron::CronDef& d = r.config.crons.at(0).def;
    CHECK(d.shell);
    CHECK(d.argv == std::vector<std::string>{"echo hi > /tmp/x"});
    CHECK(d.timezone.empty());  // tendd's local zone
    CHECK(d.queue == "default");
    CHECK(d.overlap == cron::Overlap::skip);
    CHECK(d.catch_up == cron::CatchUp::latest);
    CHECK(d.catch_up_window_us == cron::kDefaultCatchUpWindowUs);
    CHECK(d.jitter_us == 0);
    CHECK(d.cwd == "/");
}

TEST_CASE("[cron.NAME] errors name the file, line and column", "[cron]") {
    const std::string C = "[cron.c]\ncommand = \"x\"\n";
    check_cases({
        {"[cron.c]\ncommand = \"x\"\n", "t.toml:1:1: [cron.c] has no \"schedule\""},
        {"[cron.c]\nschedule = \"@daily\"\n", "t.toml:1:1: [cron.c] has no \"command\""},
        {C + "schedule = \"0 0 30 2 *\"\n",
         "t.toml:3:12: \"schedule\": \"0 0 30 2 *\": can never fire: no date matches "
         "day-of-month 30 in month 2 (FEB)"},
        {C + "schedule = \"0 24 * * *\"\n",
         "t.toml:3:12: \"schedule\": \"0 24 * * *\": field 2 (hour): 24 is out of range 0-23"},
        {C + "schedule = \"@daily\"\ntimezone = \"Mars/Olympus\"\n",
         "t.toml:4:12: \"timezone\": unknown time zone \"Mars/Olympus\" (not in the tz "
         "database, /usr/share/zoneinfo)"},
        {C + "schedule = \"@daily\"\ntimezone = \"../../etc/passwd\"\n",
         "t.toml:4:12: \"timezone\": unknown time zone \"../../etc/passwd\" (not in the tz "
         "database, /usr/share/zoneinfo)"},
        {C + "schedule = \"@daily\"\nqueue = \"nope\"\n",
         "t.toml:4:9: \"queue\": no [queue.nope] in this file"},
        {C + "schedule = \"@daily\"\noverlap = \"never\"\n",
         "t.toml:4:11: \"overlap\" must be skip, allow or replace"},
        {C + "schedule = \"@daily\"\ncatch_up = \"some\"\n",
         "t.toml:4:12: \"catch_up\" must be none, latest or all"},
        {C + "schedule = \"@daily\"\njitter = \"soon\"\n",
         "t.toml:4:10: \"jitter\": invalid duration \"soon\": expected a number (examples: "
         "\"250ms\", \"30s\", "
         "\"5m\", \"2h\", \"1d\")"},
        {C + "schedule = \"@daily\"\nuser = \"bob\"\n",
         "t.toml:4:1: unknown key \"user\" in [cron.c]"},
        {"[cron.\"bad name\"]\nschedule = \"@daily\"\ncommand = \"x\"\n",
         "t.toml:1:1: invalid cron entry name \"bad name\": use letters, digits, '-', '_' and "
         "'.', at most 64"},
        {"[cron]\nx = 1\n", "t.toml:2:5: \"cron.x\" must be a table"},
        {"cron = 3\n", "t.toml:1:8: \"cron\" must be a table of [cron.NAME] tables"},
    });
}
