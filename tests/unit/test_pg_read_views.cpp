// The PostgreSQL store's reads, pure parts: the read statements' casts, their rows decoded
// (hostile rows give errors, never a crash) and rendered in job_render's shapes: hidden details
// for another viewer, "why it waits", the local file or the stored tail for `tend logs`, and
// the queue figures.
#include <catch2/catch.hpp>

#include <cctype>
#include <string>

#include "queue/pg/pg_decode_views.hpp"
#include "queue/pg/pg_statements_reads.hpp"

using namespace tend;
using namespace tend::pg;
using nlohmann::json;

namespace {

const Cell kNullCell = std::nullopt;

// A job row as show_job_sql returns it, with the given overrides by column index.
Row job_row(std::initializer_list<std::pair<int, Cell>> over = {}) {
    Row r = {"7",
             "default",
             "succeeded",
             "5",
             "1",
             "3",
             "1",
             "greet",
             "{echo,\"hi there\"}",
             "f",
             "/tmp",
             "k1",
             "1000",
             "1767225600000000",
             "1767225600000000",
             "1767225601000000",
             "1767225602500000",
             "0",
             kNullCell,
             kNullCell,
             "f",
             "",
             "-1",
             "{3,4}",
             "h1",
             kNullCell,
             "f",
             kNullCell,
             kNullCell,
             kNullCell,
             kNullCell,
             "uid:1000"};
    for (const auto& [i, c] : over) r[static_cast<std::size_t>(i)] = c;
    return r;
}

ViewEnv env() {
    ViewEnv e;
    e.state_dir = "/var/lib/tend";
    e.host_name = "h1";
    jobs::QueueSettings q;
    q.name = "default";
    q.timeout = std::chrono::seconds(90);
    e.queues.push_back(q);
    e.now = 1767225700000000;
    return e;
}

json rendered(const JobView& j, bool details = true, const std::vector<RunView>* runs = nullptr) {
    std::string text;
    append_pg_job_text(text, j, env(), details, runs);
    json parsed = json::parse(text, nullptr, false);
    REQUIRE_FALSE(parsed.is_discarded());
    return parsed;
}

JobView one(const Row& r) {
    auto jobs = decode_jobs({r});
    REQUIRE(jobs);
    REQUIRE(jobs->size() == 1);
    return jobs->front();
}

}  // namespace

TEST_CASE("every parameter of every read statement has an explicit cast", "[pg][pg_reads]") {
    for (std::string_view s : {owners_sql, show_job_sql, show_runs_sql, list_jobs_sql, job_logs_sql,
                               job_brief_sql, queue_stats_sql}) {
        INFO(s);
        bool any = false;
        for (size_t i = 0; i < s.size(); ++i) {
            if (s[i] != '$' || i + 1 >= s.size() ||
                !std::isdigit(static_cast<unsigned char>(s[i + 1])))
                continue;
            size_t j = i + 1;
            while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
            any = true;
            CHECK(s.substr(j, 2) == "::");
        }
        CHECK(any);
        CHECK(s.find(';') == std::string_view::npos);
    }
}

