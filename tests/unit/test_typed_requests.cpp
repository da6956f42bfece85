// Typed request decoding: every field of every command, fed every wrong JSON type, is a
// bad_request naming the field, never a throw (SPEC §8).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "queue/core/typed_request.hpp"

using namespace tend;
using namespace tend::jobs;
using json = nlohmann::json;

namespace {

enum class Kind { flag, integer, text, texts, ids, signal };

struct Field {
    const char* cmd;
    const char* key;
    Kind kind;
};

// Every argument of every command, with the type it must have.
const std::vector<Field> kFields = {
    {"status", "targets", Kind::texts},
    {"status", "all", Kind::flag},
    {"start", "targets", Kind::texts},
    {"start", "all", Kind::flag},
    {"start", "wait", Kind::flag},
    {"stop", "targets", Kind::texts},
    {"stop", "all", Kind::flag},
    {"stop", "wait", Kind::flag},
    {"restart", "targets", Kind::texts},
    {"restart", "all", Kind::flag},
    {"restart", "wait", Kind::flag},
    {"restart", "rolling", Kind::flag},
    {"restart", "max_unavailable", Kind::integer},
    {"restart", "max_surge", Kind::integer},
    {"signal", "targets", Kind::texts},
    {"signal", "all", Kind::flag},
    {"signal", "reload", Kind::flag},
    {"signal", "signal", Kind::signal},
    {"logs", "targets", Kind::texts},
    {"events", "target", Kind::text},
    {"events", "limit", Kind::integer},
    {"events", "after", Kind::integer},
    {"events", "wait", Kind::flag},
    {"reload", "dry_run", Kind::flag},
    {"shutdown", "drain", Kind::flag},
    {"submit", "batch", Kind::flag},
    {"submit", "argv", Kind::texts},
    {"submit", "lines", Kind::texts},
    {"submit", "shell", Kind::flag},
    {"submit", "queue", Kind::text},
    {"submit", "name", Kind::text},
    {"submit", "priority", Kind::integer},
    {"submit", "run_at_us", Kind::integer},
    {"submit", "attempts", Kind::integer},
    {"submit", "timeout_us", Kind::integer},
    {"submit", "after", Kind::ids},
    {"submit", "key", Kind::text},
    {"submit", "env", Kind::texts},
    {"submit", "cwd", Kind::text},
    {"submit_lines", "lines", Kind::texts},
    {"jobs", "state", Kind::text},
    {"jobs", "queue", Kind::text},
    {"jobs", "limit", Kind::integer},
    {"show", "id", Kind::integer},
    {"wait", "ids", Kind::ids},
    {"cancel", "ids", Kind::ids},
    {"retry", "ids", Kind::ids},
    {"pause", "queue", Kind::text},
    {"resume", "queue", Kind::text},
    {"cron_add", "name", Kind::text},
    {"cron_add", "schedule", Kind::text},
    {"cron_add", "timezone", Kind::text},
    {"cron_add", "queue", Kind::text},
    {"cron_add", "argv", Kind::texts},
    {"cron_add", "shell", Kind::flag},
    {"cron_add", "overlap", Kind::text},
    {"cron_add", "catch_up", Kind::text},
    {"cron_add", "catch_up_window_us", Kind::integer},
    {"cron_add", "jitter_us", Kind::integer},
    {"cron_add", "cwd", Kind::text},
    {"cron_add", "env", Kind::texts},
    {"cron_run", "name", Kind::text},
    {"cron_remove", "name", Kind::text},
    {"cron_next", "name", Kind::text},
    {"cron_next", "from_s", Kind::integer},
    {"cron_next", "count", Kind::integer},
};

// Arguments that make each command valid, so that only the field under test can be wrong.
json valid_args(const std::string& cmd) {
    if (cmd == "signal") return {{"signal", "TERM"}, {"targets", {"web"}}};
    if (cmd == "show") return {{"id", 1}};
    if (cmd == "wait" || cmd == "cancel" || cmd == "retry") return {{"ids", {1}}};
    if (cmd == "pause" || cmd == "resume") return {{"queue", "default"}};
    if (cmd.starts_with("cron_") && cmd != "cron_list" && cmd != "cron_add")
        return {{"name", "nightly"}};
    return json::object();
}

// Values of every JSON type, minus those the kind accepts.
std::vector<json> wrong_values(Kind k) {
    const json huge = json::parse("18446744073709551615");  // 2^64-1, unsigned
    std::vector<json> all = {true,
                             false,
                             0,
                             -1,
                             json(std::int64_t(1) << 62),
                             huge,
                             json::parse("-9223372036854775808"),
                             1.5,
                             "x",
                             "",
                             json::array(),
                             json::array({1, "a"}),
                             json::array({nullptr}),
                             json::object(),
                             json{{"a", json{{"b", json::array({json::array()})}}}}};
    std::vector<json> out;
    for (const json& v : all) {
        const bool accepted = [&] {
            switch (k) {
                case Kind::flag:
                    return v.is_boolean();
                case Kind::text:
                    return v.is_string();
                case Kind::texts:
                    return v.is_array() && v.empty();
                case Kind::ids:
                    return v.is_array() && v.empty();
                case Kind::integer:
                case Kind::signal:
                    return false;  // each integer below is out of some field's range: skip all
            }
            return false;
        }();
        const bool some_integer =
            (k == Kind::integer || k == Kind::signal) && v.is_number_integer();
        if (!accepted && !some_integer) out.push_back(v);
    }
    return out;
}

std::string line_of(const std::string& cmd, const json& args) {
    return json{{"v", 1}, {"cmd", cmd}, {"args", args}}.dump();
}

}  // namespace

