// tend-shim's command line: what JobProcess writes (wrap_in_shim) is what the shim reads.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cmd/shim/shim_args.hpp"
#include "queue/daemon/job_process.hpp"

using tend::shim::parse_shim_args;
using tend::shim::ShimArgs;

namespace {

// Parses words as main() would get them.
bool parse(std::vector<std::string> words, ShimArgs* out, std::string* error,
           std::vector<std::string>* job = nullptr) {
    static std::vector<std::string> keep;  // the parsed pointers point into these
    keep = std::move(words);
    static std::vector<char*> argv;
    argv.clear();
    for (auto& w : keep) argv.push_back(w.data());
    argv.push_back(nullptr);
    const char* e = nullptr;
    bool ok = parse_shim_args(static_cast<int>(keep.size()), argv.data(), out, &e);
    if (!ok) *error = e;
    if (ok && job) {
        job->clear();
        for (char* const* a = out->argv; *a; ++a) job->emplace_back(*a);
    }
    return ok;
}

}  // namespace

TEST_CASE("tend-shim reads a pid, an optional absolute --exec and the job after --", "[shim]") {
    ShimArgs a;
    std::string error;
    std::vector<std::string> job;
    REQUIRE(parse({"tend-shim", "42", "--", "sh", "-c", "exit 3"}, &a, &error, &job));
    CHECK(a.parent == 42);
    CHECK(a.exec == nullptr);
    CHECK(job == std::vector<std::string>{"sh", "-c", "exit 3"});
    REQUIRE(
        parse({"tend-shim", "7", "--exec", "/bin/sh", "--", "my-name", "--"}, &a, &error, &job));
    CHECK(std::string(a.exec) == "/bin/sh");
    CHECK(job == std::vector<std::string>{"my-name", "--"});  // the job's own "--" is its own

    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"tend-shim"},
             {"tend-shim", "42", "--"},
             {"tend-shim", "42", "--", ""},
             {"tend-shim", "042", "--", "true"},
             {"tend-shim", "0", "--", "true"},
             {"tend-shim", "-1", "--", "true"},
             {"tend-shim", "4194305", "--", "true"},
             {"tend-shim", "99999999999999999999", "--", "true"},
             {"tend-shim", "42", "true", "--"},
             {"tend-shim", "42", "--exec", "sh", "--", "true"},
             {"tend-shim", "42", "--exec", "/bin/sh", "true"},
         }) {
        INFO(bad.size());
        CHECK_FALSE(parse(bad, &a, &error));
        CHECK_FALSE(error.empty());
    }
}

TEST_CASE("a job wrapped in the shim keeps its argv and names the file found in its PATH",
          "[shim]") {
    tend::SpawnSpec spec;
    spec.argv = {"sh", "-c", "exit 3"};
    spec.env = {"PATH=/nonexistent:/bin:/usr/bin"};
    REQUIRE(tend::jobs::wrap_in_shim(spec, "/usr/libexec/tend/tend-shim", 42));
    REQUIRE(spec.argv.size() == 8);
    CHECK(spec.argv[0] == "/usr/libexec/tend/tend-shim");
    CHECK(spec.argv[3] == "/bin/sh");

    ShimArgs a;
    std::string error;
    std::vector<std::string> job;
    REQUIRE(parse(spec.argv, &a, &error, &job));
    CHECK(a.parent == 42);
    CHECK(std::string(a.exec) == "/bin/sh");
    CHECK(job == std::vector<std::string>{"sh", "-c", "exit 3"});

    // A command that is not there fails before any process, as it does without the shim.
    tend::SpawnSpec missing;
    missing.argv = {"no-such-command-anywhere"};
    missing.env = {"PATH=/nonexistent"};
    auto r = tend::jobs::wrap_in_shim(missing, "/x/tend-shim", 42);
    REQUIRE_FALSE(r);
    CHECK(r.error().find("no-such-command-anywhere") != std::string::npos);
}
