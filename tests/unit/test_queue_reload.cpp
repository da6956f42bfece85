// [queue.*]/[cron.*] at a reload (SPEC §5.6) and `tend queue set` (SPEC §4): the diff with its
// keys, the scheduler taking new settings, and the runtime keys' bounds.
#include <catch2/catch.hpp>

#include <algorithm>

#include "queue/config/full_config.hpp"
#include "queue/core/job_request_args.hpp"
#include "queue/core/typed_request.hpp"
#include "tests/unit/config_fixtures.hpp"
#include "tests/unit/test_scheduler_fixtures.hpp"

using namespace tend;
using namespace tend::jobs::test;
using namespace tend::jobs;

namespace {

FullConfig cfg(const std::string& text) {
    auto r = tend::test::parse(text);
    INFO(text);
    REQUIRE(r.errors.empty());
    return r.config;
}

const SectionDiff* find_section(const std::vector<SectionDiff>& v, const std::string& section) {
    for (const auto& d : v)
        if (d.section == section) return &d;
    return nullptr;
}

const std::string before = R"(
[queue.mail]
concurrency = 2
weight = 1

[queue.old]

[cron.nightly]
schedule = "0 3 * * *"
command = ["report"]
queue = "mail"

[cron.gone]
schedule = "@hourly"
command = ["x"]
)";

}  // namespace

TEST_CASE("the queue diff names added, removed and changed sections and their keys", "[reload]") {
    const std::string after = R"(
[queue.mail]
concurrency = 5
weight = 3

[queue.fresh]

[cron.nightly]
schedule = "0 4 * * *"
timezone = "Europe/Berlin"
command = ["report"]
queue = "mail"

[cron.added]
schedule = "@daily"
command = ["y"]
)";
    auto d = diff_queue_sections(cfg(before), cfg(after));
    REQUIRE(find_section(d, "queue.mail"));
    CHECK(find_section(d, "queue.mail")->change == "changed");
    CHECK(find_section(d, "queue.mail")->keys == std::vector<std::string>{"concurrency", "weight"});
    CHECK(find_section(d, "queue.fresh")->change == "added");
    CHECK(find_section(d, "queue.old")->change == "removed");
    CHECK_FALSE(find_section(d, "queue.default"));
    CHECK(find_section(d, "cron.nightly")->change == "changed");
    CHECK(find_section(d, "cron.nightly")->keys ==
          std::vector<std::string>{"schedule", "timezone"});
    CHECK(find_section(d, "cron.added")->change == "added");
    CHECK(find_section(d, "cron.gone")->change == "removed");
    // Queues come first: cron entries name them.
    auto first_cron = std::find_if(
        d.begin(), d.end(), [](const SectionDiff& s) { return s.section.starts_with("cron."); });
    CHECK(std::all_of(first_cron, d.end(),
                      [](const SectionDiff& s) { return s.section.starts_with("cron."); }));
    CHECK(diff_queue_sections(cfg(before), cfg(before)).empty());
    // A program-only config against one with queues: only the queue layer's sections.
    ConfigDiff full = diff_full_configs(cfg(before), cfg(after));
    CHECK(full.restart_only.empty());
    CHECK(full.live.size() == d.size());
    CHECK(full.changes_anything());
}

TEST_CASE("every key of [queue.*] and [cron.*] is compared by the reload diff", "[reload]") {
    auto sorted = [](std::vector<std::string> v) {
        std::sort(v.begin(), v.end());
        return v;
    };
    CHECK(sorted(queue_compared_keys()) == sorted(key_names(queue_keys())));
    CHECK(sorted(cron_compared_keys()) == sorted(key_names(cron_keys())));
    // Every integer key with bounds is a key of the table (parse_int finds its row by name).
    for (const auto& k : jobs::kQueueIntKeys) {
        auto names = key_names(queue_keys());
        CHECK(std::find(names.begin(), names.end(), k.name) != names.end());
    }
}

TEST_CASE("a reload's higher concurrency starts more at once; a lower one kills nothing",
          "[reload][scheduler]") {
    Scheduler s({queue_named("default", 1)}, 0);
    std::vector<JobId> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(submit(s));
    CHECK(s.take_runnable(T0).size() == 1);
    s.reconfigure({queue_named("default", 3)});
    CHECK(s.take_runnable(T0).size() == 2);
    CHECK(s.stats(0).running == 3);
    s.reconfigure({queue_named("default", 1)});
    CHECK(s.take_runnable(T0).empty());
    CHECK(s.stats(0).running == 3);  // nothing stopped
    succeed(s, ids[0]);
    succeed(s, ids[1]);
    CHECK(s.take_runnable(T0).empty());  // 1 still runs: at the new concurrency already
    succeed(s, ids[2]);
    CHECK(s.take_runnable(T0).size() == 1);
}

