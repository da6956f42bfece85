// Decoding of the job and cron commands' arguments into their typed structs.
#include "queue/core/job_request_args.hpp"

#include <limits>

#include "supervisor/protocol/arg_reader.hpp"

// GCC 12 sees the variants moved into optional<Result<...>> as "maybe uninitialized" (a known
// false positive of std::variant at -O2); scoped to this file, unity builds included.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace tend::jobs {

std::optional<std::string> submit_shape_error(const SubmitRequest& r) {
    const JobSpec& s = r.shape;
    if (r.batch) {
        if (!s.key.empty()) return "--key cannot be used with a batch";
    } else if (s.argv.empty() || s.argv[0].empty()) {
        return "\"argv\" must name a command";
    }
    if (s.cwd.empty() || s.cwd[0] != '/') return "\"cwd\" must be an absolute path";
    if (s.key.starts_with("cron:"))
        return "keys starting with \"cron:\" are reserved for cron entries";
    if (s.max_attempts > 1000000) return "\"attempts\" must be at most 1000000";
    return std::nullopt;
}
namespace {

using protocol::ArgReader;
constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kI64Min = std::numeric_limits<std::int64_t>::min();
// A job's attempts (check_shape says the same to submits from elsewhere).
constexpr std::int64_t kMaxAttempts = 1000000;
// Cron times are seconds in the years 1970 to 9999: the calendar arithmetic stays in range.
constexpr std::int64_t kMaxCronSeconds = 253402300799;

template <typename V, typename T>
Result<V> done(const ArgReader& r, T value) {
    if (!r.ok()) return make_error(r.error());
    return V{std::move(value)};
}

Result<JobArgs> submit_args(ArgReader& r) {
    SubmitRequest q;
    JobSpec& s = q.shape;
    q.batch = r.flag("batch");
    s.argv = r.texts("argv");
    q.lines = r.texts("lines");
    s.shell = r.flag("shell");
    s.queue = r.text("queue", "default");
    s.name = r.text("name");
    s.priority =
        static_cast<std::int32_t>(r.integer("priority", 0, std::numeric_limits<std::int32_t>::min(),
                                            std::numeric_limits<std::int32_t>::max()));
    s.run_at = r.integer("run_at_us", 0, 0, kI64Max);
    s.max_attempts = static_cast<std::uint32_t>(r.integer("attempts", 0, 0, kMaxAttempts));
    s.timeout_us = r.integer("timeout_us", -1, -1, kI64Max);
    s.after = r.ids("after");
    s.key = r.text("key");
    q.env = r.texts("env");
    s.cwd = r.text("cwd");
    return done<JobArgs>(r, std::move(q));
}

// `tend jobs`: filters, page size and the paging cursor.
Result<JobArgs> list_args(ArgReader& r) {
    JobListQuery q;
    auto state = r.optional_text("state");
    q.queue = r.optional_text("queue");
    q.limit = static_cast<std::size_t>(r.integer("limit", 50, 0, kI64Max));
    q.before = static_cast<JobId>(r.integer("before", 0, 0, kI64Max));
    if (r.ok() && state && !state->empty() && !(q.state = parse_job_state(*state)))
        return make_error("\"state\" is not a job state");
    return done<JobArgs>(r, ListArgs{std::move(q)});
}

Result<JobArgs> ids_args(ArgReader& r) {
    JobIdsArgs a{r.ids("ids")};
    if (r.ok() && a.ids.empty()) return make_error("\"ids\" must name at least one job");
    return done<JobArgs>(r, std::move(a));
}

// `tend queue set`: the queue and up to kMaxQueueSetKeys KEY: integer pairs.
constexpr std::size_t kMaxQueueSetKeys = 16;
Result<JobArgs> queue_set_args(const nlohmann::json& args, ArgReader& r) {
    QueueSetArgs a{r.text("queue"), {}};
    if (!r.ok()) return make_error(r.error());
    if (a.queue.empty()) return make_error("\"queue\" must name a queue");
    auto it = args.is_object() ? args.find("values") : args.end();
    if (!args.is_object() || it == args.end() || !it->is_object() || it->empty())
        return make_error("\"values\" must be an object of KEY: integer");
    if (it->size() > kMaxQueueSetKeys) return make_error("\"values\": too many keys");
    ArgReader values(*it);
    for (auto e = it->begin(); e != it->end(); ++e)
        a.values.emplace_back(e.key(), values.integer(e.key().c_str(), 0, kI64Min, kI64Max));
    if (!values.ok()) return make_error("\"values\": " + values.error());
    return JobArgs{std::move(a)};
}

Result<CronArgs> cron_add_args(ArgReader& r) {
    CronAddRequest q;
    cron::CronDef& d = q.def;
    d.name = r.text("name");
    d.schedule = r.text("schedule");
    d.timezone = r.text("timezone");
    d.queue = r.text("queue", "default");
    d.argv = r.texts("argv");
    d.shell = r.flag("shell");
    const std::string overlap = r.text("overlap", "skip");
    const std::string catch_up = r.text("catch_up", "latest");
    d.catch_up_window_us =
        r.integer("catch_up_window_us", cron::kDefaultCatchUpWindowUs, 0, kI64Max);
    d.jitter_us = r.integer("jitter_us", 0, 0, kI64Max);
    d.cwd = r.text("cwd");
    d.env = r.texts("env");
    if (!r.ok()) return make_error(r.error());
    auto o = cron::parse_overlap(overlap);
    if (!o) return make_error("\"overlap\" must be skip, allow or replace");
    auto c = cron::parse_catch_up(catch_up);
    if (!c) return make_error("\"catch_up\" must be none, latest or all");
    d.overlap = *o;
    d.catch_up = *c;
    return CronArgs{std::move(q)};
}

}  // namespace

