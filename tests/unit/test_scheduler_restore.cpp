// Scheduler replay, change tracking, pruning, listing, and the memory cost of pending jobs.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <map>
#include <variant>

#include "tests/unit/test_scheduler_fixtures.hpp"

using namespace tend;
using namespace tend::jobs;
using namespace tend::jobs::test;

namespace {

// A job log in memory: submits and status records in the order the daemon writes them.
struct StatusEntry {
    JobId id;
    JobStatus status;
};
using LogEntry = std::variant<JobSpec, StatusEntry>;

struct LoggedScheduler {
    Scheduler s;
    std::vector<LogEntry> log;

    explicit LoggedScheduler(std::vector<QueueSettings> queues) : s(std::move(queues), 2) {}

    JobId submit(JobSpec spec, WallUs now = T0) {
        spec.id = s.allocate_id();
        log.emplace_back(spec);
        s.add(spec, 10, now);
        flush();
        return spec.id;
    }
    // What the daemon does after every operation: one STATUS record per changed job.
    void flush() {
        for (JobId id : s.take_changes()) log.emplace_back(StatusEntry{id, s.find(id)->status});
    }
    // Compaction drops every record of a pruned job.
    void prune(WallUs now) {
        std::vector<JobId> gone = s.prune(now);
        std::erase_if(log, [&gone](const LogEntry& e) {
            const JobId id = std::holds_alternative<JobSpec>(e) ? std::get<JobSpec>(e).id
                                                                : std::get<StatusEntry>(e).id;
            return std::find(gone.begin(), gone.end(), id) != gone.end();
        });
    }

    Scheduler replay(WallUs now) const {
        Scheduler r(s.queues(), 2);
        for (const LogEntry& e : log) {
            if (auto* spec = std::get_if<JobSpec>(&e)) r.restore_submit(*spec, 1, 10);
            if (auto* st = std::get_if<StatusEntry>(&e)) r.restore_status(st->id, st->status);
        }
        r.finish_restore(now);
        return r;
    }
};

void check_same_statuses(const Scheduler& a, const Scheduler& b) {
    CHECK(a.job_count() == b.job_count());
    CHECK(a.live_count() == b.live_count());
    for (const JobEntry* e : a.list(std::nullopt, std::nullopt, 0)) {
        INFO("job " << e->id << " " << to_string(e->status.state));
        const JobEntry* r = b.find(e->id);
        REQUIRE(r != nullptr);
        CHECK(r->status == e->status);
        CHECK(r->unmet_deps == e->unmet_deps);
    }
    CHECK(a.next_due() == b.next_due());
    CHECK(a.next_prune() == b.next_prune());
}

}  // namespace

