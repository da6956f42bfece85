// The spool: durable submit files written while tendd is away, listed oldest first, read back.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "queue/core/record_format.hpp"
#include "queue/store/spool.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace tend;
using namespace tend::jobs;
using tend::test::read_file;
using tend::test::write_file;
namespace fs = std::filesystem;

namespace {

struct SpoolDir : test::TempDir {
    const std::string& state = path;
    SpoolDir() : test::TempDir("tend-spool") {}
    std::string file(const std::string& name) const { return spool_dir(state) + "/" + name; }
};

std::vector<JobSpec> specs(int n) {
    std::vector<JobSpec> out;
    for (int i = 0; i < n; ++i) {
        JobSpec s;
        s.name = "spooled" + std::to_string(i);
        s.argv = {"/usr/bin/env", std::string("a\0b", 3)};
        s.priority = -i;
        s.uid = 1000;
        s.after = {7};
        out.push_back(s);
    }
    return out;
}

}  // namespace

TEST_CASE("spool files are written, listed oldest first, read back and removed", "[store]") {
    SpoolDir dir;
    CHECK(list_spool(dir.state).empty());  // no spool directory yet
    std::vector<std::string> env = {"PATH=/usr/bin", "EMPTY="};
    auto t1 = write_spool_file(dir.state, specs(1), env);
    REQUIRE(t1.ok());
    auto t2 = write_spool_file(dir.state, specs(3), {});
    REQUIRE(t2.ok());
    CHECK(*t1 < *t2);
    CHECK(t1->find('/') == std::string::npos);
    struct stat st {};
    REQUIRE(::stat(spool_dir(dir.state).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);

    write_file(dir.file(".tmp-0000000000000001-1-00000000"), "half-written");
    CHECK(list_spool(dir.state) == std::vector<std::string>{*t1, *t2});

    auto e1 = read_spool_file(dir.state, *t1);
    REQUIRE(e1.ok());
    CHECK(e1->token == *t1);
    CHECK(e1->specs == specs(1));
    CHECK(e1->env == env);
    auto e2 = read_spool_file(dir.state, *t2);
    REQUIRE(e2.ok());
    CHECK(e2->specs == specs(3));
    CHECK(e2->env.empty());

    REQUIRE(remove_spool_file(dir.state, *t1).ok());
    CHECK(list_spool(dir.state) == std::vector<std::string>{*t2});
    CHECK(remove_spool_file(dir.state, *t1).ok());  // already gone
    REQUIRE(remove_spool_file(dir.state, *t2).ok());
    CHECK(list_spool(dir.state).empty());
}

TEST_CASE("a damaged spool file is an error naming it, and can be set aside", "[store]") {
    SpoolDir dir;
    auto token = write_spool_file(dir.state, specs(2), {"A=b"});
    REQUIRE(token.ok());
    std::string path = dir.file(*token);
    std::string image = read_file(path);
    std::string flipped = image;
    flipped[image.size() - 5] ^= 0x01;
    write_file(path, flipped);
    auto r = read_spool_file(dir.state, *token);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::StartsWith("damaged spool file " + path + ": "));

    write_file(path, image.substr(0, image.size() - 1));
    r = read_spool_file(dir.state, *token);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains("torn record"));

    std::string extra = image;
    append_frame(extra, RecordType::submit, encode_submit(specs(1)));
    write_file(path, extra);
    r = read_spool_file(dir.state, *token);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains("found 1 and 2"));

    write_file(path, "garbage");
    r = read_spool_file(dir.state, *token);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains("not a tend job log"));

    REQUIRE(set_aside_spool_file(dir.state, *token).ok());
    CHECK(list_spool(dir.state).empty());
    CHECK(fs::exists(path + ".damaged"));

    auto missing = read_spool_file(dir.state, *token);
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(missing.error(), Catch::Contains(path));
    CHECK_THAT(missing.error(), Catch::Contains("No such file or directory"));
}

TEST_CASE("spool tokens cannot name files outside the spool", "[store]") {
    SpoolDir dir;
    for (std::string bad : {"", "../jobs.log", ".tmp-x", "a/b"}) {
        INFO(bad);
        CHECK_FALSE(read_spool_file(dir.state, bad).ok());
        CHECK_FALSE(remove_spool_file(dir.state, bad).ok());
        CHECK_FALSE(set_aside_spool_file(dir.state, bad).ok());
    }
}
