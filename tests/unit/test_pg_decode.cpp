// The job statements' text (explicit casts, design §4.1 rule 3) and the decoders of their
// rows: good rows give typed results, bad values give errors, never a crash.
#include <catch2/catch.hpp>

#include <cctype>
#include <string>

#include "queue/pg/pg_decode.hpp"
#include "queue/pg/pg_statements.hpp"

using namespace tend;
using namespace tend::pg;

namespace {
Row row(std::initializer_list<Cell> cells) {
    return Row(cells);
}
const Cell null = std::nullopt;
}  // namespace

TEST_CASE("every parameter of every job statement has an explicit cast", "[pg]") {
    REQUIRE(job_statements().size() == 15);
    for (const NamedStatement& st : job_statements()) {
        INFO(st.name);
        const std::string_view s = st.sql;
        bool any = false;
        for (size_t i = 0; i < s.size(); ++i) {
            if (s[i] != '$' || i + 1 >= s.size() ||
                !std::isdigit(static_cast<unsigned char>(s[i + 1])))
                continue;
            size_t j = i + 1;
            while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
            any = true;
            CHECK(s.substr(j, 2) == "::");
        }
        CHECK(any);
        // One statement: no statement separator inside.
        CHECK(s.find(';') == std::string_view::npos);
    }
}