std::optional<Result<JobArgs>> decode_job_args(std::string_view cmd, const nlohmann::json& args) {
    ArgReader r(args);
    if (cmd == "submit") return submit_args(r);
    if (cmd == "submit_lines") return done<JobArgs>(r, SubmitLinesArgs{r.texts("lines")});
    if (cmd == "jobs") return list_args(r);
    if (cmd == "show") {
        ShowArgs a{static_cast<JobId>(r.integer("id", 0, 1, kI64Max))};
        if (r.ok() && a.id == 0) return make_error("\"id\" must be a job id");
        return done<JobArgs>(r, a);
    }
    if (cmd == "wait" || cmd == "cancel" || cmd == "retry") return ids_args(r);
    if (cmd == "queues") return done<JobArgs>(r, QueuesArgs{});
    if (cmd == "pause" || cmd == "resume") {
        QueueArgs a{r.text("queue")};
        if (r.ok() && a.queue.empty()) return make_error("\"queue\" must name a queue");
        return done<JobArgs>(r, std::move(a));
    }
    if (cmd == "compact") return done<JobArgs>(r, CompactArgs{});
    if (cmd == "queue_set") return queue_set_args(args, r);
    return std::nullopt;
}

std::optional<Result<CronArgs>> decode_cron_args(std::string_view cmd, const nlohmann::json& args) {
    ArgReader r(args);
    if (cmd == "cron_list") return done<CronArgs>(r, CronListArgs{});
    if (cmd == "cron_add") return cron_add_args(r);
    if (cmd == "cron_run" || cmd == "cron_remove" || cmd == "cron_next") {
        std::string name = r.text("name");
        if (r.ok() && name.empty()) return make_error("\"name\" must name a cron entry");
        if (cmd != "cron_next") return done<CronArgs>(r, CronNameArgs{std::move(name)});
        CronNextArgs n;
        n.name = std::move(name);
        n.from_s = r.integer("from_s", 0, 0, kMaxCronSeconds);
        n.count = static_cast<std::size_t>(r.integer("count", 10, 1, 100000));
        return done<CronArgs>(r, std::move(n));
    }
    return std::nullopt;
}

}  // namespace tend::jobs

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
