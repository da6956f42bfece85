// The lean front end's `tend submit` parser against CLI11's: whatever it accepts, CLI11 reads
// the same way (so it only ever decides speed, never meaning); the command word.
#include <catch2/catch.hpp>
#include <random>

#include "cmd/commands.hpp"
#include "cmd/submit_args.hpp"

using namespace tend::cli;

namespace {

using Args = std::vector<std::string>;

std::vector<const char*> argv_of(const Args& words) {
    std::vector<const char*> argv = {"tend"};
    for (const auto& w : words) argv.push_back(w.c_str());
    argv.push_back(nullptr);
    return argv;
}

std::optional<FastSubmit> fast(const Args& words) {
    auto argv = argv_of(words);
    return parse_submit_fast(int(argv.size()) - 1, argv.data());
}

// What `tend-cli` reads from the same words: the same global options and `submit` command.
std::optional<FastSubmit> cli11(const Args& words) {
    CLI::App app;
    CliContext ctx;
    FastSubmit f;
    add_global_options(app, ctx);
    app.require_subcommand(1);
    add_submit_command(app, ctx, f.options)->fallthrough();
    auto argv = argv_of(words);
    try {
        app.parse(int(argv.size()) - 1, argv.data());
    } catch (const CLI::ParseError&) {
        return std::nullopt;
    }
    f.socket = ctx.socket_flag;
    f.config = ctx.config_flag;
    f.state_dir = ctx.state_dir_flag;
    f.spool = ctx.spool_flag;
    f.json = ctx.json;
    return f;
}

std::string describe(const Args& words) {
    std::string s = "tend";
    for (const auto& w : words) s += " '" + w + "'";
    return s;
}

void require_same(const FastSubmit& a, const FastSubmit& b) {
    const SubmitOptions& x = a.options;
    const SubmitOptions& y = b.options;
    CHECK(x.command == y.command);
    CHECK(x.queue == y.queue);
    CHECK(x.name == y.name);
    CHECK(x.priority == y.priority);
    CHECK(x.in == y.in);
    CHECK(x.at == y.at);
    CHECK(x.attempts == y.attempts);
    CHECK(x.timeout == y.timeout);
    CHECK(x.after == y.after);
    CHECK(x.key == y.key);
    CHECK(x.env == y.env);
    CHECK(x.cwd == y.cwd);
    CHECK(x.wait == y.wait);
    CHECK(x.shell == y.shell);
    CHECK(x.from_stdin == y.from_stdin);
    CHECK(a.socket == b.socket);
    CHECK(a.config == b.config);
    CHECK(a.state_dir == b.state_dir);
    CHECK(a.spool == b.spool);
    CHECK(a.json == b.json);
}

}  // namespace

TEST_CASE("the front end reads common submit lines as CLI11 does", "[cli][front]") {
    const std::vector<Args> lines = {
        {"submit", "--", "true"},
        {"submit", "true"},
        {"submit", "echo", "hello world"},
        {"submit", "--", "ls", "-l", "--", "x"},
        {"--socket", "/run/t.sock", "submit", "--", "true"},
        {"--socket=/run/t.sock", "submit", "--", "true"},
        {"submit", "--socket", "/s", "--state-dir", "/st", "--config", "/c.toml", "--", "true"},
        {"--spool", "/var/spool/app", "submit", "--", "true"},
        {"submit", "--spool=/sp", "--", "true"},
        {"submit", "-q", "mail", "--name", "digest", "-p", "5", "--", "./send"},
        {"submit", "--queue=mail", "--priority=-3", "--attempts", "3", "--", "x"},
        {"submit", "--in", "1h30m", "--timeout", "10s", "--", "x"},
        {"submit", "--at", "02:00", "--shell", "--", "pg_dump app | gzip > a.gz"},
        {"submit", "--after", "7", "--after", "12", "--key", "k1", "--", "x"},
        {"submit", "-e", "A=1", "--env", "B=x=y", "--env=C=", "-C", "/tmp", "--", "env"},
        {"submit", "--wait", "--json", "--", "false"},
        {"submit", "--stdin", "--queue", "images"},
        {"submit", "--priority", "0", "--attempts", "999999999", "--", "x"},
    };
    for (const auto& words : lines) {
        INFO(describe(words));
        auto f = fast(words);
        auto c = cli11(words);
        REQUIRE(f);
        REQUIRE(c);
        require_same(*f, *c);
    }
    auto f = fast({"submit", "-q", "q", "-p", "-0", "--", "a"});
    CHECK_FALSE(f);  // "-0" starts with '-': CLI11 decides what it is
}

