// Drives queue/pg/pg_job_views (the reads of the PostgreSQL store) against a real server, run
// by tests/integration/test_pg_views.sh on a migrated database: jobs submitted with
// PgJobStore::submit, claimed and finished by two hosts, then owners, show (runs, hosts, why it
// waits), list (newest first, paging, filters, another user's details hidden), logs (the local
// file, or the stored tail naming the host), queues and their cached figures, brief, and a
// database that cannot be reached.
// Usage: tend_pg_views_probe MIGRATED_URL STATE_DIR. Prints "ok: ..." per check, "FAIL: ..."
// and exits 1.
#include <signal.h>
#include <sys/stat.h>
#include <systemd/sd-event.h>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "queue/pg/pg_job_views.hpp"
#include "queue/pg/pg_model_lease.hpp"
#include "tests/pg/probe_loop.hpp"

using namespace tend;
using namespace tend::pg;
using namespace probe;
using jobs::JobState;
using nlohmann::json;

namespace {

PgConn* admin = nullptr;
PgJobStore* store = nullptr;
PgJobViews* views = nullptr;

std::string q(const std::string& sql, PgConn::Params p = {}) {
    return value(*admin, sql, std::move(p));
}

int64_t host(const std::string& name) {
    return std::stoll(q(std::string(host_register_sql), {name, "1", "probe", "1 hour", "{q,g}"}));
}

void sync_queue(const std::string& name, std::optional<int> global) {
    QueueSyncArgs a;
    a.name = name;
    a.max_pending = 1000;
    a.global_limit = global;
    must(await<QueueRow>([&](auto cb) { store->queue_sync(a, std::move(cb)); }), "queue_sync");
}

jobs::JobSpec spec(const std::string& name, std::uint32_t uid) {
    jobs::JobSpec s;
    s.name = name;
    s.argv = {"echo", name};
    s.cwd = "/tmp";
    s.uid = uid;
    s.gid = uid;
    return s;
}

std::vector<int64_t> submit(const std::string& queue, std::vector<jobs::JobSpec> specs) {
    SubmitBatch b;
    b.queue = queue;
    b.specs = std::move(specs);
    b.token = new_submit_token();
    b.by = "probe";
    auto got =
        must(await<std::vector<SubmittedJob>>([&](auto cb) { store->submit(b, std::move(cb)); }),
             "submit");
    std::vector<int64_t> ids;
    for (const auto& j : got) ids.push_back(j.id);
    return ids;
}

ClaimedJob claim_one(const std::string& queue, int64_t h, bool global = false) {
    auto got = must(await<std::vector<ClaimedJob>>(
                        [&](auto cb) { store->claim(queue, h, 1, global, std::move(cb)); }),
                    "claim");
    check(got.size() == 1, "one job claimed from " + queue);
    return got[0];
}

void finish(const ClaimedJob& j, JobState s, int code, const std::string& host,
            const std::string& tail) {
    FinishArgs a;
    a.id = j.id;
    a.lease = j.lease;
    a.state = s;
    a.exit_code = code;
    a.host = host;
    a.outcome = jobs::to_string(s);
    a.reason = s == JobState::succeeded ? "" : "exit code " + std::to_string(code);
    a.output_tail = tail;
    check(
        must(await<std::optional<FinishResult>>([&](auto cb) { store->finish(a, std::move(cb)); }),
             "finish")
            .has_value(),
        "finish under the fence");
}

protocol::Outcome ask(const std::function<void(protocol::Respond)>& call) {
    bool done = false;
    protocol::Outcome out;
    call([&](const protocol::Outcome& o) {
        out = o;
        done = true;
    });
    run_until([&] { return done; }, 15'000, "a views reply");
    return out;
}

json data(const protocol::Outcome& o, const std::string& what) {
    if (!o.is_ok()) fail(what + ": " + o.message);
    return o.text.empty() ? o.data : json::parse(o.text, nullptr, false);
}

json show(int64_t id) {
    return data(ask([&](auto r) { views->show(jobs::JobId(id), r); }),
                "show " + std::to_string(id));
}

json list(jobs::JobListQuery query) {
    return data(ask([&](auto r) { views->list(query, r); }), "list");
}

json logs(int64_t id) {
    return data(ask([&](auto r) { views->logs(jobs::JobId(id), r); }), "logs");
}

std::vector<int64_t> ids_of(const json& page) {
    std::vector<int64_t> out;
    for (const auto& j : page) out.push_back(j.value("id", int64_t(0)));
    return out;
}

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "<" + j.dump() + ">";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: tend_pg_views_probe MIGRATED_URL STATE_DIR\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    sd_event_default(&loop);
    const std::string state_dir = argv[2];
    auto a = connect(argv[1], "admin");
    admin = a.get();
    auto work = connect(argv[1], "work");
    auto read = connect(argv[1], "read");
    PgJobStore s(*work);
    store = &s;
    sync_queue("q", std::nullopt);
    sync_queue("g", 2);
    const int64_t h1 = host("h1"), h2 = host("h2");

