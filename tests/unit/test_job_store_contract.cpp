// The contract of JobStore, written against the interface and run for every store through its
// factory (today the file store; a second store adds a factory to kFactories' TEMPLATE list).
#include <catch2/catch.hpp>

#include <systemd/sd-event.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>

#include "queue/daemon/file_job_store.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace tend;
using namespace tend::jobs;

namespace {

// What a store hands back at recovery, and the table rebuilt from it as tendd does.
struct Recovered final : RecoverySink {
    Scheduler* table;
    JobId next = 0;
    std::map<JobId, JobSpec> jobs;
    std::map<JobId, JobStatus> statuses;
    std::map<std::string, bool> paused;
    cron::CronBook cron;
    explicit Recovered(Scheduler* t) : table(t) {}
    void next_id(JobId id) override { next = std::max(next, id); }
    void job(const JobSpec& spec, SpecRef where) override {
        jobs[spec.id] = spec;
        table->ensure_queue(spec.queue);
        table->restore_submit(spec, where.offset, where.length);
    }
    void status(const StatusRecord& r) override {
        statuses[r.id] = r.status;
        table->restore_status(r.id, r.status);
    }
    void queue_paused(const std::string& q, bool p) override { paused[q] = p; }
    void cron_def(const cron::CronDefRecord& r) override { cron.apply(r); }
    void cron_state(const cron::CronStateRecord& r) override { cron.apply(r); }
};

// The loop, the table and the cron book a store works with, and its storage across reopens.
struct Harness {
    sd_event* loop = nullptr;
    std::unique_ptr<Scheduler> table;
    cron::CronBook cron;
    std::unique_ptr<JobStore> store;
    std::vector<std::string> warnings;

    Harness() { REQUIRE(sd_event_new(&loop) >= 0); }
    virtual ~Harness() {
        store.reset();
        sd_event_unref(loop);
    }
    static std::vector<QueueSettings> queues() {
        QueueSettings q;
        q.name = "default";
        q.keep = std::chrono::seconds(1);
        return {q};
    }
    // Opens the store over the same storage as before (a restart) and recovers it.
    std::unique_ptr<Recovered> reopen() {
        store.reset();
        table = std::make_unique<Scheduler>(queues(), 0);
        store = make();
        auto rec = std::make_unique<Recovered>(table.get());
        REQUIRE(store->recover(*rec).ok());
        if (rec->next > table->next_id()) table->set_next_id(rec->next);
        table->finish_restore(1);
        cron = rec->cron;
        store->recovered();
        return rec;
    }
    // Runs the loop until `done` or a few seconds passed.
    template <class F>
    bool run_until(F done) {
        for (int i = 0; i < 500 && !done(); ++i) sd_event_run(loop, 10000);
        return done();
    }
    // Submits `n` jobs as JobService does: ids from the table, in the table at once.
    std::vector<JobId> submit(std::size_t n, const std::vector<std::string>& env,
                              CronRecords cron_records = {}) {
        std::vector<JobSpec> specs;
        for (std::size_t i = 0; i < n; ++i) {
            JobSpec s;
            s.id = table->allocate_id();
            s.argv = {"echo", "job " + std::to_string(s.id)};
            s.cwd = "/";
            s.submitted_at = 1;
            specs.push_back(s);
        }
        std::vector<JobId> ids;
        for (auto& s : specs) ids.push_back(s.id);
        bool done = false;
        auto refs = store->submit(
            specs, env, std::move(cron_records), [&, ids](Result<std::vector<SpecRef>> placed) {
                REQUIRE(placed.ok());
                for (std::size_t i = 0; i < ids.size(); ++i)
                    table->set_spec_location(ids[i], (*placed)[i].offset, (*placed)[i].length);
                done = true;
            });
        REQUIRE(refs.size() == n);
        for (std::size_t i = 0; i < n; ++i) table->add(specs[i], refs[i].length, 1);
        CHECK_FALSE(done);  // durable only after the commit, on the loop
        REQUIRE(run_until([&] { return done; }));
        return ids;
    }
    // Cancels a waiting job through the table (which then prunes it after `keep`).
    void cancel(JobId id) {
        REQUIRE(table->cancel(id, 2).ok());
        (void)table->take_changes();
        bool durable = false;
        store->record_status({StatusRecord{id, table->find(id)->status}}, true,
                             [&] { durable = true; });
        REQUIRE(run_until([&] { return durable; }));
    }
    void finish(JobId id, JobState state) {
        JobStatus st = table->find(id)->status;
        st.state = state;
        st.finished_at = 2;
        st.last_exit = ExitStatus{0, 0};
        table->restore_status(id, st);
        bool durable = false;
        store->record_status({StatusRecord{id, st}}, true, [&] { durable = true; });
        REQUIRE(run_until([&] { return durable; }));
    }

    // ---- what each store provides
    virtual std::unique_ptr<JobStore> make() = 0;
    // Cuts the last write short, as a crash in the middle of it would (false: not possible).
    virtual bool tear_last_write() = 0;
    // True once a checkpoint started by checkpoint() has finished.
    virtual bool checkpoint_done() = 0;
};

struct FileStoreHarness : Harness {
    tend::test::TempDir dir{"tend-store-contract"};
    std::unique_ptr<JobStore> make() override {
        FileJobStoreOptions o;
        o.loop = loop;
        o.state_dir = dir.path;
        o.table = table.get();
        o.cron = &cron;
        o.info = [](const std::string&) {};
        o.warn = [this](const std::string& w) { warnings.push_back(w); };
        auto s = FileJobStore::open(std::move(o));
        REQUIRE(s.ok());
        return std::move(s.value());
    }
    bool tear_last_write() override {
        // Half a frame after the last complete one.
        std::ofstream(dir.path + "/jobs.log", std::ios::app | std::ios::binary)
            << std::string("\x07\x00\x00", 3);
        return true;
    }
    bool checkpoint_done() override {
        return !static_cast<FileJobStore*>(store.get())->compacting();
    }
};

}  // namespace