TEST_CASE("a replayed log rebuilds the same table", "[scheduler]") {
    QueueSettings q = queue_named("default", 2);
    q.max_attempts = 3;
    q.keep = std::chrono::seconds(100);
    LoggedScheduler live({q});
    Scheduler& s = live.s;
    WallUs now = T0;

    const JobId done = live.submit(spec_in());
    JobSpec keyed = spec_in();
    keyed.key = "k";
    const JobId flaky = live.submit(keyed);
    const JobId waits = live.submit(after({done, flaky}));
    JobSpec later = spec_in();
    later.run_at = now + 500 * kSec;
    const JobId delayed = live.submit(later);
    JobSpec later_after = after({flaky});
    later_after.run_at = now + 500 * kSec;
    const JobId delayed_after = live.submit(later_after);
    const JobId doomed = live.submit(spec_in());
    const JobId doomed_child = live.submit(after({doomed}));

    CHECK(s.take_runnable(now) == std::vector<JobId>{done, flaky});
    live.flush();
    succeed(s, done, now += kSec);
    fail(s, flaky, now += kSec);  // retried later
    live.flush();
    s.promote_due(now += 60 * kSec);
    REQUIRE(s.cancel(doomed, now).ok());
    live.flush();
    const JobId yielder = live.submit(spec_in(), now);
    std::vector<JobId> started = s.take_runnable(now);
    live.flush();
    for (JobId id : started)
        if (id == yielder) s.finished(id, ExitStatus{75, 0}, now, kMidJitter);
    live.flush();
    // `done` is pruned; a job submitted after it succeeded must not be cancelled on replay.
    const JobId after_done = live.submit(after({done}), now);
    now += 50 * kSec;
    live.prune(now);
    REQUIRE_FALSE(s.find(done));
    live.flush();

    Scheduler replayed = live.replay(now);
    CHECK(replayed.take_changes().empty() == false);  // it re-decides promotions
    check_same_statuses(s, replayed);
    CHECK(replayed.find_key(0, "k") == s.find_key(0, "k"));
    CHECK(state_of(replayed, waits) == state_of(s, waits));
    CHECK(state_of(replayed, after_done) == JobState::pending);
    CHECK(state_of(replayed, delayed) == JobState::scheduled);
    CHECK(state_of(replayed, delayed_after) == JobState::blocked);
    CHECK(state_of(replayed, doomed_child) == JobState::cancelled);
    CHECK(replayed.running_jobs() == s.running_jobs());
    CHECK(replayed.next_id() == s.next_id());

    // Both go on the same way.
    for (Scheduler* t : {&s, &replayed}) {
        for (JobId id : t->running_jobs()) succeed(*t, id, now);
        for (int i = 0; i < 6; ++i)
            for (JobId id : t->take_runnable(now)) succeed(*t, id, now);
        t->promote_due(now + 1000 * kSec);
        for (int i = 0; i < 6; ++i)
            for (JobId id : t->take_runnable(now)) succeed(*t, id, now);
    }
    check_same_statuses(s, replayed);
    CHECK(state_of(s, delayed_after) == JobState::succeeded);
}

TEST_CASE("replay settles what changed while tendd was down", "[scheduler]") {
    LoggedScheduler live({queue_named("default", 2)});
    const JobId a = live.submit(spec_in());
    const JobId b = live.submit(after({a}));
    const JobId c = live.submit(after({b}));
    JobSpec later = spec_in();
    later.run_at = T0 + 10 * kSec;
    const JobId d = live.submit(later);
    live.s.take_runnable(T0);
    live.flush();
    // The status record of a's failure was written; b's cancellation was not (crash).
    live.s.finished(a, ExitStatus{1, 0}, T0, kMidJitter);
    std::vector<JobId> changes = live.s.take_changes();
    REQUIRE(changes.front() == a);
    live.log.emplace_back(StatusEntry{a, live.s.find(a)->status});

    Scheduler r = live.replay(T0 + 20 * kSec);
    CHECK(state_of(r, b) == JobState::cancelled);
    CHECK(status_of(r, b).reason == "dependency 1 failed");
    CHECK(state_of(r, c) == JobState::cancelled);
    CHECK(state_of(r, d) == JobState::pending);
    std::vector<JobId> settled = r.take_changes();
    CHECK(settled == std::vector<JobId>{b, c, d});
}

TEST_CASE("running jobs survive replay until the caller interrupts them", "[scheduler]") {
    LoggedScheduler live({queue_named("default", 2)});
    const JobId a = live.submit(spec_in());
    live.s.take_runnable(T0);
    live.s.set_process(a, 4242, 7);
    live.flush();
    Scheduler r = live.replay(T0 + kSec);
    CHECK(r.running_jobs() == std::vector<JobId>{a});
    CHECK(status_of(r, a).pid == 4242);
    r.interrupt(a, "tendd died");
    CHECK(state_of(r, a) == JobState::pending);
    CHECK(r.take_runnable(T0 + kSec) == std::vector<JobId>{a});
    CHECK(status_of(r, a).attempt == 1);
}

TEST_CASE("take_changes reports each changed job once, in order", "[scheduler]") {
    Scheduler s({queue_named("default", 3)}, 0);
    const JobId a = submit(s);
    const JobId b = submit(s);
    CHECK(s.take_changes().empty());  // the submit records imply the first state
    s.take_runnable(T0);
    s.set_process(b, 10, 1);
    s.set_process(a, 11, 1);
    CHECK(s.take_changes() == std::vector<JobId>{a, b});
    CHECK(s.take_changes().empty());
    succeed(s, b);
    CHECK(s.take_changes() == std::vector<JobId>{b});
}

