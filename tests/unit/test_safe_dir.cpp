// The symlink-safe walk and file opening on a real (temporary) directory tree.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor/daemon/pidfile.hpp"
#include "supervisor/daemon/safe_dir.hpp"
#include "temp_dir.hpp"

using namespace tend;
using tend::test::read_file;
using tend::test::TempDir;
using tend::test::write_file;

TEST_CASE("split_dir_name splits off the last name and refuses none") {
    CHECK(split_dir_name("/run/app/app.pid")->first == "/run/app");
    CHECK(split_dir_name("/run/app/app.pid")->second == "app.pid");
    CHECK(split_dir_name("/x")->first == "/");
    CHECK(split_dir_name("tend.sock")->first == ".");
    for (const char* bad : {"", "/run/", "/run/..", "."}) CHECK_FALSE(split_dir_name(bad).ok());
}

TEST_CASE("the walk creates missing directories with exactly the mode asked for") {
    TempDir t;
    const mode_t old = umask(077);
    auto d = open_dir_path(t.path + "/a/b", 0755);
    umask(old);
    REQUIRE(d.ok());
    CHECK(d->unstable.empty());
    struct stat st {};
    REQUIRE(stat((t.path + "/a/b").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);
    CHECK(d->st.st_ino == st.st_ino);
}

TEST_CASE("a link of the daemon's own user in its own directory is followed") {
    TempDir t;
    REQUIRE(mkdir((t.path + "/real").c_str(), 0700) == 0);
    REQUIRE(symlink("real", (t.path + "/link").c_str()) == 0);
    auto d = open_dir_path(t.path + "/link/../link/.");
    REQUIRE(d.ok());
    struct stat st {};
    REQUIRE(stat((t.path + "/real").c_str(), &st) == 0);
    CHECK(d->st.st_ino == st.st_ino);
}

TEST_CASE("a link another user owns is not followed, and the message names it") {
    if (geteuid() != 0) {
        WARN("skipped: needs root to give a link to another user");
        return;
    }
    TempDir t;
    REQUIRE(mkdir((t.path + "/real").c_str(), 0700) == 0);
    const std::string link = t.path + "/link";
    REQUIRE(symlink("real", link.c_str()) == 0);
    REQUIRE(lchown(link.c_str(), 4242, 4242) == 0);
    auto d = open_dir_path(link + "/sub");
    REQUIRE_FALSE(d.ok());
    CHECK(d.error() == "cannot open directory " + link + "/sub: " + link +
                           " is a symbolic link that tendd does not follow: it is owned by uid "
                           "4242");
    // A pidfile through it is refused; nothing appears in the link's target.
    CHECK_FALSE(write_pidfile(link + "/x.pid", 42).ok());
    CHECK(access((t.path + "/real/x.pid").c_str(), F_OK) != 0);
}

TEST_CASE("a private dir must be the daemon's and writable by it alone") {
    TempDir t;
    REQUIRE(mkdir((t.path + "/open").c_str(), 0700) == 0);
    REQUIRE(chmod((t.path + "/open").c_str(), 0777) == 0);
    auto d = open_private_dir(t.path + "/open", 0700, "state dir");
    REQUIRE_FALSE(d.ok());
    CHECK(d.error() == "state dir " + t.path +
                           "/open is refused: it is writable by group and others (mode 0777)");
    CHECK(open_private_dir(t.path + "/new", 0700, "state dir").ok());
}

TEST_CASE("open_regular_at refuses a link and a FIFO instead of following or blocking") {
    TempDir t;
    write_file(t.path + "/target", "precious");
    REQUIRE(symlink((t.path + "/target").c_str(), (t.path + "/link").c_str()) == 0);
    REQUIRE(mkfifo((t.path + "/fifo").c_str(), 0600) == 0);
    auto l = open_regular(t.path + "/link", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE_FALSE(l.ok());
    CHECK(l.error() == t.path + "/link is a symbolic link: tendd does not follow it");
    CHECK(read_file(t.path + "/target") == "precious");
    auto f = open_regular(t.path + "/fifo", O_RDONLY);
    REQUIRE_FALSE(f.ok());
    CHECK(f.error() == t.path + "/fifo is not a regular file");
    CHECK(open_regular(t.path + "/fresh", O_WRONLY | O_CREAT, 0600).ok());
}

TEST_CASE("a pidfile replaces a link at its name and is removed only while it is ours") {
    TempDir t;
    write_file(t.path + "/target", "precious");
    const std::string pidfile = t.path + "/app.pid";
    REQUIRE(symlink((t.path + "/target").c_str(), pidfile.c_str()) == 0);
    REQUIRE(write_pidfile(pidfile, 4242).ok());
    struct stat st {};
    REQUIRE(lstat(pidfile.c_str(), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK((st.st_mode & 0777) == 0644);
    CHECK(read_file(pidfile) == "4242\n");
    CHECK(read_file(t.path + "/target") == "precious");
    remove_pidfile(pidfile, 1);  // another pid: stays
    CHECK(access(pidfile.c_str(), F_OK) == 0);
    remove_pidfile(pidfile, 4242);
    CHECK(access(pidfile.c_str(), F_OK) != 0);
    // Nothing but the pidfile was left behind (no temporary file).
    CHECK(rmdir(t.path.c_str()) != 0);
    CHECK(unlink((t.path + "/target").c_str()) == 0);
    CHECK(rmdir(t.path.c_str()) == 0);
    REQUIRE(mkdir(t.path.c_str(), 0700) == 0);  // for TempDir's clean-up
}
