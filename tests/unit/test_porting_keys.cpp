// success_exit_codes, instance_offset and log_file (SPEC §3): parsing, reload classes, the
// clean-exit policy, instance numbering and the log directory rule.
#include <catch2/catch.hpp>

#include "supervisor/core/config_diff.hpp"
#include "supervisor/core/restart_policy.hpp"
#include "supervisor/util/dir_trust.hpp"
#include "tests/unit/config_fixtures.hpp"
#include "tests/unit/machine_fixtures.hpp"

using namespace tend;
using namespace tend::test;

namespace {

const ProgramConfig& program_of(const FullParseResult& r) {
    INFO((r.errors.empty() ? std::string() : r.errors[0]));
    REQUIRE(r.errors.empty());
    REQUIRE(r.config.programs.size() == 1);
    return r.config.programs[0];
}

}  // namespace

TEST_CASE("the three porting keys default to supervisord's behaviour") {
    auto r = parse(W(""));
    const ProgramConfig& p = program_of(r);
    CHECK(p.restart.success_exit_codes == std::vector<int>{0});
    CHECK(p.instance_offset == 0);
    CHECK_FALSE(p.log_file);
}

TEST_CASE("success_exit_codes, instance_offset and log_file parse") {
    auto r =
        parse(W("success_exit_codes = [3, 0, 3, 255]\ninstance_offset = 10\ninstances = 2\n"
                "log_file = \"/var/log/app/w-{instance}.log\"\n"));
    const ProgramConfig& p = program_of(r);
    CHECK(p.restart.success_exit_codes == std::vector<int>{0, 3, 255});  // sorted, unique
    CHECK(p.instance_offset == 10);
    REQUIRE(p.log_file);
    CHECK(*p.log_file == "/var/log/app/w-{instance}.log");
}

TEST_CASE("bad porting keys are errors at the value") {
    check_cases({
        {W("success_exit_codes = []\n"),
         "t.toml:3:22: \"success_exit_codes\" must be a non-empty array of exit codes, e.g. [0, "
         "3]"},
        {W("success_exit_codes = 0\n"),
         "t.toml:3:22: \"success_exit_codes\" must be a non-empty array of exit codes, e.g. [0, "
         "3]"},
        {W("success_exit_codes = [0, 256]\n"),
         "t.toml:3:26: \"success_exit_codes\" must be between 0 and 255"},
        {W("success_exit_codes = [\"0\"]\n"),
         "t.toml:3:23: \"success_exit_codes\" must be an integer"},
        {W("instance_offset = -1\n"),
         "t.toml:3:19: \"instance_offset\" must be between 0 and 100000"},
        {W("log_file = \"logs/w.log\"\n"),
         "t.toml:3:12: \"log_file\" must be an absolute path to a file"},
        {W("log_file = \"/var/log/app/\"\n"),
         "t.toml:3:12: \"log_file\" must be an absolute path to a file"},
        {W("instances = 2\nlog_file = \"/var/log/app/w.log\"\n"),
         "t.toml:4:12: \"log_file\" must contain {instance} when instances > 1"},
        {W("output = \"journal\"\nlog_file = \"/var/log/app/w.log\"\n"),
         "t.toml:4:12: \"log_file\" needs output = \"file\" or \"auto\" (output is \"journal\")"},
    });
}

TEST_CASE("instance numbers run from instance_offset; {instance} expands to them") {
    ProgramConfig c;
    c.instance_offset = 10;
    CHECK(instance_number(c, 0) == 10);
    CHECK(instance_number(c, 1) == 11);
    CHECK(expand_instance("/var/log/app/web-{instance}.log", instance_number(c, 1)) ==
          "/var/log/app/web-11.log");
    c.instance_offset = 0;
    CHECK(instance_number(c, 3) == 3);
}

TEST_CASE("reload: success_exit_codes and log_file are live, instance_offset rolls", "[reload]") {
    auto base = parse(W("instances = 2\n"));
    REQUIRE(base.errors.empty());
    auto live =
        parse(W("instances = 2\nsuccess_exit_codes = [0, 3]\n"
                "log_file = \"/tmp/w-{instance}.log\"\n"));
    REQUIRE(live.errors.empty());
    ConfigDiff d = diff_full_configs(base.config, live.config);
    REQUIRE(d.programs.size() == 1);
    CHECK(d.programs[0].change == ProgramChange::live);
    CHECK(d.programs[0].keys == std::vector<std::string>{"log_file", "success_exit_codes"});

    auto offset = parse(W("instances = 2\ninstance_offset = 10\n"));
    REQUIRE(offset.errors.empty());
    d = diff_full_configs(base.config, offset.config);
    CHECK(d.programs[0].change == ProgramChange::rolling);
    CHECK(d.programs[0].keys == std::vector<std::string>{"instance_offset"});
}

TEST_CASE("a clean exit is a listed code; signals and exec failures never are") {
    RestartPolicy p;
    p.success_exit_codes = {0, 3};
    CHECK(is_clean_exit(false, 0, false, p));
    CHECK(is_clean_exit(false, 3, false, p));
    CHECK_FALSE(is_clean_exit(false, 1, false, p));
    CHECK_FALSE(is_clean_exit(true, 3, false, p));  // killed by signal 3 (QUIT)
    CHECK_FALSE(is_clean_exit(false, 3, true, p));  // could not exec
    p.success_exit_codes = {2};
    CHECK_FALSE(is_clean_exit(false, 0, false, p));  // 0 is clean only when listed
}

