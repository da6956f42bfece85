// Jobs as JSON for `tend jobs`, `show` and `logs JOB`. A job is compact JSON text, written
// directly: a listing page is 500 of them, and building nlohmann objects first cost three times
// as much (SPEC §8: bounded work per request).
#include "queue/core/job_render.hpp"

#include <cstdio>

#include "supervisor/util/json_text.hpp"
#include "supervisor/util/signals.hpp"
#include "supervisor/util/timestamp.hpp"

namespace tend::jobs {

namespace {

// The bytes nlohmann::json(text).dump(-1, ' ', false, replace) gives, without its allocations
// for the common case of valid UTF-8.
void put_json_string(std::string& out, std::string_view text) {
    if (!append_json_string(out, text))
        out += nlohmann::json(std::string(text))
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void put_key(std::string& out, const char* name) {
    out += out.back() == '{' ? "\"" : ",\"";
    out += name;
    out += "\":";
}

void put_time_or_null(std::string& out, WallUs t) {
    if (t <= 0) {
        out += "null";
        return;
    }
    // Milliseconds are enough for people and keep the field short.
    std::string s = utc_timestamp(static_cast<std::uint64_t>(t));
    put_json_string(out, s.substr(0, 23) + "Z");
}

void put_string_or_null(std::string& out, const std::string& s) {
    if (s.empty())
        out += "null";
    else
        put_json_string(out, s);
}

}  // namespace

// Keys in the order nlohmann::json sorts them, so the text is what job_json gave before.
// Without `details` (another user's job, SPEC §8), the fields that tell what the job does are
// null and "hidden" is true.
void append_job_text(std::string& out, const JobReadContext& c, const JobEntry& e, bool details) {
    const JobStatus& st = e.status;
    const QueueSettings& q = c.sched.queues()[e.queue];
    // The command and the rest of the spec live on disk only (finished jobs cost no memory).
    auto spec = e.spec_length ? c.read_spec(SpecRef{e.spec_offset, e.spec_length})
                              : Result<JobSpec>(make_error("not yet on disk"));
    out += '{';
    put_key(out, "after");
    out += '[';
    if (spec)
        for (std::size_t i = 0; i < spec->after.size(); ++i)
            (out += i ? "," : "") += std::to_string(spec->after[i]);
    out += ']';
    put_key(out, "attempt");
    out += std::to_string(st.attempt);
    put_key(out, "command");
    if (spec && details) {
        out += '[';
        for (std::size_t i = 0; i < spec->argv.size(); ++i) {
            if (i) out += ',';
            put_json_string(out, spec->argv[i]);
        }
        out += ']';
    } else {
        out += "null";
    }
    put_key(out, "cwd");
    if (spec && details)
        put_json_string(out, spec->cwd);
    else
        out += "null";
    put_key(out, "exit_status");
    if (!st.last_exit) {
        out += "null";
    } else if (st.last_exit->signal) {
        out += "{\"signal\":";
        put_json_string(out, signal_name(st.last_exit->signal));
        out += '}';
    } else {
        out += "{\"code\":" + std::to_string(st.last_exit->code) + "}";
    }
    put_key(out, "finished_at");
    put_time_or_null(out, st.finished_at);
    if (!details) {
        put_key(out, "hidden");
        out += "true";
    }
    put_key(out, "id");
    out += std::to_string(e.id);
    put_key(out, "interrupted");
    out += st.interrupted ? "true" : "false";
    put_key(out, "key");
    if (spec && details)
        put_string_or_null(out, spec->key);
    else
        out += "null";
    put_key(out, "max_attempts");
    out += std::to_string(st.max_attempts);
    put_key(out, "name");
    if (details)
        put_json_string(out, spec ? spec->name : std::string());
    else
        out += "null";
    put_key(out, "output");
    if (details)
        put_json_string(out, job_output_path(c.state_dir, e.id));
    else
        out += "null";
    put_key(out, "pid");
    out += st.pid > 0 ? std::to_string(st.pid) : "null";
    put_key(out, "priority");
    out += std::to_string(e.priority);
    put_key(out, "queue");
    put_json_string(out, q.name);
    put_key(out, "reason");
    put_string_or_null(out, st.reason);
    put_key(out, "run_at");
    if (st.state == JobState::scheduled)
        put_time_or_null(out, st.run_at);
    else
        out += "null";
    put_key(out, "runs");
    out += std::to_string(st.runs);
    put_key(out, "shell");
    out += !details ? "null" : spec && spec->shell ? "true" : "false";
    put_key(out, "started_at");
    put_time_or_null(out, st.started_at);
    put_key(out, "state");
    put_json_string(out, to_string(st.state));
    put_key(out, "submitted_at");
    put_time_or_null(out, e.submitted_at);
    put_key(out, "timeout_s");
    const Usec timeout = e.timeout_us < 0 ? q.timeout : Usec(e.timeout_us);
    out += timeout.count() > 0 ? nlohmann::json(double(timeout.count()) / 1e6).dump() : "null";
    put_key(out, "uid");
    out += std::to_string(e.uid);
    put_key(out, "waiting");
    put_string_or_null(out, c.sched.why_waiting(e.id, c.now));
    out += '}';
}

std::string job_output_path(const std::string& state_dir, std::uint64_t id) {
    return state_dir + "/jobs/output/" + std::to_string(id) + ".log";
}

protocol::Outcome list_jobs(const JobReadContext& c, const JobListQuery& query) {
    using Kind = protocol::Outcome::Kind;
    std::optional<std::uint16_t> queue;
    if (query.queue) {
        queue = c.sched.queue_index(*query.queue);
        if (!queue)
            return protocol::Outcome::error(Kind::not_found,
                                            "no queue named \"" + *query.queue + "\"");
    }
    // One page, whatever the queue depth: the CLI pages for more (SPEC §8).
    const std::size_t limit =
        query.limit == 0 || query.limit > kMaxListPage ? kMaxListPage : query.limit;
    std::string text = "[";
    for (const JobEntry* e : c.sched.list(query.state, queue, limit, query.before)) {
        if (text.size() > 1) text += ',';
        append_job_text(text, c, *e, !query.viewer_uid || *query.viewer_uid == e->uid);
    }
    text += ']';
    return protocol::Outcome::ok_text(std::move(text));
}

protocol::Outcome show_job(const JobReadContext& c, JobId id) {
    const JobEntry* e = c.sched.find(id);
    if (!e)
        return protocol::Outcome::error(protocol::Outcome::Kind::not_found,
                                        "no job " + std::to_string(id));
    std::string text;
    append_job_text(text, c, *e);
    return protocol::Outcome::ok(nlohmann::json::parse(text, nullptr, false));  // our own text
}

protocol::Outcome job_logs(const JobReadContext& c, JobId id) {
    const JobEntry* e = c.sched.find(id);
    if (!e)
        return protocol::Outcome::error(protocol::Outcome::Kind::not_found,
                                        "no job " + std::to_string(id));
    return protocol::Outcome::ok({{"job", id},
                                  {"state", to_string(e->status.state)},
                                  {"output", "file"},
                                  {"files", {job_output_path(c.state_dir, id)}}});
}

}  // namespace tend::jobs
