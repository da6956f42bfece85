// JobLogView: a stopped daemon's jobs.log read-only, answering `jobs`, `show` and `logs` as tendd
// would; and which state dir `tend` reads when tendd is down (choose_read_state_dir).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cmd/offline_jobs.hpp"
#include "queue/store/job_log_view.hpp"
#include "queue/store/log_replay.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace tend;
using namespace tend::jobs;
using json = nlohmann::json;

namespace {

constexpr WallUs kViewNow = 1795341600LL * 1000000;

std::string log_image() {
    JobSpec a;
    a.id = 1;
    a.argv = {"echo", "one"};
    a.cwd = "/";
    a.uid = 1000;
    a.submitted_at = kViewNow - 5000000;
    JobSpec b = a;
    b.id = 2;
    b.argv = {"echo", "two"};
    b.name = "second";
    b.queue = "held";
    b.uid = 2000;
    std::string image = encode_file_header();
    append_frame(image, RecordType::submit, encode_submit({a, b}));
    StatusRecord done{1, {}};
    done.status.state = JobState::succeeded;
    done.status.attempt = 1;
    done.status.runs = 1;
    done.status.started_at = kViewNow - 4000000;
    done.status.finished_at = kViewNow - 3000000;
    done.status.last_exit = ExitStatus{0, 0};
    append_frame(image, RecordType::status, encode_status(done));
    append_frame(image, RecordType::queue_state, encode_queue_state({"held", true}));
    return image;
}

json reply(const JobLogView& v, const std::string& cmd, const json& args) {
    const std::string line = json{{"v", 1}, {"cmd", cmd}, {"args", args}}.dump();
    const std::string out = v.answer(line);
    REQUIRE(!out.empty());
    CHECK(out.back() == '\n');
    return json::parse(out);
}

std::unique_ptr<JobLogView> open_view(const std::string& dir, std::uint32_t uid) {
    JobLogViewOptions o;
    o.state_dir = dir;
    o.now = kViewNow;
    o.uid = uid;
    o.queues = {QueueSettings{}};
    o.queues[0].name = "default";
    JobLogView::OpenError error;
    auto v = JobLogView::open(o, error);
    INFO(error.message);
    REQUIRE(v);
    return v;
}

}  // namespace

TEST_CASE("a stopped daemon's jobs answer jobs, show and logs", "[offline]") {
    tend::test::TempDir dir("tend-offline");
    const std::string image = log_image();
    tend::test::write_file(dir.path + "/jobs.log", image);
    auto v = open_view(dir.path, geteuid());  // the owner of the state dir sees everything
    CHECK(v->warnings().empty());
    json list = reply(*v, "jobs", {{"limit", 0}});
    REQUIRE(list["ok"] == true);
    REQUIRE(list["data"].size() == 2);
    CHECK(list["data"][0]["id"] == 2);  // newest first
    CHECK(list["data"][0]["state"] == "pending");
    CHECK(list["data"][0]["waiting"] == "queue held is paused");
    CHECK(list["data"][0]["command"] == json{"echo", "two"});
    CHECK(list["data"][1]["state"] == "succeeded");
    CHECK(list["data"][1]["exit_status"] == json{{"code", 0}});
    json show = reply(*v, "show", {{"id", 1}});
    CHECK(show["data"] == list["data"][1]);
    json logs = reply(*v, "logs", {{"targets", {"1"}}});
    CHECK(logs["data"][0]["files"][0] == dir.path + "/jobs/output/1.log");
    CHECK(reply(*v, "show", {{"id", 9}})["error"]["message"] == "no job 9");
    CHECK(reply(*v, "logs", {{"targets", {"web"}}})["ok"] == false);
    CHECK(reply(*v, "cancel", {{"ids", {1}}})["error"]["message"] ==
          "cancel needs tendd, which is not running");
    CHECK(tend::test::read_file(dir.path + "/jobs.log") == image);  // nothing written
}

TEST_CASE("a torn tail is read past and left in place", "[offline]") {
    tend::test::TempDir dir("tend-offline");
    const std::string image = log_image() + std::string("\x40\x00\x00\x00\x01", 5);
    tend::test::write_file(dir.path + "/jobs.log", image);
    auto v = open_view(dir.path, geteuid());
    REQUIRE(v->warnings().size() == 1);
    CHECK(v->warnings()[0].find("torn") != std::string::npos);
    CHECK(reply(*v, "jobs", json::object())["data"].size() == 2);
    CHECK(tend::test::read_file(dir.path + "/jobs.log") == image);
}

TEST_CASE("other users see their own jobs only, as through the socket", "[offline]") {
    if (geteuid() != 0) return;  // needs a state dir owned by someone else than the reader
    tend::test::TempDir dir("tend-offline");
    tend::test::write_file(dir.path + "/jobs.log", log_image());
    REQUIRE(chown(dir.path.c_str(), 3000, 3000) == 0);
    // uid 1000 reads (as if it could): its own job whole, the other hidden.
    auto v = open_view(dir.path, 1000);
    json list = reply(*v, "jobs", json::object());
    CHECK(list["data"][0]["hidden"] == true);
    CHECK(list["data"][0]["command"] == nullptr);
    CHECK(list["data"][1]["command"] == json{"echo", "one"});
    CHECK(reply(*v, "show", {{"id", 2}})["error"]["code"] == "forbidden");
    CHECK(reply(*v, "logs", {{"targets", {"2"}}})["error"]["code"] == "forbidden");
    CHECK(reply(*v, "show", {{"id", 1}})["ok"] == true);
}

TEST_CASE("no state dir, or no job log", "[offline]") {
    JobLogViewOptions o;
    o.state_dir = "/nonexistent/tend-state";
    JobLogView::OpenError error;
    CHECK_FALSE(JobLogView::open(o, error));
    CHECK(error.missing);
    tend::test::TempDir dir("tend-offline");
    o.state_dir = dir.path;
    auto v = JobLogView::open(o, error);
    REQUIRE(v);
    CHECK(reply(*v, "jobs", json::object())["data"] == json::array());
}

TEST_CASE("which state dir tend reads while tendd is down", "[offline]") {
    using tend::cli::choose_read_state_dir;
    tend::cli::StateDirChoice in;
    in.state_dir = "/var/lib/tend";
    in.socket_is_default = true;
    CHECK(*choose_read_state_dir(in) == "/var/lib/tend");
    in.socket_is_default = false;
    CHECK_FALSE(choose_read_state_dir(in));
    in.paired_spool = "/srv/t/state/spool";
    CHECK(*choose_read_state_dir(in) == "/srv/t/state");
    in.paired_spool = "/var/spool/tend";  // a system spool: not a state dir's
    CHECK_FALSE(choose_read_state_dir(in));
    in.state_dir_named = true;
    in.state_dir = "/named";
    CHECK(*choose_read_state_dir(in) == "/named");
}