TEST_CASE("exit_verdict: on-failure keeps clean exits, always restarts them without a crash") {
    using V = ExitVerdict;
    CHECK(exit_verdict(true, RestartMode::on_failure) == V::stay_exited);
    CHECK(exit_verdict(false, RestartMode::on_failure) == V::crash);
    CHECK(exit_verdict(true, RestartMode::always) == V::restart_clean);
    CHECK(exit_verdict(false, RestartMode::always) == V::crash);
    CHECK(exit_verdict(true, RestartMode::never) == V::stay_exited);
    CHECK(exit_verdict(false, RestartMode::never) == V::stay_exited);
}

TEST_CASE("restart = on-failure: an exit in success_exit_codes ends in exited") {
    RestartPolicy p = policy();
    p.mode = RestartMode::on_failure;
    p.success_exit_codes = {0, 3};
    InstanceMachine m(settings_with(p));
    m.start(kMonoT0);
    run(m, kMonoT0);
    Effects e = m.exited(code(3), kMonoT0 + 1s, kNoJitter);
    CHECK(m.state() == InstanceState::exited);
    CHECK(e.kill_group);
    CHECK_FALSE(e.spawn);
    CHECK_FALSE(e.timer_at);
    CHECK(m.reason() == "exited with code 3 (in success_exit_codes; restart = on-failure)");
    CHECK(m.restarts() == 0);
    CHECK(m.consecutive_crashes() == 0);
    REQUIRE(m.last_exit());
    CHECK(m.last_exit()->value == 3);

    // 0 is not listed here: a crash.
    p.success_exit_codes = {3};
    InstanceMachine z(settings_with(p));
    z.start(kMonoT0);
    run(z, kMonoT0);
    z.exited(code(0), kMonoT0 + 1s, kNoJitter);
    CHECK(z.state() == InstanceState::backoff);
}

TEST_CASE("restart = always: clean exits restart at restart_delay and never reach cooldown") {
    RestartPolicy p = policy();
    p.crash_limit = 3;
    p.success_exit_codes = {0, 3};
    InstanceMachine m(settings_with(p));
    m.start(kMonoT0);
    Usec now = kMonoT0;
    for (int i = 1; i <= 10; ++i) {
        run(m, now);
        Effects e = m.exited(code(3), now + 10ms, kNoJitter);
        INFO("exit " << i << ": " << m.reason());
        REQUIRE(m.state() == InstanceState::backoff);
        REQUIRE(e.timer_at);
        CHECK(*e.timer_at == now + 10ms + 100ms);  // never doubled
        CHECK(m.consecutive_crashes() == 0);
        CHECK(m.restarts() == i);
        CHECK(m.reason() ==
              "exited with code 3 (a success exit code; restart = always); restarting in 100ms");
        now = *e.timer_at;
        CHECK(m.timer_fired(now).spawn);
    }
    // A real crash after them starts its streak at one.
    run(m, now);
    m.exited(code(1), now + 10ms, kNoJitter);
    CHECK(m.state() == InstanceState::backoff);
    CHECK(m.consecutive_crashes() == 1);
}

TEST_CASE(
    "a log_file directory is root's, the daemon's or the program user's, written by no other") {
    constexpr uid_t kRoot = 0, kDaemon = 0, kApp = 1001, kOther = 1002;
    auto dir = [](mode_t perms, uid_t owner) {
        struct stat st {};
        st.st_mode = S_IFDIR | perms;
        st.st_uid = owner;
        st.st_nlink = 2;
        return st;
    };
    CHECK_FALSE(log_dir_distrust(dir(0755, kRoot), kDaemon, std::nullopt));
    CHECK_FALSE(log_dir_distrust(dir(0755, kApp), kDaemon, kApp));  // /var/log/app owned by app
    CHECK_FALSE(log_dir_distrust(dir(0700, kApp), kDaemon, kApp));
    auto other = log_dir_distrust(dir(0755, kOther), kDaemon, kApp);
    REQUIRE(other);
    CHECK(other->find("owned by uid 1002") != std::string::npos);
    CHECK(log_dir_distrust(dir(0755, kApp), kDaemon, std::nullopt));  // no program user
    auto group = log_dir_distrust(dir(0775, kApp), kDaemon, kApp);
    REQUIRE(group);
    CHECK(group->find("writable by its group") != std::string::npos);
    CHECK(log_dir_distrust(dir(01777, kRoot), kDaemon, kApp));  // /tmp: others may plant
    struct stat file {};
    file.st_mode = S_IFREG | 0640;
    file.st_nlink = 1;
    CHECK_FALSE(log_file_distrust(file));
    file.st_nlink = 2;
    CHECK(log_file_distrust(file));
    file.st_mode = S_IFIFO | 0640;
    file.st_nlink = 1;
    CHECK(log_file_distrust(file));
}