TEMPLATE_TEST_CASE("a store gives back what was submitted", "[store]", FileStoreHarness) {
    TestType h;
    h.reopen();
    auto ids = h.submit(3, {"A=1", "B=2"});
    auto rec = h.reopen();
    REQUIRE(rec->jobs.size() == 3);
    for (JobId id : ids) {
        const JobEntry* e = h.table->find(id);
        REQUIRE(e);
        auto spec = h.store->read_spec(SpecRef{e->spec_offset, e->spec_length});
        REQUIRE(spec.ok());
        CHECK(spec->argv == std::vector<std::string>{"echo", "job " + std::to_string(id)});
        auto env = h.store->read_env(spec->env_id);
        REQUIRE(env.ok());
        CHECK(*env == std::vector<std::string>{"A=1", "B=2"});
    }
    // Ids are never reused after a restart.
    CHECK(h.table->next_id() > ids.back());
}

TEMPLATE_TEST_CASE("state changes survive a restart, in order", "[store]", FileStoreHarness) {
    TestType h;
    h.reopen();
    auto ids = h.submit(2, {});
    h.finish(ids[0], JobState::failed);
    h.finish(ids[0], JobState::succeeded);
    auto rec = h.reopen();
    CHECK(rec->statuses.at(ids[0]).state == JobState::succeeded);
    CHECK(h.table->find(ids[0])->status.state == JobState::succeeded);
    CHECK(h.table->find(ids[1])->status.state == JobState::pending);
}

TEMPLATE_TEST_CASE("record_status with nothing to write acts at once", "[store]",
                   FileStoreHarness) {
    TestType h;
    h.reopen();
    bool ran = false;
    h.store->record_status({}, true, [&] { ran = true; });
    CHECK(ran);
    CHECK(h.store->idle());
}

TEMPLATE_TEST_CASE("a write cut by a crash is not recovered; the rest is", "[store]",
                   FileStoreHarness) {
    TestType h;
    h.reopen();
    auto ids = h.submit(2, {"X=1"});
    if (!h.tear_last_write()) return;
    auto rec = h.reopen();
    CHECK(rec->jobs.size() == 2);
    auto more = h.submit(1, {"X=1"});
    rec = h.reopen();
    CHECK(rec->jobs.size() == 3);
    CHECK(rec->jobs.count(more[0]) == 1);
}

TEMPLATE_TEST_CASE("pauses and cron records survive a restart", "[store]", FileStoreHarness) {
    TestType h;
    h.reopen();
    Status paused = make_error("not yet");
    h.store->set_paused("default", true, [&](Status st) { paused = st; });
    REQUIRE(h.run_until([&] { return paused.ok(); }));
    cron::CronDef def;
    def.name = "nightly";
    def.schedule = "0 3 * * *";
    def.argv = {"true"};
    def.cwd = "/";
    Status wrote = make_error("not yet");
    h.store->write_cron({{cron::CronDefRecord{def, false}}, {}}, true,
                        [&](Status st) { wrote = st; });
    REQUIRE(h.run_until([&] { return wrote.ok(); }));
    // A tick's state rides in the same commit as its job.
    h.submit(1, {}, CronRecords{{}, {cron::CronStateRecord{"nightly", 1000, 1}}});
    auto rec = h.reopen();
    CHECK(rec->paused.at("default"));
    CHECK(rec->cron.cli_defs().count("nightly") == 1);
    CHECK(rec->cron.state("nightly").last_tick_s == 1000);
}

TEMPLATE_TEST_CASE("a checkpoint keeps live jobs, ids and cron state, and drops pruned ones",
                   "[store]", FileStoreHarness) {
    TestType h;
    h.reopen();
    auto ids = h.submit(40, {"E=1"});
    h.cron.apply(cron::CronStateRecord{"nightly", 2000, ids[0]});
    for (std::size_t i = 0; i < ids.size(); i += 2) h.cancel(ids[i]);
    std::uint64_t spec_bytes = 0;
    auto pruned = h.table->prune(std::int64_t(3600) * 1000000, &spec_bytes);
    REQUIRE(pruned.size() == 20);
    h.store->forget_jobs(pruned, spec_bytes);
    h.store->checkpoint();
    REQUIRE(h.run_until([&] { return h.checkpoint_done(); }));
    // Writes go on after the checkpoint.
    auto later = h.submit(1, {"E=1"});
    auto rec = h.reopen();
    CHECK(rec->jobs.size() == 21);
    for (JobId id : pruned) CHECK(rec->jobs.count(id) == 0);
    for (std::size_t i = 1; i < ids.size(); i += 2) {
        const JobEntry* e = h.table->find(ids[i]);
        REQUIRE(e);
        auto spec = h.store->read_spec(SpecRef{e->spec_offset, e->spec_length});
        REQUIRE(spec.ok());
        CHECK(spec->id == ids[i]);
        auto env = h.store->read_env(spec->env_id);
        REQUIRE(env.ok());
        CHECK(*env == std::vector<std::string>{"E=1"});
    }
    CHECK(rec->jobs.count(later[0]) == 1);
    CHECK(h.table->next_id() > later[0]);
    CHECK(rec->cron.state("nightly").last_tick_s == 2000);
}
