// Hints for common command-line mistakes: a job's command without `--`, and a shell line given
// as one word without --shell (issue 15's papercuts).
#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "cmd/submit_options.hpp"
#include "cmd/usage_hint.hpp"

using namespace tend::cli;

namespace {

// `tend submit`'s real declarations, under an app with a global option taking a value.
struct SubmitApp {
    CLI::App app;
    SubmitForm form;
    bool json = false;
    std::string socket;
    CLI::App* sub;
    SubmitApp() {
        app.add_option("--socket", socket);
        sub = add_submit_command(app, json, form);
    }
};

std::string suggest(const std::vector<std::string>& before, const std::vector<std::string>& after) {
    SubmitApp s;
    return dashdash_suggestion(*s.sub, before, after, 0);
}

}  // namespace

TEST_CASE("a job's command without -- gets the same line with --", "[cli][hint]") {
    CHECK(suggest({"submit"}, {"ls", "-la"}) == "tend submit -- ls -la");
    CHECK(suggest({"--socket", "/s", "submit"}, {"--queue", "batch", "ls", "-la"}) ==
          "tend --socket /s submit --queue batch -- ls -la");
    CHECK(suggest({"submit"}, {"--queue=batch", "--wait", "grep", "-c", "a b"}) ==
          "tend submit --queue=batch --wait -- grep -c 'a b'");
    // A global option given after the subcommand keeps its value.
    CHECK(suggest({"submit"}, {"--socket", "/s", "ls", "-la"}) ==
          "tend submit --socket /s -- ls -la");
}

TEST_CASE("no -- suggestion where that is not the mistake", "[cli][hint]") {
    CHECK(suggest({"submit"}, {"--", "ls", "-la"}).empty());
    CHECK(suggest({"submit"}, {"--nosuch", "ls"}).empty());
    CHECK(suggest({"submit"}, {"--queue", "batch"}).empty());
}

TEST_CASE("cron add's NAME and EXPR stay before --", "[cli][hint]") {
    CLI::App cron("cron");
    CLI::App* add = cron.add_subcommand("add");
    std::string name, expr, tz;
    std::vector<std::string> command;
    add->add_option("NAME", name);
    add->add_option("EXPR", expr);
    add->add_option("--tz", tz);
    add->add_option("CMD", command)->expected(-1);
    CHECK(dashdash_suggestion(*add, {"cron", "add"},
                              {"nightly", "0 3 * * *", "--tz", "UTC", "ls", "-la"},
                              2) == "tend cron add nightly '0 3 * * *' --tz UTC -- ls -la");
}

TEST_CASE("shell_quote leaves plain words alone and quotes the rest", "[cli][hint]") {
    CHECK(shell_quote("ls") == "ls");
    CHECK(shell_quote("/a/b.txt") == "/a/b.txt");
    CHECK(shell_quote("") == "''");
    CHECK(shell_quote("a b") == "'a b'");
    CHECK(shell_quote("it's") == "'it'\\''s'");
}

TEST_CASE("a shell line given as one word is found before it runs", "[cli][hint]") {
    const std::set<std::string> files = {"/usr/bin/echo", "/opt/my tools/run it",
                                         "/work/dir/with space.sh", "/home/a/bin/a|b"};
    const IsExecutable exists = [&](const std::string& p) { return files.count(p) > 0; };
    const std::vector<std::string> env = {"HOME=/home/a", "PATH=/usr/bin:/home/a/bin"};
    auto hint = [&](const std::vector<std::string>& argv) {
        return shell_line_suggestion(argv, env, "/work/dir", exists, "tend submit");
    };
    CHECK(hint({"echo a | tr a b"}) == "tend submit --shell 'echo a | tr a b'");
    CHECK(hint({"ls -la"}) == "tend submit --shell 'ls -la'");
    CHECK(hint({"cat", "x;", "y"}).empty());  // metacharacters in later words are arguments
    CHECK(hint({"echo $HOME"}) == "tend submit --shell 'echo $HOME'");
    CHECK(hint({"cat /etc/passwd | wc -l"}) == "tend submit --shell 'cat /etc/passwd | wc -l'");
    CHECK(hint({"ls -l", "/tmp"}) == "tend submit --shell 'ls -l /tmp'");
    CHECK(hint({"-x y"}) == "tend submit --shell -- '-x y'");
    // Executables that really have such names run as they are.
    CHECK(hint({"/opt/my tools/run it"}).empty());
    CHECK(hint({"./with space.sh"}).empty());
    CHECK(hint({"a|b"}).empty());  // found in PATH
    // Plain words are never questioned, found or not.
    CHECK(hint({"echo", "a", "|", "tr"}).empty());
    CHECK(hint({"nosuchcommand"}).empty());
    // Without PATH in the environment, tendd's default is searched.
    CHECK(shell_line_suggestion({"echo hi"}, {}, "/", exists, "tend submit") ==
          "tend submit --shell 'echo hi'");
}
