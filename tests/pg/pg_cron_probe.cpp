// Drives queue/pg/pg_cron_store (cron across hosts, design postgres.md §4.8) against a real
// server, run by tests/integration/test_pg_cron.sh on a migrated database: three stores on
// three connections fire the same 200 ticks of 4 entries at once, in different orders of the
// entries (each host's ticks of one entry in time order, as the cron service fires them):
// exactly one job per tick, none missing, last_tick the newest; a stale or repeated tick never
// fires; a retried fire (same token) answers its own job; a tick ahead of the database's clock
// is refused; a full queue (TE075) and a missing one (TE404) drop the tick and consume it;
// definitions and states round-trip between two stores (write, load, refresh_book); job_brief
// follows the job; overlap = skip holds across hosts. Usage: tend_pg_cron_probe MIGRATED_URL.
// Prints "ok: ..." per check.
#include <signal.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "queue/cron/cron_entry.hpp"
#include "queue/pg/pg_cron_store.hpp"
#include "tests/pg/probe_loop.hpp"

using namespace tend;
using namespace tend::pg;
using namespace probe;

namespace {

PgConn* admin = nullptr;
constexpr std::int64_t kBase = 1'700'000'040;  // 2023-11-14T22:14:00Z: ticks in the past

std::string q(const std::string& sql, PgConn::Params p = {}) {
    return value(*admin, sql, std::move(p));
}

std::string iso(std::int64_t s) {
    const time_t t = s;
    tm u{};
    gmtime_r(&t, &u);
    char b[40];
    std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S+00:00", &u);
    return b;
}

jobs::CronTick tick_of(const std::string& entry, std::int64_t tick_s,
                       const std::string& queue = "cq") {
    jobs::CronTick t;
    t.entry = entry;
    t.tick_s = tick_s;
    t.spec.queue = queue;
    t.spec.name = entry;
    t.spec.argv = {"echo", entry};
    t.spec.cwd = "/";
    t.spec.key = cron::tick_key(entry, iso(tick_s));
    t.env = {"TEND_CRON_NAME=" + entry, "TEND_CRON_TIME=" + iso(tick_s)};
    t.state.states.push_back({entry, tick_s, 0});
    return t;
}

Result<jobs::CronFired> fire(PgCronStore& s, jobs::CronTick t) {
    bool done = false;
    Result<jobs::CronFired> out = make_error("no answer");
    s.fire(std::move(t), [&](Result<jobs::CronFired> r) {
        out = std::move(r);
        done = true;
    });
    run_until([&] { return done; }, 15'000, "a fire");
    return out;
}

Status wait_status(const std::function<void(std::function<void(Status)>)>& call) {
    bool done = false;
    Status out = make_error("no answer");
    call([&](Status s) {
        out = std::move(s);
        done = true;
    });
    run_until([&] { return done; }, 15'000, "a cron store call");
    return out;
}

std::unique_ptr<PgCronStore> store(PgConn& c, const std::string& host,
                                   std::vector<std::string>* warnings = nullptr) {
    PgCronDeps d;
    d.conn = &c;
    d.host_name = host;
    d.loop = loop;
    d.fire_give_up_us = 1'500'000;
    if (warnings) d.warn = [warnings](const std::string& m) { warnings->push_back(m); };
    return std::make_unique<PgCronStore>(d);
}

// (a) Three hosts fire the same 4 entries x 50 ticks, all pipelined at once.
void concurrent(std::vector<std::unique_ptr<PgCronStore>>& hosts) {
    const int kEntries = 4, kTicks = 50;
    auto tick_s = [](int k) { return kBase + 60 * (k + 1); };
    std::vector<std::vector<std::pair<int, int>>> orders(3);
    for (int e = 0; e < kEntries; ++e)
        for (int k = 0; k < kTicks; ++k) orders[0].push_back({e, k});  // entry after entry
    for (int k = 0; k < kTicks; ++k)
        for (int e = 0; e < kEntries; ++e) orders[1].push_back({e, k});  // tick after tick
    for (int k = 0; k < kTicks; ++k)
        for (int e = kEntries - 1; e >= 0; --e) orders[2].push_back({e, k});  // entries reversed
    int answered = 0, errors = 0;
    std::map<std::pair<int, int>, std::vector<jobs::JobId>> jobs_of;  // (entry, tick) -> ids
    std::string first_error;
    for (std::size_t h = 0; h < hosts.size(); ++h)
        for (auto [e, k] : orders[h]) {
            hosts[h]->fire(tick_of("e" + std::to_string(e), tick_s(k)),
                           [&, e = e, k = k](Result<jobs::CronFired> r) {
                               ++answered;
                               if (!r) {
                                   ++errors;
                                   if (first_error.empty()) first_error = r.error();
                               } else if (r->job != 0) {
                                   jobs_of[{e, k}].push_back(r->job);
                               }
                           });
        }
    run_until([&] { return answered == 3 * kEntries * kTicks; }, 30'000, "600 fire answers");
    check(errors == 0, "no fire failed: " + first_error);
    int once = 0;
    std::set<jobs::JobId> ids;
    for (const auto& [at, js] : jobs_of) {
        if (js.size() == 1) ++once;
        ids.insert(js.begin(), js.end());
    }
    check(once == kEntries * kTicks && jobs_of.size() == static_cast<size_t>(kEntries * kTicks),
          "one job per tick answered (" + std::to_string(once) + " of 200)");
    check(q("SELECT count(*) FROM tend.job WHERE cron_name LIKE 'e%'") == "200",
          "200 jobs in tend.job");
    check(q("SELECT count(*) FROM (SELECT cron_name, cron_tick FROM tend.job WHERE cron_name "
            "LIKE 'e%' GROUP BY 1, 2 HAVING count(*) = 1) x") == "200",
          "each (entry, tick) has exactly one job");
    check(q("SELECT count(*) FROM tend.job WHERE cron_name LIKE 'e%' AND key = 'cron:' || "
            "cron_name || ':' || to_char(cron_tick AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')") == "200",
          "each job carries its tick's key");
    check(q("SELECT count(*) FROM tend.cron WHERE name LIKE 'e%' AND last_tick = "
            "to_timestamp($1::bigint) AND last_job = (SELECT max(id) FROM tend.job j WHERE "
            "j.cron_name = tend.cron.name)",
            {std::to_string(tick_s(kTicks - 1))}) == "4",
          "every entry's last_tick is the newest tick and last_job its job");
    check(q("SELECT depth FROM tend.queue WHERE name = 'cq'") == "200", "the queue's depth");
    ok("3 hosts x 200 ticks (4 entries) in 3 orders: exactly one job per tick, none missing, "
       "last_tick the newest (" +
       std::to_string(ids.size()) + " jobs)");
}

// (b) A stale or repeated tick never fires; a retried fire finds its own job; early ticks wait.
void stale_and_retry(PgCronStore& s) {
    auto r = fire(s, tick_of("e0", kBase + 60));
    check(r && r->job == 0, "a tick older than last_tick does not fire");
    r = fire(s, tick_of("e0", kBase + 60 * 50));
    check(r && r->job == 0, "the last tick again does not fire");
    check(q("SELECT count(*) FROM tend.job WHERE cron_name = 'e0'") == "50", "still 50 jobs");
    // The same token twice, as after an ambiguous send: the second answer names the first job.
    const std::string call =
        "SELECT outcome || ' ' || coalesce(job_id::text, '-') FROM tend.cron_fire('t', "
        "$1::bigint, NULL, 'cq', '[{\"argv\":[\"true\"],\"cwd\":\"/\"}]'::jsonb, '{}'::text[], "
        "'\\x01'::bytea, '6f1d3c1e-0000-4000-8000-000000000001'::uuid, 'probe', 'h', false)";
    const std::string first = q(call, {std::to_string(kBase)});
    check(first.rfind("fired ", 0) == 0, "a first fire: " + first);
    check(q(call, {std::to_string(kBase)}) == first, "its retry answers the same job");
    check(q("SELECT count(*) FROM tend.job WHERE cron_name = 't'") == "1",
          "one job for the retried fire");
    const std::uint64_t t0 = mono_us();
    r = fire(s, tick_of("e0", ::time(nullptr) + 3600));
    check(!r && r.error().find("ahead of the database") != std::string::npos,
          "a tick an hour ahead is refused after retrying");
    check(mono_us() - t0 >= 1'000'000, "it was retried (1 s) before giving up");
    check(q("SELECT extract(epoch FROM last_tick)::bigint FROM tend.cron WHERE name = 'e0'") ==
              std::to_string(kBase + 60 * 50),
          "an early tick changes nothing");
    ok("a stale or repeated tick never fires; a retried fire answers its own job; a tick ahead "
       "of the database's clock is refused");
}

// (d) Queue full and no queue: an error, the tick consumed.
void refusals(PgCronStore& a, PgCronStore& b) {
    exec(*admin, "INSERT INTO tend.queue (name, max_pending) VALUES ('tiny', 1)");
    auto r = fire(a, tick_of("full", kBase + 60, "tiny"));
    check(r && r->job != 0, "the first tick fills the queue");
    r = fire(a, tick_of("full", kBase + 120, "tiny"));
    check(!r && r.error().find("is full") != std::string::npos,
          "TE075: the tick is refused: " + (r ? std::string("fired") : r.error()));
    r = fire(b, tick_of("full", kBase + 120, "tiny"));
    check(r && r->job == 0, "the refused tick was consumed: another host does not fire it");
    check(q("SELECT count(*) || ' ' || (SELECT depth FROM tend.queue WHERE name = 'tiny') FROM "
            "tend.job WHERE queue = 'tiny'") == "1 1",
          "one job in the full queue, depth exact");
    r = fire(a, tick_of("lost", kBase + 60, "nope"));
    check(!r && r.error().find("no queue named nope") != std::string::npos, "TE404: no queue");
    check(q("SELECT count(*) FROM tend.job WHERE queue = 'nope'") == "0", "no job stored");
    ok("a full queue (TE075) or a missing one (TE404): the tick is dropped with an error and "
       "consumed");
}

// (e) overlap = skip across hosts: a tick is skipped while the entry's job fired by another
// host is live, and consumed.
void overlap(PgCronStore& a, PgCronStore& b) {
    a.set_overlap("ov", cron::Overlap::skip);
    b.set_overlap("ov", cron::Overlap::skip);
    auto r = fire(a, tick_of("ov", kBase + 60));
    check(r && r->job != 0, "the first tick of a skip entry fires");
    const std::string job = std::to_string(r->job);
    r = fire(b, tick_of("ov", kBase + 120));
    check(r && r->job == 0, "another host skips the next tick while that job is pending");
    check(q("SELECT extract(epoch FROM last_tick)::bigint FROM tend.cron WHERE name = 'ov'") ==
              std::to_string(kBase + 120),
          "the skipped tick is consumed");
    exec(*admin,
         "UPDATE tend.job SET state = 'succeeded', finished_at = now() WHERE id = $1::bigint",
         {job});
    r = fire(b, tick_of("ov", kBase + 180));
    check(r && r->job != 0, "once the job ended, the next tick fires");
    check(q("SELECT count(*) FROM tend.job WHERE cron_name = 'ov'") == "2", "two jobs in all");
    ok("overlap = skip holds across hosts: a tick is skipped (and consumed) while the entry's "
       "job from another host is live");
}

cron::CronDef def_of(const std::string& name) {
    cron::CronDef d;
    d.name = name;
    d.schedule = "*/5 * * * *";
    d.timezone = "Europe/Paris";
    d.queue = "cq";
    d.argv = {"sh", "-c", "echo \"quoted\" 'é'"};
    d.overlap = cron::Overlap::replace;
    d.catch_up = cron::CatchUp::all;
    d.catch_up_window_us = 3'600'000'000;
    d.jitter_us = 5'000'000;
    d.cwd = "/srv";
    d.env = {"A=1", "B=x=y"};
    d.uid = 1000;
    d.gid = 100;
    d.groups = {100, 27};
    d.created_at_us = 1'700'000'000'123'456;
    return d;
}

// (c) Definitions and states written by one host, read by another.
void round_trip(PgCronStore& a, PgConn& conn_b) {
    jobs::CronRecords rec;
    rec.defs.push_back({def_of("added"), false});
    rec.defs.push_back({def_of("gone"), false});
    rec.states.push_back({"added", kBase + 300, 0});
    rec.states.push_back({"cfg", kBase + 600, 0});
    check(wait_status([&](auto cb) { a.write(rec, false, cb); }).ok(), "write");
    jobs::CronRecords lower;
    lower.states.push_back({"added", kBase, 0});
    check(wait_status([&](auto cb) { a.write(lower, true, cb); }).ok(), "write lower");
    jobs::CronRecords drop;
    cron::CronDefRecord gone;
    gone.def.name = "gone";
    gone.removed = true;
    drop.defs.push_back(gone);
    check(wait_status([&](auto cb) { a.write(drop, false, cb); }).ok(), "remove");

    std::vector<std::string> warnings;
    auto b = store(conn_b, "hb", &warnings);
    check(wait_status([&](auto cb) { b->load(cb); }).ok(), "load");
    const auto& defs = b->book().cli_defs();
    check(defs.size() == 1 && defs.count("added") && defs.at("added") == def_of("added"),
          "the definition round-trips");
    check(b->book().state("added").last_tick_s == kBase + 300,
          "a state's last tick never moves back");
    check(b->book().state("cfg").last_tick_s == kBase + 600, "a config entry's state");
    check(b->book().state("e1").last_tick_s == kBase + 60 * 50 && b->book().state("e1").last_job,
          "fired entries' states");
    check(!b->book().states().count("gone"), "a removed entry has no state");
    const auto last = b->book().state("e1").last_job;
    auto brief = b->job_brief(last);
    check(brief && brief->state == jobs::JobState::pending, "load reads the last jobs' states");

    // Another host adds, changes and removes: refresh_book reports it.
    jobs::CronRecords more;
    more.defs.push_back({def_of("new"), false});
    cron::CronDef changed = def_of("added");
    changed.schedule = "@hourly";
    more.defs.push_back({changed, false});
    check(wait_status([&](auto cb) { a.write(more, false, cb); }).ok(), "write more");
    exec(*admin, "UPDATE tend.cron SET def = '{\"argv\": 5}' WHERE name = 'e3'");
    exec(*admin, "UPDATE tend.cron SET source = 'cli' WHERE name = 'e3'");
    bool done = false;
    Result<CronDefsDiff> diff = make_error("none");
    b->refresh_book([&](Result<CronDefsDiff> d) {
        diff = std::move(d);
        done = true;
    });
    run_until([&] { return done; }, 15'000, "refresh_book");
    check(diff.ok(), "refresh_book: " + (diff ? "" : diff.error()));
    check(diff->added == std::vector<std::string>{"new"} &&
              diff->changed == std::vector<std::string>{"added"} && diff->removed.empty(),
          "refresh_book reports the added and changed entries");
    check(b->book().cli_defs().at("added").schedule == "@hourly", "the book has the change");
    check(warnings.size() == 1 && warnings[0].find("e3") != std::string::npos,
          "a damaged definition is left out with one warning");
    check(b->book().state("e3").last_tick_s == kBase + 60 * 50,
          "the damaged entry's state is kept");

    jobs::CronRecords rm;
    cron::CronDefRecord r2;
    r2.def.name = "new";
    r2.removed = true;
    rm.defs.push_back(r2);
    check(wait_status([&](auto cb) { a.write(rm, false, cb); }).ok(), "remove new");
    done = false;
    b->refresh_book([&](Result<CronDefsDiff> d) {
        diff = std::move(d);
        done = true;
    });
    run_until([&] { return done; }, 15'000, "refresh_book 2");
    check(diff && diff->removed == std::vector<std::string>{"new"} && diff->added.empty(),
          "refresh_book reports the removal");
    check(!b->book().cli_defs().count("new") && warnings.size() == 1,
          "removed from the book; the warning is not repeated");

    // job_brief follows the job: the other host's refresh sees it end.
    exec(*admin,
         "UPDATE tend.job SET state = 'failed', exit_code = 3, finished_at = now() WHERE id = "
         "$1::bigint",
         {std::to_string(last)});
    check(wait_status([&](auto cb) { b->refresh(cb); }).ok(), "refresh");
    brief = b->job_brief(last);
    check(brief && brief->state == jobs::JobState::failed && brief->last_exit &&
              brief->last_exit->code == 3,
          "job_brief after refresh: failed, exit 3");
    check(!b->job_brief(999'999'999), "an unknown job: nullopt");
    ok("definitions and states round-trip between two hosts (write, load, refresh_book); "
       "states only grow; a damaged entry is skipped with a warning; job_brief follows the job");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: tend_pg_cron_probe MIGRATED_URL\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    sd_event_default(&loop);
    auto a = connect(argv[1], "admin");
    admin = a.get();
    exec(*admin, "INSERT INTO tend.queue (name) VALUES ('cq')");
    std::vector<std::unique_ptr<PgConn>> conns;
    std::vector<std::unique_ptr<PgCronStore>> hosts;
    for (int i = 0; i < 3; ++i) {
        conns.push_back(connect(argv[1], "host" + std::to_string(i)));
        hosts.push_back(store(*conns.back(), "h" + std::to_string(i)));
    }
    concurrent(hosts);
    stale_and_retry(*hosts[0]);
    refusals(*hosts[0], *hosts[1]);
    overlap(*hosts[1], *hosts[2]);
    round_trip(*hosts[0], *conns[2]);
    return 0;
}