    std::vector<jobs::QueueSettings> configured(2);
    configured[0].name = "q";
    configured[0].timeout = std::chrono::seconds(30);
    configured[1].name = "g";
    configured[1].global_concurrency = 2;
    PgViewDeps deps;
    deps.conn = read.get();
    deps.state_dir = state_dir;
    deps.host_name = "h1";
    deps.now = [] { return jobs::WallUs(clock_us(CLOCK_REALTIME)); };
    deps.queue_settings = [&configured] { return configured; };
    PgJobViews v(deps);
    views = &v;

    // A (h1, succeeded), B (h2, failed), C (h2, running), D and E pending, F another user's,
    // S scheduled in an hour, K blocked after C.
    auto ids = submit("q", {spec("A", 1000), spec("B", 1000), spec("C", 1000)});
    const int64_t A = ids[0], B = ids[1], C = ids[2];
    auto ca = claim_one("q", h1);
    check(ca.id == A, "A claimed first");
    finish(ca, JobState::succeeded, 0, "h1", "2026-01-01T00:00:00.000000Z out from-h1\n");
    auto cb = claim_one("q", h2);
    finish(cb, JobState::failed, 3, "h2",
           "2026-01-01T00:00:00.000000Z out line one\n2026-01-01T00:00:00.000001Z err from-h2\n");
    auto cc = claim_one("q", h2);
    check(must(await<bool>([&](auto c) { store->set_pid(cc.id, cc.lease, 4242, std::move(c)); }),
               "set_pid"),
          "set_pid");
    ids = submit("q", {spec("D", 1000), spec("E", 1000)});
    const int64_t D = ids[0], E = ids[1];
    const int64_t F = submit("q", {spec("F", 2000)})[0];
    auto later = spec("S", 1000);
    later.run_at = jobs::WallUs(clock_us(CLOCK_REALTIME)) + 3600'000'000LL;
    const int64_t S = submit("q", {later})[0];
    auto dep = spec("K", 1000);
    dep.after = {jobs::JobId(C)};
    const int64_t K = submit("q", {dep})[0];
    // Local output of A, as this host's runner writes it.
    mkdir((state_dir + "/jobs").c_str(), 0700);
    mkdir((state_dir + "/jobs/output").c_str(), 0700);
    const std::string a_log = state_dir + "/jobs/output/" + std::to_string(A) + ".log";
    std::ofstream(a_log) << "2026-01-01T00:00:00.000000Z out from-h1\n";