TEST_CASE("a job row renders with job_render's fields plus its host", "[pg][pg_reads]") {
    const json j = rendered(one(job_row()));
    CHECK(j["id"] == 7);
    CHECK(j["queue"] == "default");
    CHECK(j["state"] == "succeeded");
    CHECK(j["name"] == "greet");
    CHECK(j["command"] == json::array({"echo", "hi there"}));
    CHECK(j["cwd"] == "/tmp");
    CHECK(j["key"] == "k1");
    CHECK(j["attempt"] == 1);
    CHECK(j["max_attempts"] == 3);
    CHECK(j["runs"] == 1);
    CHECK(j["priority"] == 5);
    CHECK(j["uid"] == 1000);
    CHECK(j["submitted_by"] == "uid:1000");
    // A direct submit (design §11) names its role; hidden from others like the key.
    CHECK(rendered(one(job_row({{31, "direct:alice"}})))["submitted_by"] == "direct:alice");
    CHECK(rendered(one(job_row({{31, "direct:alice"}})), false)["submitted_by"].is_null());
    CHECK(j["after"] == json::array({3, 4}));
    CHECK(j["exit_status"] == json{{"code", 0}});
    CHECK(j["submitted_at"] == "2026-01-01T00:00:00.000Z");
    CHECK(j["started_at"] == "2026-01-01T00:00:01.000Z");
    CHECK(j["finished_at"] == "2026-01-01T00:00:02.500Z");
    CHECK(j["run_at"].is_null());
    CHECK(j["pid"].is_null());
    CHECK(j["reason"].is_null());
    CHECK(j["waiting"].is_null());
    CHECK(j["timeout_s"] == 90.0);  // the queue's, as configured here
    CHECK(j["host"] == "h1");
    CHECK(j["output"] == "/var/lib/tend/jobs/output/7.log");
    CHECK(j["shell"] == false);
    CHECK(j["interrupted"] == false);
    CHECK_FALSE(j.contains("hidden"));
    CHECK_FALSE(j.contains("history"));
    // The same keys as the file store's (job_render), plus host and submitted_by.
    for (const char* k :
         {"after",   "attempt",     "command",     "cwd",          "exit_status", "finished_at",
          "id",      "interrupted", "key",         "max_attempts", "name",        "output",
          "pid",     "priority",    "queue",       "reason",       "run_at",      "runs",
          "shell",   "started_at",  "state",       "submitted_at", "timeout_s",   "uid",
          "waiting", "host",        "submitted_by"})
        CHECK(j.contains(k));
    CHECK(j.size() == 27);
}

TEST_CASE("another user's job is listed without its details", "[pg][pg_reads]") {
    auto out = pg_list_answer({one(job_row())}, env(), 1001);
    REQUIRE(out.is_ok());
    const json page = json::parse(out.text);
    REQUIRE(page.size() == 1);
    const json& j = page[0];
    CHECK(j["hidden"] == true);
    for (const char* k : {"command", "cwd", "key", "name", "output", "shell"})
        CHECK(j[k].is_null());
    CHECK(j["id"] == 7);
    CHECK(j["state"] == "succeeded");
    // Its owner and an admin see everything.
    CHECK(json::parse(pg_list_answer({one(job_row())}, env(), 1000).text)[0]["name"] == "greet");
    CHECK(json::parse(pg_list_answer({one(job_row())}, env(), std::nullopt).text)[0]["cwd"] ==
          "/tmp");
}

TEST_CASE("a job that ran elsewhere has no local output path", "[pg][pg_reads]") {
    CHECK(rendered(one(job_row({{24, "h2"}})))["output"].is_null());
    CHECK(rendered(one(job_row({{24, "h2"}})))["host"] == "h2");
    // Never run: where its run here would write.
    CHECK(rendered(one(job_row({{24, kNullCell}, {2, "pending"}})))["output"] ==
          "/var/lib/tend/jobs/output/7.log");
}

TEST_CASE("exit statuses, signals and timeouts render as the file store's", "[pg][pg_reads]") {
    const json sig = rendered(one(job_row({{17, kNullCell}, {18, "9"}, {2, "failed"}})));
    CHECK(sig["exit_status"] == json{{"signal", "KILL"}});
    CHECK(rendered(one(job_row({{17, kNullCell}})))["exit_status"].is_null());
    CHECK(rendered(one(job_row({{22, "2500000"}})))["timeout_s"] == 2.5);
    CHECK(rendered(one(job_row({{22, "0"}})))["timeout_s"].is_null());
    // A queue not configured here: no default timeout known.
    CHECK(rendered(one(job_row({{1, "other"}})))["timeout_s"].is_null());
    const json running = rendered(one(job_row({{2, "running"}, {19, "4242"}})));
    CHECK(running["pid"] == 4242);
}

