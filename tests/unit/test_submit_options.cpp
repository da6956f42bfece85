// `tend submit`'s table of options: what a command line becomes in the request (pure: the
// caller's clock, zone, directory and environment are fixed here).
#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cmd/cli_context.hpp"
#include "cmd/submit_options.hpp"
#include "queue/core/job_request_args.hpp"

using namespace tend::cli;
using json = nlohmann::json;

namespace {

constexpr std::int64_t kOptionsNow = 1'800'000'000'000'000;  // 2027-01-15T08:00:00Z
const char* const kEnviron[] = {"HOME=/home/a", "X=old", nullptr};

Caller fixed_caller() {
    Caller c;
    c.now_us = kOptionsNow;
    c.utc_offset_at = [](std::int64_t) { return 3600L; };
    c.cwd = "/work/dir";
    c.environ = kEnviron;
    return c;
}

struct Parsed {
    SubmitForm form;
    bool json = false;
};

// Parses `tend submit WORDS...` with the same CLI11 declarations `tend` uses.
void parse(Parsed& p, const std::vector<std::string>& words) {
    CLI::App app;
    app.require_subcommand(1);
    add_submit_command(app, p.json, p.form);
    std::vector<const char*> argv = {"tend", "submit"};
    for (const auto& w : words) argv.push_back(w.c_str());
    app.parse(int(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("submit without options sends every field with its default", "[cli][submit]") {
    Parsed p;
    parse(p, {"--", "echo", "hi"});
    CHECK(p.form.command == std::vector<std::string>{"echo", "hi"});
    CHECK(p.form.request_args(fixed_caller()) == json{{"queue", "default"},
                                                      {"name", ""},
                                                      {"priority", 0},
                                                      {"run_at_us", 0},
                                                      {"attempts", 0},
                                                      {"timeout_us", -1},
                                                      {"after", json::array()},
                                                      {"key", ""},
                                                      {"env", {"HOME=/home/a", "X=old"}},
                                                      {"cwd", "/work/dir"}});
}

TEST_CASE("every submit option lands in its request field", "[cli][submit]") {
    Parsed p;
    parse(p, {"-q",          "mail",       "--name",  "digest",    "-p",    "-4",        "--in",
              "10m",         "--attempts", "3",       "--timeout", "5s",    "--after",   "7",
              "--after=9",   "--key",      "k1",      "-e",        "X=new", "--env=Y=2", "-C",
              "sub/../out/", "--wait",     "--shell", "--json",    "--",    "true"});
    CHECK(p.form.wait);
    CHECK(p.form.shell);
    CHECK(p.json);
    CHECK(p.form.key == "k1");
    const json a = p.form.request_args(fixed_caller());
    CHECK(a["queue"] == "mail");
    CHECK(a["name"] == "digest");
    CHECK(a["priority"] == -4);
    CHECK(a["run_at_us"] == kOptionsNow + 600'000'000);
    CHECK(a["attempts"] == 3);
    CHECK(a["timeout_us"] == 5'000'000);
    CHECK(a["after"] == json{7, 9});
    CHECK(a["key"] == "k1");
    CHECK(a["env"] == json{"HOME=/home/a", "X=new", "Y=2"});
    CHECK(a["cwd"] == "/work/dir/out");
}

TEST_CASE("--at is read in the caller's zone; --in and --at exclude each other", "[cli][submit]") {
    Parsed p;
    parse(p, {"--at", "2027-01-15T10:30:00", "--", "true"});
    // 10:30 at UTC+1 is 09:30Z, 90 minutes after kOptionsNow.
    CHECK(p.form.request_args(fixed_caller())["run_at_us"] == kOptionsNow + 5'400'000'000);
    Parsed q;
    CHECK_THROWS_AS(parse(q, {"--at", "10:00", "--in", "5m", "--", "true"}), CLI::ParseError);
}

TEST_CASE("values the request cannot carry are refused with tend's exit statuses",
          "[cli][submit]") {
    Parsed p;
    parse(p, {"--at", "tomorrowish", "--", "true"});
    try {
        (void)p.form.request_args(fixed_caller());
        FAIL("no error");
    } catch (const CliError& e) {
        CHECK(e.status == kExitUsage);
        CHECK(std::string(e.what()).starts_with("submit: --at: "));
    }
    Parsed q;
    parse(q, {"--", "true"});
    Caller lost = fixed_caller();
    lost.cwd.reset();
    lost.cwd_error = "No such file or directory";
    try {
        (void)q.form.request_args(lost);
        FAIL("no error");
    } catch (const CliError& e) {
        CHECK(e.status == kExitInvalid);
    }
    // An absolute --cwd needs no current directory.
    Parsed r;
    parse(r, {"-C", "/srv/", "--", "true"});
    CHECK(r.form.request_args(lost)["cwd"] == "/srv");
    for (const char* bad : {"--attempts=0", "--after=0", "--timeout=5q", "-e=NOEQUALS", "-p=x"}) {
        Parsed s;
        CHECK_THROWS_AS(parse(s, {bad, "--", "true"}), CLI::ParseError);
    }
}

TEST_CASE("the request the table writes is one tendd's typed request reads", "[cli][submit]") {
    Parsed p;
    parse(p, {"-q", "other", "--name", "n", "-p", "7", "--attempts", "2", "--timeout", "0",
              "--after", "3", "--key", "k", "-e", "A=1", "--", "true"});
    json a = p.form.request_args(fixed_caller());
    a["argv"] = p.form.command;
    a["shell"] = false;
    auto decoded = tend::jobs::decode_job_args("submit", a);
    REQUIRE(decoded);
    REQUIRE(*decoded);
    const auto& s = std::get<tend::jobs::SubmitRequest>(**decoded).shape;
    CHECK(s.queue == "other");
    CHECK(s.name == "n");
    CHECK(s.priority == 7);
    CHECK(s.max_attempts == 2);
    CHECK(s.timeout_us == 0);
    CHECK(s.after == std::vector<tend::jobs::JobId>{3});
    CHECK(s.key == "k");
    CHECK(s.cwd == "/work/dir");
    CHECK(s.argv == std::vector<std::string>{"true"});
}
