// Jobs, logs and queues of the PostgreSQL store as JSON, in job_render's shapes
// (pg_decode_views.hpp). Written as text like job_render: a page is up to 500 jobs.
#include "queue/pg/pg_decode_views.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "queue/core/job_render.hpp"
#include "supervisor/util/json_text.hpp"
#include "supervisor/util/signals.hpp"
#include "supervisor/util/timestamp.hpp"

namespace tend::pg {

namespace {

using json = nlohmann::json;
using Kind = protocol::Outcome::Kind;

void put_json_string(std::string& out, std::string_view text) {
    if (!append_json_string(out, text))
        out += json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

void put_key(std::string& out, const char* name) {
    out += out.back() == '{' ? "\"" : ",\"";
    out += name;
    out += "\":";
}

// As job_render: ISO 8601 UTC to the millisecond, null for none.
void put_time_or_null(std::string& out, std::optional<int64_t> t) {
    if (!t || *t <= 0) {
        out += "null";
        return;
    }
    std::string s = utc_timestamp(static_cast<std::uint64_t>(*t));
    put_json_string(out, s.substr(0, 23) + "Z");
}

std::string exit_text(std::optional<int64_t> code, std::optional<int64_t> signal) {
    if (signal && *signal > 0) {
        std::string out = "{\"signal\":";
        put_json_string(out, signal_name(static_cast<int>(*signal)));
        return out + '}';
    }
    if (code) return "{\"code\":" + std::to_string(*code) + "}";
    return "null";
}

const jobs::QueueSettings* find_queue(const std::vector<jobs::QueueSettings>& qs,
                                      const std::string& name) {
    for (const auto& q : qs)
        if (q.name == name) return &q;
    return nullptr;
}

void append_history(std::string& out, const std::vector<RunView>& runs) {
    out += '[';
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const RunView& r = runs[i];
        if (i) out += ',';
        out += '{';
        put_key(out, "exit_status");
        out += exit_text(r.exit_code, r.exit_signal);
        put_key(out, "finished_at");
        put_time_or_null(out, r.finished_us);
        put_key(out, "host");
        put_json_string(out, r.host);
        put_key(out, "outcome");
        put_json_string(out, r.outcome);
        put_key(out, "output_bytes");
        out += std::to_string(r.output_bytes);
        put_key(out, "run");
        out += std::to_string(r.run);
        put_key(out, "started_at");
        put_time_or_null(out, r.started_us);
        out += '}';
    }
    out += ']';
}

}  // namespace

std::string pg_why_waiting(const JobView& j) {
    switch (j.state) {
        case jobs::JobState::scheduled:
            return "waiting until " + jobs::format_utc(j.run_at_us);
        case jobs::JobState::blocked: {
            if (j.unmet.empty()) return "waiting for its dependencies to be settled";
            std::string ids;
            for (int64_t id : j.unmet) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
            return std::string(j.unmet.size() == 1 ? "waiting for job " : "waiting for jobs ") +
                   ids + " to succeed";
        }
        case jobs::JobState::pending:
            break;
        default:
            return {};
    }
    if (j.queue_paused) return "queue " + j.queue + " is paused";
    if (j.served && !*j.served) return "waiting for a host: no live host serves queue " + j.queue;
    const std::string position =
        j.position ? " (position " + std::to_string(*j.position) + ")" : std::string();
    if (j.global_limit && j.slots_taken && *j.slots_taken >= *j.global_limit)
        return "waiting for a slot: " + std::to_string(*j.slots_taken) + " of " +
               std::to_string(*j.global_limit) + " running in queue " + j.queue +
               " across all hosts" + position;
    return "waiting to be started" + position;
}

// Keys in sorted order, as job_render writes them.
void append_pg_job_text(std::string& out, const JobView& j, const ViewEnv& env, bool details,
                        const std::vector<RunView>* runs) {
    out += '{';
    put_key(out, "after");
    out += '[';
    for (std::size_t i = 0; i < j.after.size(); ++i)
        (out += i ? "," : "") += std::to_string(j.after[i]);
    out += ']';
    put_key(out, "attempt");
    out += std::to_string(j.attempt);
    put_key(out, "command");
    if (details) {
        out += '[';
        for (std::size_t i = 0; i < j.argv.size(); ++i) {
            if (i) out += ',';
            put_json_string(out, j.argv[i]);
        }
        out += ']';
    } else {
        out += "null";
    }
    put_key(out, "cwd");
    if (details)
        put_json_string(out, j.cwd);
    else
        out += "null";
    put_key(out, "exit_status");
    out += exit_text(j.exit_code, j.exit_signal);
    put_key(out, "finished_at");
    put_time_or_null(out, j.finished_us);
    if (!details) {
        put_key(out, "hidden");
        out += "true";
    }
    if (runs) {
        put_key(out, "history");
        append_history(out, *runs);
    }
    put_key(out, "host");
    if (j.host)
        put_json_string(out, *j.host);
    else
        out += "null";
    put_key(out, "id");
    out += std::to_string(j.id);
    put_key(out, "interrupted");
    out += j.interrupted ? "true" : "false";
    put_key(out, "key");
    if (details && j.key && !j.key->empty())
        put_json_string(out, *j.key);
    else
        out += "null";
    put_key(out, "max_attempts");
    out += std::to_string(j.max_attempts);
    put_key(out, "name");
    if (details)
        put_json_string(out, j.name);
    else
        out += "null";
    // The output file is on the host that ran the job: a path only when that is this host (or
    // it has not run yet, when its first run here would write there).
    put_key(out, "output");
    if (details && (!j.host || *j.host == env.host_name))
        put_json_string(out,
                        jobs::job_output_path(env.state_dir, static_cast<std::uint64_t>(j.id)));
    else
        out += "null";
    put_key(out, "pid");
    out +=
        j.state == jobs::JobState::running && j.pid && *j.pid > 0 ? std::to_string(*j.pid) : "null";
    put_key(out, "priority");
    out += std::to_string(j.priority);
    put_key(out, "queue");
    put_json_string(out, j.queue);
    put_key(out, "reason");
    if (j.reason.empty())
        out += "null";
    else
        put_json_string(out, j.reason);
    put_key(out, "run_at");
    if (j.state == jobs::JobState::scheduled)
        put_time_or_null(out, j.run_at_us);
    else
        out += "null";
    put_key(out, "runs");
    out += std::to_string(j.runs);
    put_key(out, "shell");
    out += !details ? "null" : j.shell ? "true" : "false";
    put_key(out, "started_at");
    put_time_or_null(out, j.started_us);
    put_key(out, "state");
    put_json_string(out, jobs::to_string(j.state));
    put_key(out, "submitted_at");
    put_time_or_null(out, j.submitted_us);
    put_key(out, "submitted_by");
    if (details && !j.submitted_by.empty())
        put_json_string(out, j.submitted_by);
    else
        out += "null";
    put_key(out, "timeout_s");
    int64_t timeout = j.timeout_us;
    if (timeout < 0) {
        const jobs::QueueSettings* q = find_queue(env.queues, j.queue);
        timeout = q ? q->timeout.count() : 0;
    }
    out += timeout > 0 ? json(double(timeout) / 1e6).dump() : "null";
    put_key(out, "uid");
    out += std::to_string(j.uid);
    put_key(out, "waiting");
    if (std::string why = pg_why_waiting(j); why.empty())
        out += "null";
    else
        put_json_string(out, why);
    out += '}';
}

protocol::Outcome pg_list_answer(const std::vector<JobView>& jobs, const ViewEnv& env,
                                 std::optional<std::uint32_t> viewer_uid) {
    std::string text = "[";
    for (const JobView& j : jobs) {
        if (text.size() > 1) text += ',';
        append_pg_job_text(text, j, env, !viewer_uid || int64_t(*viewer_uid) == j.uid);
    }
    text += ']';
    return protocol::Outcome::ok_text(std::move(text));
}

protocol::Outcome pg_show_answer(jobs::JobId id, const std::vector<JobView>& jobs,
                                 const std::vector<RunView>& runs, const ViewEnv& env) {
    if (jobs.empty())
        return protocol::Outcome::error(Kind::not_found, "no job " + std::to_string(id));
    std::string text;
    append_pg_job_text(text, jobs.front(), env, true, &runs);
    json parsed = json::parse(text, nullptr, false);  // our own text
    if (parsed.is_discarded())
        return protocol::Outcome::error(Kind::failed,
                                        "job " + std::to_string(id) + " could not be rendered");
    return protocol::Outcome::ok(std::move(parsed));
}

protocol::Outcome pg_logs_answer(jobs::JobId id, const std::optional<LogsView>& v,
                                 const ViewEnv& env, bool local_file_exists) {
    if (!v) return protocol::Outcome::error(Kind::not_found, "no job " + std::to_string(id));
    const std::string state = jobs::to_string(v->state);
    const bool running = v->state == jobs::JobState::running && v->running_host;
    const bool local = running
                           ? *v->running_host == env.host_name
                           : !v->last_host || (*v->last_host == env.host_name && local_file_exists);
    if (local)
        return protocol::Outcome::ok({{"job", id},
                                      {"state", state},
                                      {"output", "file"},
                                      {"host", env.host_name},
                                      {"files", {jobs::job_output_path(env.state_dir, id)}}});
    // The tail of the last finished run; a job running elsewhere has its newest output there.
    json tail = v->tail ? json(*v->tail) : json("");
    return protocol::Outcome::ok({{"job", id},
                                  {"state", state},
                                  {"output", "tail"},
                                  {"host", running ? *v->running_host : *v->last_host},
                                  {"tail", std::move(tail)},
                                  {"live", running}});
}

std::vector<PgQueueFigures> pg_queue_figures(const std::vector<QueueStatsView>& rows,
                                             const std::vector<jobs::QueueSettings>& configured) {
    auto figures = [](jobs::QueueSettings settings, const QueueStatsView* r) {
        PgQueueFigures f;
        jobs::QueueStats& s = f.figures.stats;
        s.name = settings.name;
        s.concurrency = settings.concurrency;
        if (r) {
            settings.max_pending = static_cast<std::uint64_t>(r->max_pending);
            s.pending = static_cast<std::uint64_t>(r->pending + r->scheduled + r->blocked);
            s.runnable = static_cast<std::uint64_t>(r->pending);
            s.scheduled = static_cast<std::uint64_t>(r->scheduled);
            s.blocked = static_cast<std::uint64_t>(r->blocked);
            s.running = static_cast<int>(std::min<int64_t>(r->running, 1 << 30));
            s.paused = r->paused;
            s.dead = static_cast<std::uint64_t>(r->dead);
            s.finished_ok = static_cast<std::uint64_t>(r->succeeded);
            s.finished_bad = static_cast<std::uint64_t>(r->failed + r->died + r->cancelled);
            s.finished_by_state[int(jobs::JobState::succeeded)] = s.finished_ok;
            s.finished_by_state[int(jobs::JobState::failed)] =
                static_cast<std::uint64_t>(r->failed);
            s.finished_by_state[int(jobs::JobState::dead)] = static_cast<std::uint64_t>(r->died);
            s.finished_by_state[int(jobs::JobState::cancelled)] =
                static_cast<std::uint64_t>(r->cancelled);
            if (r->oldest_waiting_us) s.oldest_pending_submitted = *r->oldest_waiting_us;
            if (r->global_limit) f.slots_taken = r->slots_taken;
            if (!settings.configured && r->global_limit)
                settings.global_concurrency = static_cast<int>(*r->global_limit);
        }
        f.figures.settings = std::move(settings);
        return f;
    };
    auto row_of = [&rows](const std::string& name) -> const QueueStatsView* {
        for (const auto& r : rows)
            if (r.name == name) return &r;
        return nullptr;
    };
    std::vector<PgQueueFigures> out;
    for (const auto& q : configured) out.push_back(figures(q, row_of(q.name)));
    for (const auto& r : rows) {
        if (find_queue(configured, r.name) || r.pending + r.scheduled + r.blocked + r.running == 0)
            continue;
        jobs::QueueSettings s;
        s.name = r.name;
        s.configured = false;
        out.push_back(figures(std::move(s), &r));
    }
    return out;
}

json pg_queue_json(const PgQueueFigures& q, jobs::WallUs now, jobs::WallUs started_at) {
    json j = jobs::queue_figures_json(q.figures, now, started_at);
    const int global = q.figures.settings.global_concurrency;
    j["global_concurrency"] = global > 0 ? json(global) : json(nullptr);
    j["slots_taken"] = q.slots_taken ? json(*q.slots_taken) : json(nullptr);
    return j;
}

}  // namespace tend::pg