TEST_CASE("why a waiting job waits", "[pg][pg_reads]") {
    CHECK(pg_why_waiting(one(job_row({{2, "scheduled"}, {14, "1767229200000000"}}))) ==
          "waiting until 2026-01-01T01:00:00Z");
    CHECK(rendered(one(job_row({{2, "scheduled"}})))["run_at"] == "2026-01-01T00:00:00.000Z");
    CHECK(pg_why_waiting(one(job_row({{2, "blocked"}, {25, "{3}"}}))) ==
          "waiting for job 3 to succeed");
    CHECK(pg_why_waiting(one(job_row({{2, "blocked"}, {25, "{3,4}"}}))) ==
          "waiting for jobs 3, 4 to succeed");
    auto pending = [](std::initializer_list<std::pair<int, Cell>> more) {
        Row r = job_row({{2, "pending"}, {29, "t"}});
        for (const auto& [i, c] : more) r[static_cast<std::size_t>(i)] = c;
        return pg_why_waiting(one(r));
    };
    CHECK(pending({}) == "waiting to be started");
    CHECK(pending({{30, "3"}}) == "waiting to be started (position 3)");
    CHECK(pending({{26, "t"}}) == "queue default is paused");
    CHECK(pending({{29, "f"}}) == "waiting for a host: no live host serves queue default");
    CHECK(pending({{27, "2"}, {28, "2"}, {30, "1"}}) ==
          "waiting for a slot: 2 of 2 running in queue default across all hosts (position 1)");
    CHECK(pending({{27, "2"}, {28, "1"}}) == "waiting to be started");
    CHECK(pg_why_waiting(one(job_row({{2, "running"}}))).empty());
}

TEST_CASE("hostile job rows are errors, not crashes", "[pg][pg_reads]") {
    Row short_row = job_row();
    short_row.pop_back();
    CHECK_FALSE(decode_jobs({short_row}));
    CHECK_FALSE(decode_jobs({Row{}}));
    CHECK_FALSE(decode_jobs({job_row({{0, "seven"}})}));
    CHECK_FALSE(decode_jobs({job_row({{0, "-1"}})}));
    CHECK_FALSE(decode_jobs({job_row({{0, kNullCell}})}));
    CHECK_FALSE(decode_jobs({job_row({{2, "exploded"}})}));
    CHECK_FALSE(decode_jobs({job_row({{8, "{unterminated"}})}));
    CHECK_FALSE(decode_jobs({job_row({{9, "yes"}})}));
    CHECK_FALSE(decode_jobs({job_row({{12, "99999999999"}})}));
    CHECK_FALSE(decode_jobs({job_row({{23, "{1,x}"}})}));
    CHECK_FALSE(decode_jobs({job_row({{13, "1e9"}})}));
    CHECK_FALSE(decode_jobs({job_row({{26, kNullCell}})}));
    auto err = decode_jobs({job_row({{4, "many"}})});
    REQUIRE_FALSE(err);
    CHECK(err.error().find("attempt") != std::string::npos);
    // Strings that are not UTF-8 still give valid JSON.
    std::string text;
    append_pg_job_text(text, one(job_row({{7, std::string("caf\xe9")}})), env(), true);
    CHECK_FALSE(json::parse(text, nullptr, false).is_discarded());
}

TEST_CASE("show carries the job's runs", "[pg][pg_reads]") {
    auto runs = decode_runs(
        {Row{"2", "h2", "1767225601000000", "1767225602000000", kNullCell, "15", "interrupted",
             "0"},
         Row{"1", "h1", "1767225600000000", "1767225600500000", "1", kNullCell, "failed", "120"}});
    REQUIRE(runs);
    auto out = pg_show_answer(7, {one(job_row())}, *runs, env());
    REQUIRE(out.is_ok());
    REQUIRE(out.data["history"].size() == 2);
    CHECK(out.data["history"][0] == json{{"run", 2},
                                         {"host", "h2"},
                                         {"started_at", "2026-01-01T00:00:01.000Z"},
                                         {"finished_at", "2026-01-01T00:00:02.000Z"},
                                         {"exit_status", {{"signal", "TERM"}}},
                                         {"outcome", "interrupted"},
                                         {"output_bytes", 0}});
    CHECK(out.data["history"][1]["exit_status"] == json{{"code", 1}});
    CHECK(pg_show_answer(8, {}, {}, env()).kind == protocol::Outcome::Kind::not_found);
    CHECK_FALSE(decode_runs({Row{"1", "h1"}}));
    CHECK_FALSE(decode_runs({Row{"1", kNullCell, "1", "2", kNullCell, kNullCell, "failed", "0"}}));
}