TEST_CASE("every field of every command refuses every wrong JSON type, naming the field",
          "[typed]") {
    for (const Field& f : kFields) {
        for (const json& bad : wrong_values(f.kind)) {
            json args = valid_args(f.cmd);
            args[f.key] = bad;
            const std::string line = line_of(f.cmd, args);
            INFO(line);
            Result<TypedRequest> r = make_error("not decoded");
            REQUIRE_NOTHROW(r = decode_request_typed(line));
            // A text field fed an empty string may be valid ("name": "" is "no name") or a
            // missing value; every other case is an error that names the field.
            if (f.kind == Kind::text && bad.is_string()) continue;
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().find(std::string("\"") + f.key + "\"") != std::string::npos);
        }
    }
}

TEST_CASE("the valid arguments of every command decode", "[typed]") {
    for (const char* cmd :
         {"status",    "events",   "start",    "stop",        "restart",      "signal", "logs",
          "reload",    "shutdown", "version",  "submit",      "submit_lines", "jobs",   "show",
          "wait",      "cancel",   "retry",    "queues",      "pause",        "resume", "compact",
          "cron_list", "cron_add", "cron_run", "cron_remove", "cron_next"}) {
        INFO(cmd);
        auto r = decode_request_typed(line_of(cmd, valid_args(cmd)));
        CHECK(r.ok());
    }
}

TEST_CASE("integers are range-checked, huge ones included", "[typed]") {
    auto err = [](const std::string& cmd, json args) {
        auto r = decode_request_typed(line_of(cmd, args));
        return r.ok() ? std::string() : r.error();
    };
    CHECK(err("submit", {{"priority", 2147483648ll}}).find("\"priority\"") == 0);
    CHECK(err("submit", {{"priority", -2147483649ll}}).find("\"priority\"") == 0);
    CHECK(err("submit", {{"priority", -2147483648ll}}).empty());
    CHECK(err("submit", {{"attempts", 1000001}}).find("\"attempts\"") == 0);
    CHECK(err("submit", {{"timeout_us", -2}}).find("\"timeout_us\"") == 0);
    CHECK(err("submit", {{"after", {0}}}).find("\"after\"") == 0);
    CHECK(err("submit", {{"after", {-3}}}).find("\"after\"") == 0);
    CHECK(err("restart", {{"max_surge", 100001}}).find("\"max_surge\"") == 0);
    CHECK(err("restart", {{"max_surge", 100000}}).empty());
    CHECK(err("show", {{"id", 0}}).find("\"id\"") == 0);
    CHECK(err("show", json::object()).find("\"id\"") == 0);
    CHECK(err("cron_next", {{"name", "x"}, {"count", 0}}).find("\"count\"") == 0);
    CHECK(err("cron_next", {{"name", "x"}, {"from_s", 253402300800ll}}).find("\"from_s\"") == 0);
    CHECK(err("jobs", {{"limit", json::parse("18446744073709551615")}}).find("\"limit\"") == 0);
    CHECK(err("signal", {{"signal", 0}}).find("\"signal\"") == 0);
    CHECK(err("signal", {{"signal", 9}}).empty());
    CHECK(err("signal", {{"signal", "NOPE"}}).find("\"signal\"") == 0);
    CHECK(err("signal", json::object()).find("\"signal\"") == 0);
    CHECK(err("signal", {{"reload", true}}).empty());
}