TEST_CASE("weights change at once", "[reload][scheduler]") {
    Scheduler s({queue_named("default", 10), queue_named("a", 10), queue_named("b", 10)}, 4);
    for (int i = 0; i < 20; ++i) {
        submit(s, spec_in("a"));
        submit(s, spec_in("b"));
    }
    s.reconfigure({queue_named("default", 10), queue_named("a", 10, 3), queue_named("b", 10, 1)});
    int a = 0;
    for (JobId id : s.take_runnable(T0)) a += s.find(id)->queue == *s.queue_index("a");
    CHECK(a == 3);  // 4 slots at 3:1
}

TEST_CASE("a queue removed by a reload keeps its jobs and refuses submits", "[reload][scheduler]") {
    Scheduler s({queue_named("default"), queue_named("mail", 1)}, 0);
    JobId a = submit(s, spec_in("mail"));
    JobId b = submit(s, spec_in("mail"));
    start_one(s, a);
    s.reconfigure({queue_named("default")});
    const auto mail = *s.queue_index("mail");
    CHECK_FALSE(s.queues()[mail].configured);
    CHECK(s.queues()[mail].concurrency == 1);  // its last settings
    auto refusal = s.check_submit(spec_in("mail"), 1);
    REQUIRE(refusal);
    CHECK(refusal->message.find("no longer in the config") != std::string::npos);
    succeed(s, a);
    start_one(s, b);  // what it holds still runs
    succeed(s, b);
    refusal = s.check_submit(spec_in("mail"), 1);
    REQUIRE(refusal);
    CHECK(refusal->message == "no queue named \"mail\"");
    // Back in the config: configured again, with the new settings, same index.
    s.reconfigure({queue_named("default"), queue_named("mail", 7)});
    CHECK(*s.queue_index("mail") == mail);
    CHECK(s.queues()[mail].configured);
    CHECK(s.queues()[mail].concurrency == 7);
    CHECK_FALSE(s.check_submit(spec_in("mail"), 1));
}

TEST_CASE("a queue added by a reload takes submits", "[reload][scheduler]") {
    Scheduler s({queue_named("default")}, 0);
    CHECK(s.check_submit(spec_in("fresh"), 1));
    s.reconfigure({queue_named("default"), queue_named("fresh", 2)});
    CHECK_FALSE(s.check_submit(spec_in("fresh"), 1));
    submit(s, spec_in("fresh"));
    submit(s, spec_in("fresh"));
    CHECK(s.take_runnable(T0).size() == 2);
}

TEST_CASE("tend queue set checks keys and the config's bounds", "[reload][scheduler]") {
    Scheduler s({queue_named("default", 1)}, 0);
    CHECK(s.set_queue_key("default", "concurrency", 4).ok());
    CHECK(s.queues()[0].concurrency == 4);
    CHECK(s.set_queue_key("default", "weight", 1000).ok());
    CHECK(s.set_queue_key("default", "max_pending", 3).ok());
    CHECK(s.queues()[0].max_pending == 3);
    CHECK(s.set_queue_key("default", "concurrency", 0).error() ==
          "\"concurrency\" must be between 1 and 100000");
    CHECK(s.set_queue_key("default", "weight", 1001).error() ==
          "\"weight\" must be between 1 and 1000");
    CHECK(s.set_queue_key("default", "timeout", 3).error().find("cannot be set at run time") !=
          std::string::npos);
    CHECK(s.set_queue_key("default", "max_attempts", 3).error().find("cannot be set") !=
          std::string::npos);
    CHECK(s.set_queue_key("nope", "weight", 2).error() == "no queue named \"nope\"");
    CHECK(s.queues()[0].concurrency == 4);  // refusals change nothing
}

TEST_CASE("queue_set decodes a queue and integer values", "[reload][typed]") {
    auto line = [](const nlohmann::json& args) {
        return nlohmann::json{{"v", 1}, {"cmd", "queue_set"}, {"args", args}}.dump();
    };
    auto r = decode_request_typed(line({{"queue", "mail"}, {"values", {{"concurrency", 3}}}}));
    REQUIRE(r.ok());
    const auto& a = std::get<jobs::QueueSetArgs>(std::get<jobs::JobArgs>(r->args));
    CHECK(a.queue == "mail");
    REQUIRE(a.values.size() == 1);
    CHECK(a.values[0] == std::pair<std::string, std::int64_t>{"concurrency", 3});
    for (const nlohmann::json& bad :
         {nlohmann::json{{"queue", "mail"}},
          nlohmann::json{{"queue", "mail"}, {"values", nlohmann::json::object()}},
          nlohmann::json{{"queue", "mail"}, {"values", {{"weight", "2"}}}},
          nlohmann::json{{"queue", "mail"}, {"values", {{"weight", 1.5}}}},
          nlohmann::json{{"queue", "mail"}, {"values", {1, 2}}},
          nlohmann::json{{"queue", ""}, {"values", {{"weight", 2}}}},
          nlohmann::json{{"values", {{"weight", 2}}}}}) {
        INFO(bad.dump());
        Result<TypedRequest> d = make_error("not decoded");
        REQUIRE_NOTHROW(d = decode_request_typed(line(bad)));
        CHECK_FALSE(d.ok());
    }
}