TEST_CASE("owners answer one per id, in order", "[pg][pg_reads]") {
    auto o = decode_owners({Row{"5", "1000"}, Row{"3", "0"}}, {3, 4, 5, 3});
    REQUIRE(o);
    REQUIRE(o->size() == 4);
    CHECK((*o)[0] == 0u);
    CHECK_FALSE((*o)[1]);
    CHECK((*o)[2] == 1000u);
    CHECK((*o)[3] == 0u);
    CHECK_FALSE(decode_owners({Row{"5"}}, {5}));
    CHECK_FALSE(decode_owners({Row{"5", "-3"}}, {5}));
    CHECK_FALSE(decode_owners({Row{"5", "4294967296"}}, {5}));
    CHECK_FALSE(decode_owners({Row{"x", "1"}}, {5}));
}

TEST_CASE("a job's brief: state and last exit", "[pg][pg_reads]") {
    auto none = decode_brief({});
    REQUIRE(none);
    CHECK_FALSE(*none);
    auto b = decode_brief({Row{"failed", "3", kNullCell}});
    REQUIRE(b);
    REQUIRE(*b);
    CHECK((*b)->state == jobs::JobState::failed);
    CHECK((*b)->last_exit == jobs::ExitStatus{3, 0});
    auto s = decode_brief({Row{"dead", kNullCell, "9"}});
    REQUIRE((s && *s));
    CHECK((*s)->last_exit == jobs::ExitStatus{0, 9});
    auto p = decode_brief({Row{"pending", kNullCell, kNullCell}});
    REQUIRE((p && *p));
    CHECK_FALSE((*p)->last_exit);
    CHECK_FALSE(decode_brief({Row{"pending", kNullCell}}));
    CHECK_FALSE(decode_brief({Row{"nope", kNullCell, kNullCell}}));
    CHECK_FALSE(
        decode_brief({Row{"pending", kNullCell, kNullCell}, Row{"pending", kNullCell, kNullCell}}));
}

TEST_CASE("logs: the local file, or the stored tail naming the host", "[pg][pg_reads]") {
    auto logs = [](Row r) {
        auto v = decode_logs({r});
        REQUIRE(v);
        return *v;
    };
    using K = protocol::Outcome::Kind;
    CHECK(pg_logs_answer(9, std::nullopt, env(), false).kind == K::not_found);
    // Ran here and the file is here: the file store's answer.
    auto here = pg_logs_answer(9, logs({"succeeded", kNullCell, "h1", "\\x6869"}), env(), true);
    REQUIRE(here.is_ok());
    CHECK(here.data["output"] == "file");
    CHECK(here.data["files"] == json::array({"/var/lib/tend/jobs/output/9.log"}));
    CHECK(here.data["job"] == 9);
    CHECK(here.data["state"] == "succeeded");
    // Ran here but the file is gone: the stored tail.
    auto gone = pg_logs_answer(9, logs({"succeeded", kNullCell, "h1", "\\x6869"}), env(), false);
    CHECK(gone.data["output"] == "tail");
    CHECK(gone.data["tail"] == "hi");
    CHECK(gone.data["host"] == "h1");
    // Ran elsewhere: the tail and that host.
    auto there = pg_logs_answer(9, logs({"failed", kNullCell, "h2", "\\x6f7574"}), env(), true);
    CHECK(there.data["output"] == "tail");
    CHECK(there.data["host"] == "h2");
    CHECK(there.data["tail"] == "out");
    CHECK(there.data["live"] == false);
    // Running elsewhere now: named, live, the previous run's tail (none here).
    auto live = pg_logs_answer(9, logs({"running", "h3", kNullCell, kNullCell}), env(), false);
    CHECK(live.data["output"] == "tail");
    CHECK(live.data["host"] == "h3");
    CHECK(live.data["tail"] == "");
    CHECK(live.data["live"] == true);
    // Running here, or never run: the local file.
    CHECK(
        pg_logs_answer(9, logs({"running", "h1", "h2", kNullCell}), env(), false).data["output"] ==
        "file");
    CHECK(pg_logs_answer(9, logs({"pending", kNullCell, kNullCell, kNullCell}), env(), false)
              .data["output"] == "file");
    CHECK_FALSE(decode_logs({Row{"running", kNullCell, kNullCell, "\\xzz"}}));
    CHECK_FALSE(decode_logs({Row{"running", kNullCell, kNullCell}}));
}

