// Cron on the PostgreSQL store, the pure part (queue/pg/pg_decode_cron.hpp): a definition
// round-trips through its jsonb text, hostile JSON is an error and never a crash, rows of
// tend.cron rebuild the book as the file store's recovery would, and the answers of
// tend.cron_fire and of the job briefs decode or are refused.
#include <catch2/catch.hpp>

#include <cctype>
#include <string>

#include "queue/pg/pg_decode_cron.hpp"
#include "queue/pg/pg_statements_cron.hpp"

using namespace tend;
using namespace tend::pg;

namespace {
const Cell kNull = std::nullopt;

cron::CronDef full_def() {
    cron::CronDef d;
    d.name = "backup";
    d.schedule = "0 3 * * MON-FRI";
    d.timezone = "America/New_York";
    d.queue = "nightly";
    d.argv = {"sh", "-c", "echo \"a\\b\" 'é' \t$HOME"};
    d.shell = true;
    d.overlap = cron::Overlap::allow;
    d.catch_up = cron::CatchUp::none;
    d.catch_up_window_us = 7'200'000'000;
    d.jitter_us = 30'000'000;
    d.cwd = "/var/backups";
    d.env = {"PATH=/usr/bin", "EMPTY=", "EQ=a=b"};
    d.uid = 4'294'967'295u;
    d.gid = 0;
    d.groups = {27, 100};
    d.created_at_us = 1'764'950'400'000'001;
    return d;
}
}  // namespace

TEST_CASE("a cron definition round-trips through its jsonb text", "[pg][cron]") {
    const cron::CronDef d = full_def();
    auto back = parse_cron_def_json("backup", cron_def_json(d));
    REQUIRE(back.ok());
    CHECK(*back == d);
    cron::CronDef plain;  // defaults
    plain.name = "x";
    plain.schedule = "@hourly";
    plain.argv = {"true"};
    auto p = parse_cron_def_json("x", cron_def_json(plain));
    REQUIRE(p.ok());
    CHECK(*p == plain);
    // The row's name wins over the one in the object.
    auto renamed = parse_cron_def_json("other", cron_def_json(d));
    REQUIRE(renamed.ok());
    CHECK(renamed->name == "other");
}

TEST_CASE("invalid UTF-8 in a definition is replaced, not thrown on", "[pg][cron]") {
    cron::CronDef d = full_def();
    d.argv = {"echo", std::string("\xff\xfe bad")};
    std::string text;
    REQUIRE_NOTHROW(text = cron_def_json(d));
    auto back = parse_cron_def_json("backup", text);
    REQUIRE(back.ok());
    CHECK(back->argv[1].find("bad") != std::string::npos);
}

TEST_CASE("hostile definitions are errors naming the problem", "[pg][cron]") {
    const char* bad[] = {
        "",
        "not json",
        "[1,2]",
        "null",
        "{\"argv\":[\"x\"],\"cwd\":\"/\"}",                     // no schedule
        "{\"schedule\":\"@daily\",\"cwd\":\"/\"}",              // no argv
        "{\"schedule\":\"@daily\",\"argv\":[],\"cwd\":\"/\"}",  // empty argv
        "{\"schedule\":\"@daily\",\"argv\":[\"\"],\"cwd\":\"/\"}",
        "{\"schedule\":\"@daily\",\"argv\":[\"x\"]}",  // no cwd
        "{\"schedule\":\"@daily\",\"argv\":[\"x\"],\"cwd\":\"rel\"}",
        "{\"schedule\":5,\"argv\":[\"x\"],\"cwd\":\"/\"}",
        "{\"schedule\":\"@daily\",\"argv\":\"x\",\"cwd\":\"/\"}",
        "{\"schedule\":\"@daily\",\"argv\":[1],\"cwd\":\"/\"}",
        "{\"schedule\":\"@daily\",\"argv\":[\"x\"],\"cwd\":\"/\",\"uid\":-1}",
        "{\"schedule\":\"@daily\",\"argv\":[\"x\"],\"cwd\":\"/\",\"uid\":4294967296}",
        "{\"schedule\":\"@daily\",\"argv\":[\"x\"],\"cwd\":\"/\",\"uid\":1.5}",
        "{\"schedule\":\"@daily\",\"argv\":[\"x\"],\"cwd\":\"/\",\"groups\":[1,-2]}",
        "{\"schedule\":\"@daily\",\"argv\":[\"x\"],\"cwd\":\"/\",\"groups\":7}",
        "{\"schedule\":\"@daily\",\"argv\":[\"x\"],\"cwd\":\"/\",\"jitter_us\":-1}",
        R"({"schedule":"@daily","argv":["x"],"cwd":"/","jitter_us":18446744073709551615})",
        "{\"schedule\":\"@daily\",\"argv\":[\"x\"],\"cwd\":\"/\",\"jitter_us\":1e300}",
        "{\"schedule\":\"@daily\",\"argv\":[\"x\"],\"cwd\":\"/\",\"overlap\":\"sometimes\"}",
        "{\"schedule\":\"@daily\",\"argv\":[\"x\"],\"cwd\":\"/\",\"catch_up\":2}",
        "{\"schedule\":\"@daily\",\"argv\":[\"x\"],\"cwd\":\"/\",\"shell\":\"yes\"}",
        "{\"schedule\":\"@daily\",\"argv\":[\"x\"],\"cwd\":\"/\",\"env\":[null]}",
        "{\"schedule\":\"@daily\",\"argv\":[\"x\"],\"cwd\":\"/\",\"queue\":\"\"}",
        "{\"schedule\":\"@daily\",\"argv\":[\"x\"],\"cwd\":\"/\"",  // truncated
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    };
    for (const char* text : bad) {
        INFO(text);
        Result<cron::CronDef> r = make_error("unset");
        REQUIRE_NOTHROW(r = parse_cron_def_json("e", text));
        CHECK_FALSE(r.ok());
        if (!r) CHECK(r.error().rfind("cron entry e: ", 0) == 0);
    }
    // Unknown fields are ignored (a newer tend may add some).
    CHECK(parse_cron_def_json("e",
                              "{\"schedule\":\"@daily\",\"argv\":[\"x\"],\"cwd\":\"/\","
                              "\"future\":{\"x\":1}}")
              .ok());
}

