// The spool pairs with the socket: the pairing file, the CLI's choice of spool, and tendd's
// checks of the spool directory.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "queue/store/spool_dir.hpp"
#include "queue/store/spool_pairing.hpp"
#include "supervisor/config/paths.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace tend;
using namespace tend::jobs;

TEST_CASE("the pairing file holds one absolute path", "[spool]") {
    CHECK(parse_pairing(encode_pairing("/var/spool/tend")).value() == "/var/spool/tend");
    // A tendd that takes in no spool (its queue is on PostgreSQL).
    CHECK(encode_pairing("") == "none\n");
    CHECK(parse_pairing("none\n").value().empty());
    for (const std::string& bad :
         std::vector<std::string>{"", "\n", "relative\n", "/no/newline", "/a\n/b\n",
                                  std::string("/a\0b\n", 5), "/" + std::string(5000, 'x') + "\n"}) {
        INFO(bad);
        CHECK_FALSE(parse_pairing(bad).ok());
    }
}

TEST_CASE("tendd writes SOCKET.spool and tend reads it back", "[spool]") {
    tend::test::TempDir d("tend-pairing");
    const std::string sock = d.path + "/tend.sock";
    CHECK(read_pairing_file(sock, ::getuid()).state == Pairing::State::absent);
    REQUIRE(write_pairing_file(sock, "/srv/spool").ok());
    struct stat st {};
    REQUIRE(::lstat(pairing_path(sock).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    auto p = read_pairing_file(sock, ::getuid());
    REQUIRE(p.state == Pairing::State::found);
    CHECK(p.spool == "/srv/spool");
    REQUIRE(write_pairing_file(sock, "/srv/other").ok());  // replaced, not appended
    CHECK(read_pairing_file(sock, ::getuid()).spool == "/srv/other");

    REQUIRE(::chmod(pairing_path(sock).c_str(), 0666) == 0);
    p = read_pairing_file(sock, ::getuid());
    CHECK(p.state == Pairing::State::untrusted);
    CHECK_THAT(p.problem, Catch::Contains("writable by other users"));

    ::unlink(pairing_path(sock).c_str());
    tend::test::write_file(d.path + "/elsewhere", "/tmp/evil\n");
    REQUIRE(::symlink((d.path + "/elsewhere").c_str(), pairing_path(sock).c_str()) == 0);
    p = read_pairing_file(sock, ::getuid());
    CHECK(p.state == Pairing::State::untrusted);
    CHECK_THAT(p.problem, Catch::Contains("symbolic link"));
}

TEST_CASE("tend submit picks the spool that pairs with the socket, or none", "[spool]") {
    SpoolChoiceInput in;
    in.socket = "/srv/app/tend.sock";
    in.default_spool = "/home/u/.local/state/tend/spool";
    // Nothing says which daemon listens there: no guess.
    auto r = choose_submit_spool(in);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains("/srv/app/tend.sock.spool"));
    // The system socket pairs with the system spool.
    in.socket = kSystemSocket;
    CHECK(choose_submit_spool(in).value() == kSystemSpool);
    // A named state dir pairs as tendd pairs it (STATE/spool).
    in.state_dir_named = true;
    in.state_dir = "/srv/state";
    CHECK(choose_submit_spool(in).value() == "/srv/state/spool");
    // The pairing file beats what the flags imply.
    in.pairing.state = Pairing::State::found;
    in.pairing.spool = "/var/spool/app";
    CHECK(choose_submit_spool(in).value() == "/var/spool/app");
    // A tendd that takes in no spool: no job is spooled for it, whatever the flags imply.
    in.pairing.spool = "";
    r = choose_submit_spool(in);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains("takes in no spool"));
    // An untrusted one is an error, never passed over for a guess.
    in.pairing.state = Pairing::State::untrusted;
    in.pairing.problem = "X is owned by uid 1001";
    r = choose_submit_spool(in);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains("owned by uid 1001"));
    // --spool / TEND_SPOOL beat everything.
    in.spool_named = "/named";
    CHECK(choose_submit_spool(in).value() == "/named");
    // The caller's own default socket pairs with its default spool.
    SpoolChoiceInput mine;
    mine.socket = "/run/user/1000/tend/tend.sock";
    mine.socket_is_default = true;
    mine.default_spool = "/home/u/.local/state/tend/spool";
    CHECK(choose_submit_spool(mine).value() == mine.default_spool);
}