TEST_CASE("the front end leaves unusual submit lines to CLI11", "[cli][front]") {
    const std::vector<Args> lines = {
        {},
        {"status"},
        {"--help"},
        {"-V"},
        {"submit", "--help"},
        {"submit", "-h", "--", "x"},
        {"submit", "--bogus", "--", "x"},
        {"submit", "-qmail", "--", "x"},              // attached short value
        {"submit", "-q", "a", "-q", "b", "--", "x"},  // repeated single option
        {"submit", "--wait", "--wait", "--", "x"},
        {"submit", "--wait=true", "--", "x"},
        {"submit", "--in", "5m", "--at", "10:00", "--", "x"},
        {"submit", "--in", "soon", "--", "x"},
        {"submit", "--timeout", "forever", "--", "x"},
        {"submit", "-p", "010", "--", "x"},  // octal to CLI11
        {"submit", "-p", "+5", "--", "x"},
        {"submit", "-p", "99999999999", "--", "x"},
        {"submit", "--attempts", "0", "--", "x"},
        {"submit", "--attempts", "1000000000", "--", "x"},
        {"submit", "--after", "0", "--", "x"},
        {"submit", "--after", "abc", "--", "x"},
        {"submit", "-e", "=x", "--", "x"},
        {"submit", "-e", "NOEQUALS", "--", "x"},
        {"submit", "--name", "", "--", "x"},
        {"submit", "--name", "-dash", "--", "x"},
        {"submit", "echo", "--queue", "q"},  // an option after the command, without "--"
        {"submit", "-"},
        {"submit", "--queue"},
        {"--", "submit", "x"},
        {"--bogus", "submit", "--", "x"},
        {"-q", "q", "submit", "--", "x"},  // a submit option before the command word
    };
    for (const auto& words : lines) {
        INFO(describe(words));
        CHECK_FALSE(fast(words));
    }
}

TEST_CASE("whatever the front end accepts, CLI11 reads the same (random lines)", "[cli][front]") {
    const std::vector<std::string> tokens = {"--queue",
                                             "-q",
                                             "--queue=q2",
                                             "q1",
                                             "--name",
                                             "n",
                                             "-p",
                                             "--priority",
                                             "5",
                                             "-5",
                                             "--priority=-7",
                                             "010",
                                             "--in",
                                             "5m",
                                             "--at",
                                             "10:00",
                                             "--attempts",
                                             "3",
                                             "0",
                                             "--timeout",
                                             "1h",
                                             "--after",
                                             "7",
                                             "--key",
                                             "k",
                                             "-e",
                                             "--env",
                                             "A=1",
                                             "=x",
                                             "--env=B=2",
                                             "-C",
                                             "--cwd",
                                             "/tmp",
                                             "--wait",
                                             "--shell",
                                             "--stdin",
                                             "--json",
                                             "--socket",
                                             "/s",
                                             "--config",
                                             "--state-dir",
                                             "--spool",
                                             "--",
                                             "echo",
                                             "hi",
                                             "-x",
                                             "submit",
                                             "-h",
                                             "--wait=1",
                                             "",
                                             "-qx",
                                             "--in=90s"};
    std::mt19937 rng(20261122);
    std::uniform_int_distribution<size_t> pick(0, tokens.size() - 1);
    std::uniform_int_distribution<int> length(0, 9);
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        Args words;
        if (round % 3 == 0) words = {"--socket", "/g"};
        words.push_back("submit");
        for (int n = length(rng); n > 0; --n) words.push_back(tokens[pick(rng)]);
        auto f = fast(words);
        if (!f) continue;
        ++accepted;
        INFO(describe(words));
        auto c = cli11(words);
        REQUIRE(c);
        require_same(*f, *c);
    }
    // The random lines must exercise the accepting side, not only the fallback.
    CHECK(accepted > 2000);
}

TEST_CASE("the command word skips global options and their values", "[cli][front]") {
    auto word = [](const Args& words) {
        auto argv = argv_of(words);
        return std::string(command_word(int(argv.size()) - 1, argv.data()));
    };
    CHECK(word({"status"}) == "status");
    CHECK(word({"--socket", "/s", "logs", "-f"}) == "logs");
    CHECK(word({"--socket=/s", "check"}) == "check");
    CHECK(word({"--config", "c.toml", "--state-dir", "/st", "jobs"}) == "jobs");
    CHECK(word({"--json", "jobs"}) == "jobs");
    CHECK(word({"--spool", "/sp", "jobs"}) == "jobs");
    CHECK(word({}).empty());
    CHECK(word({"--help"}).empty());
    CHECK(word({"--", "status"}).empty());
}