TEST_CASE("tend.cron rows rebuild the book as recovery does", "[pg][cron]") {
    const cron::CronDef d = full_def();
    Rows rows = {
        Row{Cell("backup"), Cell("cli"), Cell(cron_def_json(d)), Cell("1764950400"), Cell("42")},
        Row{Cell("cfg"), Cell("config"), kNull, Cell("1764950460"), kNull},
        Row{Cell("fresh"), Cell("config"), kNull, kNull, kNull},  // -infinity: never
        Row{Cell("broken"), Cell("cli"), Cell("{\"argv\":7}"), Cell("1764950500"), Cell("7")},
        Row{Cell("nodef"), Cell("cli"), kNull, kNull, kNull},
    };
    auto decoded = decode_cron_rows(rows);
    REQUIRE(decoded.ok());
    LoadedBook b = book_of(*decoded);
    CHECK(b.book.cli_defs().size() == 1);
    CHECK(b.book.cli_defs().at("backup") == d);
    CHECK(b.book.state("backup") == cron::CronState{1764950400, 42});
    CHECK(b.book.state("cfg") == cron::CronState{1764950460, 0});
    CHECK_FALSE(b.book.states().count("fresh"));  // a new entry: the service starts it now
    CHECK(b.book.state("broken") == cron::CronState{1764950500, 7});
    REQUIRE(b.warnings.size() == 2);
    CHECK(b.warnings[0].find("broken") != std::string::npos);
    CHECK(b.warnings[1].find("nodef") != std::string::npos);

    CHECK_FALSE(decode_cron_rows({Row{Cell("a"), Cell("cli"), kNull, kNull}}).ok());
    CHECK_FALSE(decode_cron_rows({Row{kNull, Cell("cli"), kNull, kNull, kNull}}).ok());
    CHECK_FALSE(decode_cron_rows({Row{Cell("a"), Cell("cli"), kNull, Cell("x"), kNull}}).ok());
    CHECK_FALSE(decode_cron_rows({Row{Cell("a"), Cell("cli"), kNull, kNull, Cell("1e9")}}).ok());
}

TEST_CASE("the parameters of tend.cron_write", "[pg][cron]") {
    jobs::CronRecords r;
    r.defs.push_back({full_def(), false});
    cron::CronDefRecord gone;
    gone.def.name = "old";
    gone.removed = true;
    r.defs.push_back(gone);
    r.states.push_back({"backup", 1764950400, 42});
    const CronWriteParams p = cron_write_params(r);
    auto defs = nlohmann::json::parse(p.defs);
    REQUIRE(defs.size() == 2);
    CHECK(defs[0]["name"] == "backup");
    CHECK(parse_cron_def_json("backup", defs[0]["def"].dump()).value() == full_def());
    CHECK(defs[1] == nlohmann::json({{"name", "old"}, {"def", nullptr}}));
    CHECK(nlohmann::json::parse(p.states) ==
          nlohmann::json::parse(R"([{"name":"backup","last_tick":1764950400,"last_job":42}])"));
    const CronWriteParams empty = cron_write_params({});
    CHECK(empty.defs == "[]");
    CHECK(empty.states == "[]");
}