TEST_CASE("the spool directory must not let other users read, replace or delete entries",
          "[spool]") {
    SpoolDirPolicy priv{1000, std::nullopt};
    SpoolDirPolicy shared{0, gid_t{42}};
    CHECK(priv.mode() == 0700);
    CHECK(shared.mode() == 01730);
    CHECK_FALSE(spool_dir_problem(1000, 1000, 040700, priv));
    CHECK_FALSE(spool_dir_problem(0, 42, 041730, shared));
    CHECK_FALSE(spool_dir_problem(0, 0, 040700, shared));  // repaired to 1730 root:42
    CHECK_FALSE(spool_dir_problem(0, 42, 041730, SpoolDirPolicy{0, std::nullopt}));  // tightened
    CHECK_THAT(*spool_dir_problem(1001, 1000, 040700, priv), Catch::Contains("owned by uid 1001"));
    CHECK_THAT(*spool_dir_problem(1000, 1000, 040755, priv), Catch::Contains("other users"));
    CHECK_THAT(*spool_dir_problem(1000, 1000, 041777, priv), Catch::Contains("other users"));
    CHECK_THAT(*spool_dir_problem(0, 42, 040730, shared), Catch::Contains("sticky"));
    CHECK_THAT(*spool_dir_problem(0, 42, 041770, shared), Catch::Contains("list"));
    CHECK_THAT(*spool_dir_problem(0, 7, 041730, shared), Catch::Contains("not the socket_group"));
    CHECK_THAT(*spool_dir_problem(0, 7, 040770, priv), Catch::Contains("owned by uid 0"));

    CHECK_FALSE(spool_parent_problem(0, 040755, 1000));
    CHECK_FALSE(spool_parent_problem(1000, 040700, 1000));
    CHECK_FALSE(spool_parent_problem(0, 041777, 1000));  // /tmp: sticky
    CHECK(spool_parent_problem(1001, 040755, 1000));
    CHECK(spool_parent_problem(0, 040777, 1000));
}

TEST_CASE("tendd creates its spool with the policy's mode and refuses a bad one", "[spool]") {
    tend::test::TempDir d("tend-spooldir");
    const std::string dir = d.path + "/a/spool";
    SpoolDirPolicy policy{::geteuid(), std::nullopt};
    auto fd = open_spool_dir(dir, policy);
    REQUIRE(fd.ok());
    struct stat st {};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);
    REQUIRE(::chmod(dir.c_str(), 0755) == 0);
    auto bad = open_spool_dir(dir, policy);
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error(), Catch::Contains(dir));
    CHECK_THAT(bad.error(), Catch::Contains("other users"));
    const std::string link = d.path + "/link";
    REQUIRE(::symlink(dir.c_str(), link.c_str()) == 0);
    auto linked = open_spool_dir(link, policy);
    REQUIRE_FALSE(linked.ok());
    CHECK_THAT(linked.error(), Catch::Contains("symbolic link"));
}

TEST_CASE("tendd's spool: --spool, else a named state dir's, else the instance default",
          "[spool]") {
    const char* saved = std::getenv("TEND_SPOOL");
    const std::string saved_value = saved ? saved : "";
    ::unsetenv("TEND_SPOOL");
    Paths p = resolve_paths("", "/srv/state", "/srv/tend.sock", "");
    CHECK(p.spool == "/srv/state/spool");
    CHECK_FALSE(p.spool_explicit);
    CHECK(p.state_dir_explicit);
    CHECK(p.socket_explicit);
    p = resolve_paths("", "/srv/state", "", "/srv/spool");
    CHECK(p.spool == "/srv/spool");
    CHECK(p.spool_explicit);
    CHECK(p.socket == p.default_socket);
    ::setenv("TEND_SPOOL", "rel/spool", 1);
    p = resolve_paths("", "", "", "");
    CHECK(p.spool == absolute_path("rel/spool"));
    CHECK(p.spool.front() == '/');
    ::unsetenv("TEND_SPOOL");
    p = resolve_paths("", "", "", "");
    if (::geteuid() == 0)
        CHECK(p.spool == kSystemSpool);
    else
        CHECK(p.spool == p.state_dir + "/spool");
    if (saved) ::setenv("TEND_SPOOL", saved_value.c_str(), 1);
}