TEST_CASE("scalar text values", "[pg]") {
    CHECK(*parse_int64("42") == 42);
    CHECK(*parse_int64("-9223372036854775808") == INT64_MIN);
    CHECK_FALSE(parse_int64(""));
    CHECK_FALSE(parse_int64("12x"));
    CHECK_FALSE(parse_int64("99999999999999999999"));
    CHECK_FALSE(parse_int64(" 1"));
    CHECK(*parse_bool("t"));
    CHECK_FALSE(*parse_bool("f"));
    CHECK_FALSE(parse_bool("true"));
    CHECK(*parse_bytea("\\x") == "");
    CHECK(*parse_bytea("\\x00ff41") == std::string("\0\xff"
                                                   "A",
                                                   3));
    CHECK_FALSE(parse_bytea("\\x0"));
    CHECK_FALSE(parse_bytea("\\xzz"));
    CHECK_FALSE(parse_bytea("abc"));
    const std::string bytes("\0\x01\xfe\\x", 5);
    CHECK(bytea_param(bytes) == "\\x0001fe5c78");
    CHECK(*parse_bytea(bytea_param(bytes)) == bytes);
    CHECK(timestamptz_param(0) == "1970-01-01 00:00:00.000000+00");
    CHECK(timestamptz_param(1'796'486'400'000'001) == "2026-12-05 16:00:00.000001+00");
    CHECK(timestamptz_param(-1) == "1969-12-31 23:59:59.999999+00");
}

TEST_CASE("text array literals", "[pg]") {
    CHECK(parse_text_array("{}")->empty());
    CHECK(*parse_text_array("{a,b}") == std::vector<std::string>{"a", "b"});
    CHECK(*parse_text_array(R"({"b c","q\"x","back\\slash",""})") ==
          std::vector<std::string>{"b c", "q\"x", "back\\slash", ""});
    CHECK(*parse_text_array(R"({"NULL",nullx})") == std::vector<std::string>{"NULL", "nullx"});
    for (const char* bad : {"", "{", "}", "a,b", "{a,}", "{,a}", "{a,,b}", "{NULL}", "{null}",
                            "{{a},{b}}", R"({"a)", R"({"a"b})", "[1:1]={a}", "{a\\b}", "{a\"}"}) {
        INFO(bad);
        CHECK_FALSE(parse_text_array(bad));
    }
}

TEST_CASE("claim rows", "[pg]") {
    Rows rows{row({"7", "31", "1", "3", "1", "{echo,\"hi there\"}", "f", "/tmp", "2", "-1", null,
                   null, "nightly", "\\x6869", "{}"}),
              row({"8", "32", "2", "3", "2", "{true}", "t", "/", null, "5000000", "1000", "1000",
                   "", null, "{27,1001}"})};
    auto r = decode_claim(rows);
    REQUIRE(r);
    REQUIRE(r->size() == 2);
    const ClaimedJob& a = (*r)[0];
    CHECK(a.id == 7);
    CHECK(a.lease == 31);
    CHECK(a.attempt == 1);
    CHECK(a.max_attempts == 3);
    CHECK(a.argv == std::vector<std::string>{"echo", "hi there"});
    CHECK_FALSE(a.shell);
    CHECK(a.env_id == 2);
    CHECK_FALSE(a.uid);
    CHECK(a.name == "nightly");
    CHECK(a.checkpoint == "hi");
    CHECK((*r)[1].shell);
    CHECK((*r)[1].uid == 1000);
    CHECK_FALSE((*r)[1].env_id);
    CHECK_FALSE((*r)[1].checkpoint);
    CHECK(a.groups.empty());
    CHECK((*r)[1].groups == std::vector<std::uint32_t>{27, 1001});
    CHECK(decode_claim({})->empty());

    SECTION("a bad value names its column") {
        Rows bad = rows;
        bad[1][1] = "x";
        auto e = decode_claim(bad);
        REQUIRE_FALSE(e);
        CHECK(e.error().find("lease") != std::string::npos);
    }
    SECTION("NULL where the schema says NOT NULL") {
        Rows bad = rows;
        bad[0][0] = null;
        CHECK_FALSE(decode_claim(bad));
    }
    SECTION("a missing column") {
        Rows bad = rows;
        bad[0].pop_back();
        CHECK_FALSE(decode_claim(bad));
    }
    SECTION("an int column out of range") {
        Rows bad = rows;
        bad[0][2] = "4294967296";
        CHECK_FALSE(decode_claim(bad));
    }
    SECTION("a group that is no gid") {
        for (const char* g : {"{-1}", "{x}", "{2147483648}", "{NULL}"}) {
            INFO(g);
            Rows bad = rows;
            bad[1][14] = g;
            CHECK_FALSE(decode_claim(bad));
        }
    }
    SECTION("an empty argv") {
        Rows bad = rows;
        bad[0][5] = "{}";
        CHECK_FALSE(decode_claim(bad));
    }
}

TEST_CASE("finish, rescue and promote rows", "[pg]") {
    auto f = decode_finish({row({"7", "succeeded", "{q,\"other q\"}"})});
    REQUIRE(f);
    REQUIRE(*f);
    CHECK((*f)->id == 7);
    CHECK((*f)->state == jobs::JobState::succeeded);
    CHECK((*f)->wake == std::vector<std::string>{"q", "other q"});
    auto fenced = decode_finish({});
    REQUIRE(fenced);
    CHECK_FALSE(*fenced);
    CHECK_FALSE(decode_finish({row({"7", "bogus", "{}"})}));
    CHECK_FALSE(decode_finish({row({"7", "failed", "{}"}), row({"8", "failed", "{}"})}));

    auto r = decode_rescue({row({"h1", "3", "{g}"})});
    REQUIRE(r);
    CHECK(r->host == "h1");
    CHECK(r->jobs == 3);
    auto none = decode_rescue({row({null, "0", "{}"})});
    REQUIRE(none);
    CHECK_FALSE(none->host);
    CHECK_FALSE(decode_rescue({}));
    CHECK_FALSE(decode_rescue({row({"h1", null, "{}"})}));

    auto p = decode_promote({row({"2", "{a}", "-5"})});
    REQUIRE(p);
    CHECK(p->jobs == 2);
    CHECK(p->next_us == -5);
    CHECK_FALSE(decode_promote({row({"0", "{}", null})})->next_us);
    auto st = decode_settle({row({"1", "{q}"})});
    REQUIRE(st);
    CHECK(st->jobs == 1);
    CHECK(st->wake == std::vector<std::string>{"q"});
    CHECK_FALSE(decode_settle({row({"1"})}));
}

TEST_CASE("cancel, retry, prune, queue_sync and running rows", "[pg]") {
    auto c = decode_cancel({row({"5", "running", "3", "q", "0"})});
    REQUIRE(c);
    REQUIRE(*c);
    CHECK((*c)->state == jobs::JobState::running);
    CHECK((*c)->host_id == 3);
    CHECK_FALSE(*decode_cancel({}));
    CHECK_FALSE(decode_cancel({row({"5", "pending", null, "q", "0"})}));

    auto rt = decode_retry({row({"5", "q"})});
    REQUIRE(rt);
    CHECK((*rt)->queue == "q");
    CHECK_FALSE(*decode_retry({}));

    auto pr = decode_prune({row({"1000", "2", "0"})});
    REQUIRE(pr);
    CHECK(pr->jobs == 1000);
    CHECK_FALSE(decode_prune({row({"1", "2"})}));

    auto q = decode_queue_sync({row({"g", "f", "4", "3", "0"})});
    REQUIRE(q);
    CHECK(q->name == "g");
    CHECK(q->slots_added == 3);
    CHECK_FALSE(decode_queue_sync({row({"g", "maybe", "4", "3", "0"})}));

    auto env = decode_env({row({R"({"A=1","PATH=/usr/bin:/bin"})"})});
    REQUIRE(env);
    REQUIRE(*env);
    CHECK(**env == std::vector<std::string>{"A=1", "PATH=/usr/bin:/bin"});
    CHECK_FALSE(*decode_env({}));
    CHECK_FALSE(decode_env({row({null})}));

    auto run = decode_running({row({"1", "9", "t"}), row({"2", "10", "f"})});
    REQUIRE(run);
    CHECK(run->size() == 2);
    CHECK((*run)[0].cancel_requested);
    CHECK(*decode_found({row({"1"})}));
    CHECK_FALSE(*decode_found({}));
    CHECK_FALSE(decode_found({row({"1"}), row({"2"})}));
}