TEST_CASE("the answer of tend.cron_fire", "[pg][cron]") {
    auto f = decode_fire({Row{Cell("fired"), Cell("17"), Cell("scheduled")}});
    REQUIRE(f.ok());
    CHECK(f->outcome == FireOutcome::fired);
    CHECK(f->job == 17);
    CHECK(f->state == jobs::JobState::scheduled);
    for (auto [text, want] : {std::pair{"taken", FireOutcome::taken},
                              {"early", FireOutcome::early},
                              {"full", FireOutcome::full},
                              {"no_queue", FireOutcome::no_queue}}) {
        auto g = decode_fire({Row{Cell(text), kNull, kNull}});
        REQUIRE(g.ok());
        CHECK(g->outcome == want);
        CHECK_FALSE(g->job.has_value());
    }
    CHECK(decode_fire({Row{Cell("duplicate"), Cell("9"), kNull}})->job == 9);
    CHECK(decode_fire({Row{Cell("skipped"), kNull, kNull}})->outcome == FireOutcome::skipped);
    CHECK_FALSE(decode_fire({}).ok());
    CHECK_FALSE(decode_fire({Row{Cell("fired"), kNull, kNull}}).ok());  // no job
    CHECK_FALSE(decode_fire({Row{Cell("fired"), Cell("0"), kNull}}).ok());
    CHECK_FALSE(decode_fire({Row{Cell("exploded"), kNull, kNull}}).ok());
    CHECK_FALSE(decode_fire({Row{kNull, kNull, kNull}}).ok());
    CHECK_FALSE(decode_fire({Row{Cell("fired"), Cell("x"), kNull}}).ok());
    CHECK_FALSE(decode_fire({Row{Cell("fired"), Cell("1"), Cell("asleep")}}).ok());
    CHECK_FALSE(
        decode_fire({Row{Cell("taken"), kNull, kNull}, Row{Cell("taken"), kNull, kNull}}).ok());
}

TEST_CASE("the briefs of the entries' jobs", "[pg][cron]") {
    auto b = decode_briefs({Row{Cell("5"), Cell("running"), kNull, kNull},
                            Row{Cell("6"), Cell("failed"), Cell("3"), kNull},
                            Row{Cell("7"), Cell("failed"), kNull, Cell("9")}});
    REQUIRE(b.ok());
    REQUIRE(b->size() == 3);
    CHECK((*b)[0].first == 5);
    CHECK((*b)[0].second.state == jobs::JobState::running);
    CHECK_FALSE((*b)[0].second.last_exit.has_value());
    CHECK((*b)[1].second.last_exit == jobs::ExitStatus{3, 0});
    CHECK((*b)[2].second.last_exit == jobs::ExitStatus{0, 9});
    CHECK_FALSE(decode_briefs({Row{Cell("5"), Cell("zombie"), kNull, kNull}}).ok());
    CHECK_FALSE(decode_briefs({Row{Cell("5"), kNull, kNull, kNull}}).ok());
    CHECK_FALSE(decode_briefs({Row{Cell("5"), Cell("failed"), Cell("99999999999"), kNull}}).ok());
    CHECK_FALSE(decode_briefs({Row{Cell("5"), Cell("failed")}}).ok());
}

TEST_CASE("what another host's cron add/remove changed", "[pg][cron]") {
    std::map<std::string, cron::CronDef> before, after;
    cron::CronDef a = full_def(), b = full_def(), c = full_def();
    a.name = "a";
    b.name = "b";
    c.name = "c";
    before = {{"a", a}, {"b", b}};
    b.schedule = "@hourly";
    after = {{"b", b}, {"c", c}};
    const CronDefsDiff d = diff_cli_defs(before, after);
    CHECK(d.added == std::vector<std::string>{"c"});
    CHECK(d.changed == std::vector<std::string>{"b"});
    CHECK(d.removed == std::vector<std::string>{"a"});
    CHECK(diff_cli_defs(after, after).empty());
}

TEST_CASE("which cron statement failures are retried", "[pg][cron]") {
    CHECK(cron_retryable(Outcome::not_sent, ""));
    CHECK(cron_retryable(Outcome::ambiguous, ""));
    CHECK(cron_retryable(Outcome::error, "40P01"));
    CHECK(cron_retryable(Outcome::error, "40001"));
    CHECK_FALSE(cron_retryable(Outcome::error, "TE075"));
    CHECK_FALSE(cron_retryable(Outcome::error, "42P01"));
    CHECK_FALSE(cron_retryable(Outcome::ok, ""));
}

TEST_CASE("every parameter of the cron statements has an explicit cast", "[pg][cron]") {
    for (std::string_view s : {cron_fire_sql, cron_write_sql, cron_briefs_sql}) {
        INFO(s);
        for (size_t i = 0; i < s.size(); ++i) {
            if (s[i] != '$' || i + 1 >= s.size() ||
                !std::isdigit(static_cast<unsigned char>(s[i + 1])))
                continue;
            size_t j = i + 1;
            while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
            CHECK(s.substr(j, 2) == "::");
        }
    }
}