TEST_CASE("missing fields that a command needs are named", "[typed]") {
    CHECK(decode_request_typed(line_of("wait", json::object())).error().find("\"ids\"") == 0);
    CHECK(
        decode_request_typed(line_of("cancel", {{"ids", json::array()}})).error().find("\"ids\"") ==
        0);
    CHECK(decode_request_typed(line_of("pause", json::object())).error().find("\"queue\"") == 0);
    CHECK(decode_request_typed(line_of("cron_run", json::object())).error().find("\"name\"") == 0);
    CHECK(decode_request_typed(line_of("start", {{"rolling", true}})).error().find("\"rolling\"") ==
          0);
}

TEST_CASE("null reads as a missing field", "[typed]") {
    auto r = decode_request_typed(line_of("status", {{"all", nullptr}, {"targets", nullptr}}));
    REQUIRE(r.ok());
    const auto& s = std::get<tend::protocol::StatusArgs>(std::get<0>(r->args));
    CHECK_FALSE(s.target.all);
    CHECK(s.target.targets.empty());
}

TEST_CASE("decoded values reach the typed structs", "[typed]") {
    auto r = decode_request_typed(line_of("submit", {{"argv", {"echo", "hi"}},
                                                     {"priority", -5},
                                                     {"after", {3, 4}},
                                                     {"key", "k"},
                                                     {"cwd", "/tmp"},
                                                     {"attempts", 3},
                                                     {"timeout_us", 0}}));
    REQUIRE(r.ok());
    const auto& q = std::get<SubmitRequest>(std::get<JobArgs>(r->args));
    CHECK(q.shape.argv == std::vector<std::string>{"echo", "hi"});
    CHECK(q.shape.priority == -5);
    CHECK(q.shape.after == std::vector<JobId>{3, 4});
    CHECK(q.shape.key == "k");
    CHECK(q.shape.max_attempts == 3);
    CHECK(q.shape.timeout_us == 0);
    CHECK(q.shape.queue == "default");
}

TEST_CASE("envelopes and unknown commands are errors, not throws", "[typed]") {
    for (const char* line : {"", "{", "[]", "null", "1", R"({"v":1})", R"({"v":"1","cmd":"x"})",
                             R"({"v":1,"cmd":""})", R"({"v":1,"cmd":"status","args":[]})",
                             R"({"v":1,"cmd":"nope"})", R"({"v":1e400,"cmd":"status"})",
                             "{\"v\":1,\"cmd\":\"status\",\"args\":{\"targets\":[\"\xff\"]}}"}) {
        INFO(line);
        Result<TypedRequest> r = make_error("");
        REQUIRE_NOTHROW(r = decode_request_typed(line));
        CHECK_FALSE(r.ok());
    }
    // Deep nesting is refused before parsing (copying a nlohmann::json recurses), by depth
    // or, deeper still, by size.
    for (std::size_t depth : {33u, 30000u, 40000u}) {
        std::string deep = R"({"v":1,"cmd":"status","args":{"all":)" + std::string(depth, '[') +
                           std::string(depth, ']') + "}}";
        Result<TypedRequest> r = make_error("");
        REQUIRE_NOTHROW(r = decode_request_typed(deep));
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().find(depth == 40000u ? "exceeds the limit" : "deeper than 32") !=
              std::string::npos);
    }
    // Brackets inside strings are text, not nesting.
    auto r =
        decode_request_typed(R"({"v":1,"cmd":"status","args":{"targets":[")" +
                             std::string(100, '[') + "\\\"" + std::string(100, '{') + R"("]}})");
    CHECK(r.ok());
    CHECK(
        decode_request_typed(
            R"({"v":1,"cmd":"status","args":{"all":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}})")
            .error()
            .find("\"all\"") == 0);
}
