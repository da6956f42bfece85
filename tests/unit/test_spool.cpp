// The spool: durable submit files written while tendd is away, listed oldest first, read back.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "queue/core/record_format.hpp"
#include "queue/store/spool.hpp"
#include "supervisor/util/unique_fd.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace tend;
using namespace tend::jobs;
using tend::test::read_file;
using tend::test::write_file;
namespace fs = std::filesystem;

namespace {

struct SpoolDir : tend::test::TempDir {
    std::string dir;
    UniqueFd fd;
    SpoolDir() : tend::test::TempDir("tend-spool"), dir(path + "/spool") {}
    std::string file(const std::string& name) const { return dir + "/" + name; }
    // tendd's view: the directory opened once.
    int dfd() {
        if (!fd) fd.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        REQUIRE(fd);
        return fd.get();
    }
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

using Outcome = SpoolRead::Outcome;

}  // namespace

TEST_CASE("spool files are written, listed oldest first, read back and removed", "[store]") {
    SpoolDir d;
    std::vector<std::string> env = {"PATH=/usr/bin", "EMPTY="};
    auto t1 = write_spool_file(d.dir, specs(1), env);
    REQUIRE(t1.ok());
    auto t2 = write_spool_file(d.dir, specs(3), {});
    REQUIRE(t2.ok());
    CHECK(*t1 < *t2);
    CHECK(t1->find('/') == std::string::npos);
    struct stat st {};
    REQUIRE(::stat(d.dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);

    write_file(d.file(".tmp-0000000000000001-1-00000000"), "half-written");
    write_file(d.file("x.refused"), "set aside");
    CHECK(list_spool(d.dfd()) == std::vector<std::string>{*t1, *t2});

    auto e1 = read_spool_file(d.dfd(), d.dir, *t1);
    REQUIRE(e1.outcome == Outcome::ok);
    CHECK(e1.entry.token == *t1);
    CHECK(e1.entry.specs == specs(1));
    CHECK(e1.entry.env == env);
    CHECK(e1.owner == ::geteuid());
    auto e2 = read_spool_file(d.dfd(), d.dir, *t2);
    REQUIRE(e2.outcome == Outcome::ok);
    CHECK(e2.entry.specs == specs(3));
    CHECK(e2.entry.env.empty());

    REQUIRE(remove_spool_file(d.dfd(), d.dir, *t1).ok());
    CHECK(list_spool(d.dfd()) == std::vector<std::string>{*t2});
    CHECK(remove_spool_file(d.dfd(), d.dir, *t1).ok());  // already gone
    CHECK(read_spool_file(d.dfd(), d.dir, *t1).outcome == Outcome::gone);
    REQUIRE(remove_spool_file(d.dfd(), d.dir, *t2).ok());
    CHECK(list_spool(d.dfd()).empty());
}

TEST_CASE("a damaged spool file is an error naming it, and can be set aside", "[store]") {
    SpoolDir d;
    auto token = write_spool_file(d.dir, specs(2), {"A=b"});
    REQUIRE(token.ok());
    std::string path = d.file(*token);
    std::string image = read_file(path);
    std::string flipped = image;
    flipped[image.size() - 5] ^= 0x01;
    write_file(path, flipped);
    auto r = read_spool_file(d.dfd(), d.dir, *token);
    REQUIRE(r.outcome == Outcome::damaged);
    CHECK_THAT(r.problem, Catch::StartsWith("damaged spool file " + path + ": "));

    write_file(path, image.substr(0, image.size() - 1));
    r = read_spool_file(d.dfd(), d.dir, *token);
    REQUIRE(r.outcome == Outcome::damaged);
    CHECK_THAT(r.problem, Catch::Contains("torn record"));

    std::string extra = image;
    append_frame(extra, RecordType::submit, encode_submit(specs(1)));
    write_file(path, extra);
    r = read_spool_file(d.dfd(), d.dir, *token);
    REQUIRE(r.outcome == Outcome::damaged);
    CHECK_THAT(r.problem, Catch::Contains("found 1 and 2"));

    write_file(path, "garbage");
    r = read_spool_file(d.dfd(), d.dir, *token);
    REQUIRE(r.outcome == Outcome::damaged);
    CHECK_THAT(r.problem, Catch::Contains("not a tend job log"));

    REQUIRE(set_aside_spool_file(d.dfd(), d.dir, *token, kSpoolDamagedSuffix).ok());
    CHECK(list_spool(d.dfd()).empty());
    CHECK(fs::exists(path + ".damaged"));
}

TEST_CASE("links and special files in the spool are refused unread", "[store]") {
    SpoolDir d;
    auto token = write_spool_file(d.dir, specs(1), {});
    REQUIRE(token.ok());
    const std::string target = d.path + "/target";
    write_file(target, read_file(d.file(*token)));

    REQUIRE(::symlink(target.c_str(), d.file("0000000000000001-1-symlink").c_str()) == 0);
    auto r = read_spool_file(d.dfd(), d.dir, "0000000000000001-1-symlink");
    CHECK(r.outcome == Outcome::refused);
    CHECK_THAT(r.problem, Catch::Contains("symbolic link"));

    REQUIRE(::link(target.c_str(), d.file("0000000000000002-1-hardlink").c_str()) == 0);
    r = read_spool_file(d.dfd(), d.dir, "0000000000000002-1-hardlink");
    CHECK(r.outcome == Outcome::refused);
    CHECK_THAT(r.problem, Catch::Contains("2 hard links"));

    REQUIRE(::mkfifo(d.file("0000000000000003-1-fifo").c_str(), 0600) == 0);
    r = read_spool_file(d.dfd(), d.dir, "0000000000000003-1-fifo");
    CHECK(r.outcome == Outcome::refused);
    CHECK_THAT(r.problem, Catch::Contains("not a regular file"));

    REQUIRE(set_aside_spool_file(d.dfd(), d.dir, "0000000000000001-1-symlink", kSpoolRefusedSuffix)
                .ok());
    CHECK(fs::is_symlink(d.file("0000000000000001-1-symlink.refused")));
    CHECK(read_file(target) == read_file(d.file(*token)));  // the target is untouched
}

TEST_CASE("spool tokens cannot name files outside the spool", "[store]") {
    SpoolDir d;
    REQUIRE(write_spool_file(d.dir, specs(1), {}).ok());
    for (std::string bad : {"", "../jobs.log", ".tmp-x", "a/b"}) {
        INFO(bad);
        CHECK(read_spool_file(d.dfd(), d.dir, bad).outcome == Outcome::refused);
        CHECK_FALSE(remove_spool_file(d.dfd(), d.dir, bad).ok());
        CHECK_FALSE(set_aside_spool_file(d.dfd(), d.dir, bad, kSpoolDamagedSuffix).ok());
    }
    CHECK_FALSE(is_spool_token("x.damaged"));
    CHECK_FALSE(is_spool_token("x.refused"));
    CHECK_FALSE(is_spool_token(".tmp-1"));
    CHECK(is_spool_token("0000000000000001-1-00000000"));
}

TEST_CASE("parse_spool refuses any bytes that are not one env and one submit record", "[store]") {
    SpoolDir d;
    auto token = write_spool_file(d.dir, specs(2), {"A=b"});
    REQUIRE(token.ok());
    const std::string image = read_file(d.file(*token));
    REQUIRE(parse_spool(image).ok());
    // Every prefix and every single-byte flip: an error or a value, never a throw.
    for (std::size_t n = 0; n < image.size(); ++n)
        CHECK_FALSE(parse_spool(image.substr(0, n)).ok());
    for (std::size_t i = 0; i < image.size(); ++i) {
        std::string b = image;
        b[i] = static_cast<char>(b[i] ^ 0x5a);
        CHECK_NOTHROW(parse_spool(b));
    }
}