TEST_CASE("queue figures from queue_stats", "[pg][pg_reads]") {
    auto row = [](const char* name, const char* paused, Cell limit, const char* pending,
                  const char* running) {
        return Row{name,    paused, limit, "100", pending, "2", "1",
                   running, "4",    "10",  "3",   "1",     "2", "1767225690000000",
                   "2"};
    };
    auto stats = decode_queue_stats({row("default", "t", kNullCell, "5", "1"),
                                     row("gone", "f", "3", "1", "2"),
                                     Row{"idle", "f", kNullCell, "100", "0", "0", "0", "0", "3",
                                         "9", "0", "0", "0", kNullCell, "0"}});
    REQUIRE(stats);
    jobs::QueueSettings d;
    d.name = "default";
    d.concurrency = 4;
    jobs::QueueSettings fresh;  // configured here, no row yet
    fresh.name = "fresh";
    auto figs = pg_queue_figures(*stats, {d, fresh});
    REQUIRE(figs.size() == 3);  // configured ones in order, then "gone" (unfinished jobs)
    const json q = pg_queue_json(figs[0], 1767225700000000, 1767225600000000);
    CHECK(q["name"] == "default");
    CHECK(q["pending"] == 8);  // pending + scheduled + blocked
    CHECK(q["runnable"] == 5);
    CHECK(q["running"] == 1);
    CHECK(q["concurrency"] == 4);
    CHECK(q["paused"] == true);
    CHECK(q["oldest_pending_age_s"] == 10.0);
    CHECK(q["max_pending"] == 100);
    CHECK(q["succeeded"] == 10);
    CHECK(q["failed"] == 6);  // failed + dead + cancelled since the start
    CHECK(q["dead"] == 4);
    CHECK(q["configured"] == true);
    CHECK(q["uptime_s"] == 100.0);
    CHECK(q["global_concurrency"].is_null());
    CHECK(q["slots_taken"].is_null());
    CHECK(figs[1].figures.settings.name == "fresh");
    CHECK(figs[1].figures.stats.pending == 0);
    const json gone = pg_queue_json(figs[2], 1767225700000000, 1767225600000000);
    CHECK(gone["configured"] == false);
    CHECK(gone["global_concurrency"] == 3);
    CHECK(gone["slots_taken"] == 2);
    CHECK_FALSE(decode_queue_stats({Row{"x"}}));
    Row neg = row("q", "f", kNullCell, "-1", "0");
    CHECK_FALSE(decode_queue_stats({neg}));
    Row bad = row("q", "maybe", kNullCell, "1", "0");
    CHECK_FALSE(decode_queue_stats({bad}));
}

TEST_CASE("live hosts per queue from serving_hosts", "[pg][pg_reads]") {
    auto serving = decode_serving({Row{"default", "3"}, Row{"batch", "1"}});
    REQUIRE(serving);
    CHECK(serving->size() == 2);
    CHECK(serving->at("default") == 3);
    CHECK(serving->at("batch") == 1);
    REQUIRE(decode_serving({}));
    CHECK(decode_serving({})->empty());
    CHECK_FALSE(decode_serving({Row{"default"}}));                 // a column short
    CHECK_FALSE(decode_serving({Row{kNullCell, "2"}}));            // no queue
    CHECK_FALSE(decode_serving({Row{"default", "many"}}));         // not a number
    CHECK_FALSE(decode_serving({Row{"default", "0"}}));            // out of range
    CHECK_FALSE(decode_serving({Row{"default", "1000001"}}));      // out of range
    CHECK_FALSE(decode_serving({Row{"default", "2"}, Row{"x"}}));  // one bad row spoils all
}