TEST_CASE("finished jobs are pruned after their queue's keep", "[scheduler]") {
    QueueSettings q = queue_named("default", 2);
    q.keep = std::chrono::hours(1);
    Scheduler s({q}, 0);
    const JobId a = submit(s);
    const JobId b = submit(s);
    const JobId c = submit(s);
    s.take_runnable(T0);
    succeed(s, a, T0 + kSec);
    fail(s, b, T0 + 2 * kSec);
    CHECK(s.next_prune() == T0 + kSec + 3600 * kSec);
    CHECK(s.prune(T0 + kSec + 3600 * kSec - 1).empty());
    REQUIRE(s.retry(b, T0 + 3 * kSec).ok());  // b is live again: not pruned
    CHECK(s.prune(T0 + 10 * 3600 * kSec) == std::vector<JobId>{a});
    CHECK_FALSE(s.find(a));
    CHECK(s.job_count() == 2);
    CHECK_FALSE(s.next_prune());
    CHECK(s.live_count() == 2);
    CHECK(state_of(s, c) == JobState::pending);
}

TEST_CASE("listing is newest first with filters and a limit", "[scheduler]") {
    Scheduler s({queue_named("default", 1), queue_named("batch", 1)}, 0);
    JobSpec in_batch = spec_in("batch");
    in_batch.env_id = 7;
    const JobId a = submit(s);
    const JobId b = submit(s, in_batch);
    const JobId c = submit(s);
    auto ids = [](const std::vector<const JobEntry*>& v) {
        std::vector<JobId> out;
        for (const JobEntry* e : v) out.push_back(e->id);
        return out;
    };
    CHECK(ids(s.list(std::nullopt, std::nullopt, 0)) == std::vector<JobId>{c, b, a});
    CHECK(ids(s.list(std::nullopt, std::nullopt, 2)) == std::vector<JobId>{c, b});
    CHECK(ids(s.list(std::nullopt, std::uint16_t{1}, 0)) == std::vector<JobId>{b});
    s.take_runnable(T0);
    CHECK(ids(s.list(JobState::running, std::nullopt, 0)) == std::vector<JobId>{b, a});
    CHECK(s.live_env_ids() == std::vector<std::uint32_t>{0, 7});
    succeed(s, b);
    CHECK(s.live_env_ids() == std::vector<std::uint32_t>{0});
    CHECK(s.why_waiting(b, T0).empty());
    CHECK(s.why_waiting(a, T0).empty());
}

TEST_CASE("an uncommitted submit is forgotten", "[scheduler]") {
    Scheduler s({}, 0);
    const JobId a = submit(s);
    JobSpec keyed = after({a});
    keyed.key = "k";
    const JobId b = submit(s, keyed);
    s.remove_uncommitted(b);
    CHECK_FALSE(s.find(b));
    CHECK_FALSE(s.find_key(0, "k"));
    CHECK(s.job_count() == 1);
    CHECK(s.stats(0).pending == 1);
    s.set_spec_location(a, 4096, 80);
    CHECK(s.find(a)->spec_offset == 4096);
    start_one(s, a);
    succeed(s, a);
    CHECK(s.live_count() == 0);
}

namespace {

std::size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t size = 0, resident = 0;
    statm >> size >> resident;
    return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

TEST_CASE("a million pending jobs fit in 300 bytes each", "[scheduler][.memory]") {
    constexpr std::size_t kJobs = 1000000;
    const std::size_t before = resident_bytes();
    Scheduler s({queue_named("default", 4)}, 0);
    JobSpec spec = spec_in();
    for (std::size_t i = 0; i < kJobs; ++i) {
        spec.id = s.allocate_id();
        spec.priority = static_cast<std::int32_t>(i % 3);
        s.add(spec, 120, T0);
    }
    const std::size_t after = resident_bytes();
    const double per_job = static_cast<double>(after - before) / kJobs;
    WARN("resident growth per pending job: " << per_job << " bytes");
    CHECK(s.live_count() == kJobs);
    CHECK(per_job <= 300.0);
}
