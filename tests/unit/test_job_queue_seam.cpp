// The job methods against the JobQueue interface alone, with a queue that answers later (as a
// store asking a server does): owners are checked before anything is done, nothing is answered
// before the queue has answered, and `tend logs` keeps its order and its errors.
#include <catch2/catch.hpp>

#include <deque>
#include <map>

#include "queue/daemon/job_methods.hpp"
#include "queue/daemon/job_queue.hpp"

using namespace tend;
using namespace tend::jobs;

namespace {

// Every read is answered when the test calls run(): the answers come after the handler has
// returned, in the order they were asked.
class DeferredQueue final : public JobQueue {
  public:
    std::map<JobId, std::uint32_t> owner;             // the jobs that exist and who owns them
    mutable std::deque<std::function<void()>> later;  // reads are const
    std::vector<std::string> done;                    // operations carried out, in order

    void run() {
        while (!later.empty()) {
            auto f = std::move(later.front());
            later.pop_front();
            f();
        }
    }

    void start_spool_intake() override {}
    void submit(SubmitRequest, JobReplier reply) override { reply(JobReply::ok({})); }
    JobReply buffer_lines(std::uint64_t, std::vector<std::string>, bool) override {
        return JobReply::ok({});
    }
    void submit_buffered(std::uint64_t, SubmitRequest, JobReplier reply) override {
        reply(JobReply::ok({}));
    }
    void cancel(const std::vector<JobId>& ids, JobReplier reply) override {
        done.push_back("cancel " + std::to_string(ids.size()));
        reply(JobReply::ok({{"cancelled", ids}}));
    }
    void retry(const std::vector<JobId>& ids, JobReplier reply) override {
        done.push_back("retry " + std::to_string(ids.size()));
        reply(JobReply::ok({}));
    }
    void set_paused(const std::string&, bool, JobReplier reply) override {
        reply(JobReply::ok({}));
    }
    void set_queue(const QueueSetArgs&, JobReplier reply) override { reply(JobReply::ok({})); }
    void reconfigure(const std::vector<QueueSettings>&) override {}
    void wait(std::vector<JobId>, std::uint64_t, JobReplier reply) override {
        done.push_back("wait");
        reply(JobReply::ok({}));
    }
    void client_gone(std::uint64_t) override {}
    void list(const JobListQuery&, JobReplier reply) const override {
        later.push_back([reply] { reply(JobReply::ok(nlohmann::json::array())); });
    }
    void show(JobId id, JobReplier reply) const override {
        later.push_back([reply, id] { reply(JobReply::ok({{"id", id}})); });
    }
    void queues(JobReplier reply) const override { reply(JobReply::ok({})); }
    void logs(JobId id, JobReplier reply) const override {
        later.push_back([reply, id] { reply(JobReply::ok({{"job", id}})); });
    }
    void owners(std::vector<JobId> ids, std::function<void(Owners)> cb) const override {
        later.push_back([this, ids, cb] {
            Owners out;
            for (JobId id : ids) {
                auto it = owner.find(id);
                out.push_back(it == owner.end() ? std::nullopt
                                                : std::optional<std::uint32_t>(it->second));
            }
            cb(out);
        });
    }
    void compact_now() override {}
    void stop_all(std::function<void()>, bool) override {}
    void kill_all() override {}
    std::size_t running_count() const override { return 0; }
    bool stopping() const override { return false; }
    cron::CronBook& cron_book() override { return book_; }
    void write_cron(CronRecords, bool, std::function<void(Status)> cb) override { cb(ok_status()); }
    void fire(CronTick, std::function<void(Result<CronFired>)> cb) override { cb(CronFired{}); }
    void submit_internal(std::vector<JobSpec>, const std::vector<std::string>&,
                         std::function<void(Result<std::vector<JobId>>)> cb) override {
        cb(std::vector<JobId>{});
    }
    Result<bool> cancel_job(JobId, const std::string&) override { return false; }
    std::optional<JobBrief> job_brief(JobId) const override { return std::nullopt; }
    bool has_queue(const std::string&) const override { return true; }
    WallUs now() const override { return 0; }
    const char* store_kind() const override { return "deferred"; }
    WallUs started_at() const override { return 0; }
    const JobCounters& counters() const override { return counters_; }
    JobStore::Figures store_figures() const override { return {}; }
    std::size_t spool_files_in_flight() const override { return 0; }
    std::vector<QueueFigures> queue_figures() const override { return {}; }

  private:
    cron::CronBook book_;
    JobCounters counters_;
};

struct Answers {
    std::vector<protocol::Outcome> got;
    MethodCall call(std::uint32_t uid, authz::Role role = authz::Role::user) {
        MethodCall c;
        c.client = 7;
        c.caller = {uid, 100, {}, role};
        c.respond = [this](const protocol::Outcome& o) { got.push_back(o); };
        return c;
    }
};

}  // namespace

TEST_CASE("job requests wait for the queue's owners and refuse others' jobs", "[job_queue]") {
    DeferredQueue q;
    q.owner = {{1, 1001}, {2, 1002}};
    Answers a;

    show(q, a.call(1001), ShowArgs{1});
    CHECK(a.got.empty());  // nothing answered before the queue has answered
    q.run();
    REQUIRE(a.got.size() == 1);
    CHECK(a.got[0].is_ok());
    CHECK(a.got[0].data["id"] == 1);

    // One job of another user: forbidden, and nothing is done.
    act_on_jobs(q, a.call(1001), "cancel", JobIdsArgs{{1, 2}});
    q.run();
    REQUIRE(a.got.size() == 2);
    CHECK(a.got[1].kind == protocol::Outcome::Kind::forbidden);
    CHECK(a.got[1].message.find("job 2") != std::string::npos);
    CHECK(q.done.empty());

    // An admin may; unknown ids are left to the operation, which names them.
    act_on_jobs(q, a.call(0, authz::Role::admin), "cancel", JobIdsArgs{{1, 2, 99}});
    act_on_jobs(q, a.call(1001), "wait", JobIdsArgs{{1, 99}});
    CHECK(q.done.empty());
    q.run();
    CHECK(q.done == std::vector<std::string>{"cancel 3", "wait"});
    CHECK(a.got.size() == 4);
}

TEST_CASE("tend logs: job entries in target order once every job has answered", "[job_queue]") {
    DeferredQueue q;
    q.owner = {{3, 1001}, {4, 1001}, {5, 1002}};
    Answers a;
    std::optional<JobLogEntries> got;
    auto keep = [&got](JobLogEntries e) { got = std::move(e); };

    // "web" names no job: left for the programs.
    job_logs_entries(q, a.call(1001), {"4", "web", "3"}, keep);
    CHECK_FALSE(got);
    q.run();
    REQUIRE(got);
    CHECK_FALSE(got->refusal);
    REQUIRE(got->entries.size() == 3);
    CHECK((*got->entries[0])["job"] == 4);
    CHECK_FALSE(got->entries[1]);
    CHECK((*got->entries[2])["job"] == 3);

    // The first failing target, in order, answers the whole request.
    got.reset();
    job_logs_entries(q, a.call(1001), {"3", "77", "5"}, keep);
    q.run();
    REQUIRE(got);
    REQUIRE(got->refusal);
    CHECK(got->refusal->kind == protocol::Outcome::Kind::not_found);
    CHECK(got->refusal->message == "no job 77");
    got.reset();
    job_logs_entries(q, a.call(1001), {"5", "77"}, keep);
    q.run();
    REQUIRE(got);
    REQUIRE(got->refusal);
    CHECK(got->refusal->kind == protocol::Outcome::Kind::forbidden);
}