    // ---- owners
    {
        bool done = false;
        PgJobViews::Owners got;
        std::optional<std::string> err;
        v.owners({jobs::JobId(A), 987654321, jobs::JobId(F)},
                 [&](PgJobViews::Owners o, std::optional<std::string> e) {
                     got = std::move(o);
                     err = std::move(e);
                     done = true;
                 });
        run_until([&] { return done; }, 15'000, "owners");
        check(!err && got.size() == 3 && got[0] == 1000u && !got[1] && got[2] == 2000u,
              "owners: one per id in order, nullopt for an unknown job");
        ok("owners");
    }

    // ---- show
    {
        json a_job = show(A);
        check(a_job["state"] == "succeeded" && a_job["host"] == "h1" && a_job["name"] == "A" &&
                  a_job["command"] == json::array({"echo", "A"}) && a_job["uid"] == 1000 &&
                  a_job["exit_status"] == json{{"code", 0}} && a_job["attempt"] == 1 &&
                  a_job["runs"] == 1 && a_job["output"] == a_log && a_job["timeout_s"] == 30.0 &&
                  a_job["waiting"].is_null() && a_job["started_at"].is_string() &&
                  a_job["finished_at"].is_string(),
              "show A: " + a_job.dump());
        check(a_job["history"].size() == 1 && a_job["history"][0]["host"] == "h1" &&
                  a_job["history"][0]["outcome"] == "succeeded",
              "show A's runs: " + a_job["history"].dump());
        json b_job = show(B);
        check(b_job["state"] == "failed" && b_job["host"] == "h2" &&
                  b_job["exit_status"] == json{{"code", 3}} && b_job["output"].is_null() &&
                  b_job["reason"] == "exit code 3",
              "show B (ran on h2): " + b_job.dump());
        json c_job = show(C);
        check(c_job["state"] == "running" && c_job["host"] == "h2" && c_job["pid"] == 4242,
              "show C (running on h2): " + c_job.dump());
        check(str(show(D), "waiting") == "waiting to be started (position 1)" &&
                  str(show(E), "waiting") == "waiting to be started (position 2)",
              "pending jobs' places in the claim order: " + show(E).dump());
        json s_job = show(S);
        check(s_job["state"] == "scheduled" && s_job["run_at"].is_string() &&
                  str(s_job, "waiting").rfind("waiting until ", 0) == 0,
              "show S (scheduled): " + s_job.dump());
        check(show(K)["after"] == json::array({C}) &&
                  str(show(K), "waiting") == "waiting for job " + std::to_string(C) + " to succeed",
              "show K (blocked): " + show(K).dump());
        auto none = ask([&](auto r) { v.show(987654321, r); });
        check(none.kind == protocol::Outcome::Kind::not_found && none.message == "no job 987654321",
              "show of an unknown job: not_found");
        ok("show: states, hosts, runs, exits and why jobs wait");
    }

    // ---- list
    {
        const std::vector<int64_t> all = {K, S, F, E, D, C, B, A};
        jobs::JobListQuery lq;
        check(ids_of(list(lq)) == all, "list: newest first");
        std::vector<int64_t> paged;
        lq.limit = 3;
        for (int i = 0; i < 5; ++i) {
            auto page = ids_of(list(lq));
            if (page.empty()) break;
            paged.insert(paged.end(), page.begin(), page.end());
            lq.before = jobs::JobId(page.back());
        }
        check(paged == all, "list: pages of 3 with before");
        jobs::JobListQuery running;
        running.state = JobState::running;
        check(ids_of(list(running)) == std::vector<int64_t>{C}, "list --state running");
        jobs::JobListQuery gq;
        gq.queue = "g";
        check(list(gq).empty(), "list --queue g: none yet");
        jobs::JobListQuery nq;
        nq.queue = "nope";
        auto nope = ask([&](auto r) { v.list(nq, r); });
        check(nope.kind == protocol::Outcome::Kind::not_found, "list of an unknown queue");
        jobs::JobListQuery viewer;
        viewer.viewer_uid = 1000;
        json page = list(viewer);
        for (const auto& j : page) {
            const bool own = j["uid"] == 1000;
            check(own ? j["command"].is_array() && !j.contains("hidden")
                      : j["hidden"] == true && j["command"].is_null() && j["name"].is_null() &&
                            j["cwd"].is_null(),
                  "details hidden only for another user's job: " + j.dump());
        }
        jobs::JobListQuery big;
        big.limit = 100000;
        check(ids_of(list(big)).size() == all.size(), "a limit above the page size is capped");
        ok("list: newest first, paging, filters, other users' details hidden");
    }

    // ---- logs
    {
        json la = logs(A);
        check(la["output"] == "file" && la["files"] == json::array({a_log}) && la["job"] == A,
              "logs A (ran here, file here): " + la.dump());
        json lb = logs(B);
        check(lb["output"] == "tail" && lb["host"] == "h2" && lb["live"] == false &&
                  str(lb, "tail").find("err from-h2") != std::string::npos,
              "logs B (ran on h2): the stored tail: " + lb.dump());
        json lc = logs(C);
        check(lc["output"] == "tail" && lc["host"] == "h2" && lc["live"] == true,
              "logs C (running on h2): " + lc.dump());
        check(logs(D)["output"] == "file", "logs D (not run yet): the local file");
        unlink(a_log.c_str());
        json gone = logs(A);
        check(gone["output"] == "tail" && gone["host"] == "h1" &&
                  str(gone, "tail").find("from-h1") != std::string::npos,
              "logs A without its file: the stored tail: " + gone.dump());
        auto none = ask([&](auto r) { v.logs(987654321, r); });
        check(none.kind == protocol::Outcome::Kind::not_found, "logs of an unknown job");
        ok("logs: the local file, or the stored tail naming the host");
    }

    // ---- brief
    {
        std::optional<jobs::JobBrief> got;
        bool done = false;
        v.brief(jobs::JobId(B), [&](std::optional<jobs::JobBrief> b) {
            got = b;
            done = true;
        });
        run_until([&] { return done; }, 15'000, "brief");
        check(got && got->state == JobState::failed && got->last_exit == jobs::ExitStatus{3, 0},
              "brief B: failed, exit 3");
        done = false;
        v.brief(987654321, [&](std::optional<jobs::JobBrief> b) {
            got = b;
            done = true;
        });
        run_until([&] { return done; }, 15'000, "brief");
        check(!got, "brief of an unknown job");
        ok("brief");
    }

    // ---- queues, global slots, pause
    {
        auto g_ids = submit("g", {spec("G1", 1000), spec("G2", 1000), spec("G3", 1000)});
        claim_one("g", h1, true);
        claim_one("g", h2, true);
        check(str(show(g_ids[2]), "waiting") ==
                  "waiting for a slot: 2 of 2 running in queue g across all hosts (position 1)",
              "a job waiting for a global slot: " + show(g_ids[2]).dump());
        json qs = data(ask([&](auto r) { v.queues(r); }), "queues");
        check(qs.size() == 2 && qs[0]["name"] == "q" && qs[1]["name"] == "g", "queues in order");
        const json& jq = qs[0];
        // pending = D, E, F (pending) + S (scheduled) + K (blocked)
        check(jq["pending"] == 5 && jq["runnable"] == 3 && jq["running"] == 1 &&
                  jq["succeeded"] == 1 && jq["failed"] == 1 && jq["paused"] == false &&
                  jq["configured"] == true && jq["oldest_pending_age_s"].is_number() &&
                  jq["global_concurrency"].is_null(),
              "queue q's figures: " + jq.dump());
        check(qs[1]["running"] == 2 && qs[1]["global_concurrency"] == 2 &&
                  qs[1]["slots_taken"] == 2 && qs[1]["pending"] == 1,
              "queue g's figures: " + qs[1].dump());
        must(await<bool>([&](auto c) { store->set_paused("q", true, std::move(c)); }), "pause");
        check(str(show(D), "waiting") == "queue q is paused", "a paused queue's job says so");
        json qp = data(ask([&](auto r) { v.queues(r); }), "queues");
        check(qp[0]["paused"] == true, "queues: q paused");
        v.refresh_figures();
        v.refresh_figures();  // one in flight at most
        run_until([&] { return !v.figures().empty() && v.figures()[0].stats.paused; }, 15'000,
                  "refreshed figures");
        check(v.figures().size() == 2 && v.figures()[1].stats.running == 2, "cached figures");
        ok("queues: figures from queue_stats, global slots, paused, cached figures");
    }

    // ---- a database that cannot be asked
    {
        ConnOptions o;
        o.conninfo = "postgresql:///postgres?host=/nonexistent-tend-probe&user=tend";
        o.connect_timeout_us = 1'000'000;
        auto dead = PgConn::create(loop, o, {}, {});
        check(bool(dead), "a connection object");
        check(bool((*dead)->start()), "start");
        PgViewDeps dd = deps;
        dd.conn = dead->get();
        PgJobViews dv(dd);
        auto r = ask([&](auto cb) { dv.show(jobs::JobId(A), cb); });
        check(r.kind == protocol::Outcome::Kind::failed &&
                  r.message.rfind("the queue's database is unreachable: ", 0) == 0,
              "show without a database: " + r.message);
        auto l = ask([&](auto cb) { dv.list({}, cb); });
        check(l.kind == protocol::Outcome::Kind::failed, "list without a database");
        bool done = false;
        std::optional<std::string> err;
        dv.owners({jobs::JobId(A)}, [&](PgJobViews::Owners o2, std::optional<std::string> e) {
            check(o2.size() == 1 && !o2[0], "no owner without a database");
            err = std::move(e);
            done = true;
        });
        run_until([&] { return done; }, 15'000, "owners without a database");
        check(err && err->find("unreachable") != std::string::npos, "owners say why");
        ok("an unreachable database: a clear failure, no crash");
    }
    return 0;
}
