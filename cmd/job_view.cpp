// Job and queue rendering. Fields are read defensively (null, absent or of another type shows
// as "-"), so a newer daemon with changed fields still gets a readable table.
#include "cmd/job_view.hpp"

#include <sys/time.h>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "cmd/cli_table.hpp"
#include "cmd/log_files.hpp"
#include "cmd/submit_time.hpp"
#include "cmd/usage_hint.hpp"
#include "supervisor/util/signals.hpp"

namespace tend::cli {
namespace {

using json = nlohmann::json;

std::string str(const json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<long long> integer(const json& o, const char* key) {
    auto it = o.find(key);
    if (it == o.end() || !it->is_number()) return std::nullopt;
    return it->get<long long>();
}

std::optional<double> number(const json& o, const char* key) {
    auto it = o.find(key);
    if (it == o.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

std::string int_text(const json& o, const char* key) {
    auto v = integer(o, key);
    return v ? std::to_string(*v) : "-";
}

bool flag(const json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_boolean() && it->get<bool>();
}

// Control characters would break a table row or a "key: value" line; show them escaped.
std::string printable(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (c < 0x20 || c == 0x7f)
            out += '?';
        else
            out += char(c);
    }
    return out;
}

// Cuts to `max` bytes without splitting a UTF-8 sequence.
std::string truncated(const std::string& s, size_t max) {
    if (s.size() <= max) return s;
    size_t cut = max - 3;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return s.substr(0, cut) + "...";
}

const char* job_state_colour(const std::string& s) {
    if (s == "running") return "36";
    if (s == "succeeded") return "32";
    if (s == "failed" || s == "dead") return "31";
    if (s == "scheduled" || s == "blocked") return "33";
    if (s == "cancelled") return "2";
    return nullptr;
}

std::optional<int> signal_of(const json& exit_status) {
    if (!exit_status.is_object()) return std::nullopt;
    auto it = exit_status.find("signal");
    if (it == exit_status.end()) return std::nullopt;
    if (it->is_number_integer()) return it->get<int>();
    return it->is_string() ? parse_signal(it->get<std::string>()) : std::nullopt;
}

std::optional<int> code_of(const json& exit_status) {
    if (!exit_status.is_object()) return std::nullopt;
    auto it = exit_status.find("code");
    if (it == exit_status.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int>();
}

json exit_of(const json& job) {
    auto it = job.find("exit_status");
    return it == job.end() ? json() : *it;
}

}  // namespace

std::int64_t wall_now_us() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return std::int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

std::optional<std::int64_t> time_field(const json& obj, const char* field) {
    const std::string text = str(obj, field);
    if (text.empty()) return std::nullopt;
    auto t = parse_iso8601(text);
    return t ? std::optional<std::int64_t>(*t) : std::nullopt;
}

std::string local_time_text(std::int64_t us) {
    const time_t s = static_cast<time_t>(us / 1000000 - (us % 1000000 < 0));
    tm local{};
    localtime_r(&s, &local);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z", &local);
    return buf;
}

std::string relative_text(std::int64_t us, std::int64_t now_us) {
    const double d = double(us - now_us) / 1e6;
    if (d > -1 && d < 1) return "now";
    return d > 0 ? "in " + human_duration_s(d) : human_duration_s(-d) + " ago";
}

std::string exit_status_text(const json& e) {
    if (auto sig = signal_of(e)) return "signal " + signal_name(*sig);
    if (auto code = code_of(e)) return "code " + std::to_string(*code);
    if (e.is_object() && e.contains("error")) return "exec failed";
    return "-";
}

std::string command_text(const json& job) {
    // Another user's job: tendd does not say what it runs (tendd(8) SECURITY).
    if (flag(job, "hidden")) {
        auto uid = job.find("uid");
        return uid != job.end() && uid->is_number_unsigned()
                   ? "(a job of uid " + std::to_string(uid->get<std::uint64_t>()) + ")"
                   : "(another user's job)";
    }
    auto it = job.find("command");
    if (it == job.end() || !it->is_array()) return "";
    const bool shell = flag(job, "shell");
    std::string out;
    for (const auto& w : *it) {
        if (!w.is_string()) continue;
        if (!out.empty()) out += ' ';
        // A shell job's one string is already what the shell reads.
        out += shell ? w.get<std::string>() : shell_quote(w.get<std::string>());
    }
    return out;
}

int wait_exit_status(const json& job) {
    const std::string state = str(job, "state");
    if (state == "succeeded") return 0;
    const json e = exit_of(job);
    if (auto sig = signal_of(e)) return 128 + *sig;
    // Exit statuses are 0..255; a 0 from a job that did not succeed still has to fail.
    if (auto code = code_of(e); code && (*code & 255) != 0) return *code & 255;
    return 1;
}

std::string outcome_text(const json& job) {
    // Which job, as people know it: its name, else its command.
    std::string what = str(job, "name");
    if (what.empty()) what = command_text(job);
    const std::string id =
        "job " + int_text(job, "id") + (what.empty() ? "" : " (" + truncated(what, 60) + ")");
    const std::string state = str(job, "state");
    const std::string exit = exit_status_text(exit_of(job));
    std::string text;
    if (state == "failed" || state == "dead")
        text = id + (state == "dead" ? " is dead" : " failed");
    else if (state == "cancelled")
        text = id + " was cancelled";
    else
        text = id + " is " + (state.empty() ? "in an unknown state" : state);
    if (exit != "-") text += " (" + exit + ")";
    if (std::string reason = str(job, "reason"); !reason.empty()) text += ": " + reason;
    return printable(text);
}

std::vector<std::string> attempt_lines(const std::string& output_path) {
    std::vector<std::string> out;
    if (output_path.empty()) return out;
    std::ifstream in(output_path);
    std::string raw;
    while (std::getline(in, raw)) {
        LogLine l = parse_stored_line(raw, 0);
        if (l.stream == "tend") out.push_back(l.time + " " + printable(l.text));
    }
    return out;
}

void append_job_rows(const json& jobs, std::int64_t now, std::vector<std::vector<Cell>>& rows) {
    if (!jobs.is_array()) return;
    for (const auto& j : jobs) {
        const std::string state = str(j, "state");
        auto submitted = time_field(j, "submitted_at");
        std::string what = str(j, "name");
        if (what.empty()) what = command_text(j);
        std::string why = str(j, "reason");
        if (why.empty()) why = str(j, "waiting");
        std::string exit = exit_status_text(exit_of(j));
        if (exit.rfind("code ", 0) == 0) exit.erase(0, 5);
        if (exit.rfind("signal ", 0) == 0) exit = "SIG" + exit.substr(7);
        rows.push_back({{int_text(j, "id")},
                        {state, job_state_colour(state)},
                        {printable(str(j, "queue"))},
                        {int_text(j, "priority")},
                        {int_text(j, "attempt") + "/" + int_text(j, "max_attempts")},
                        {exit},
                        {submitted ? human_duration_s(double(now - *submitted) / 1e6) : "-"},
                        {truncated(printable(what), 60)},
                        // The last column: sized to its content, so "(position 1234)" shows.
                        {printable(why)}});
    }
}

void print_job_table(const std::vector<std::vector<Cell>>& rows, bool colour) {
    if (rows.empty()) {
        std::printf("no jobs\n");
        return;
    }
    print_table({"ID", "STATE", "QUEUE", "PRI", "ATTEMPT", "EXIT", "AGE", "COMMAND", "REASON"},
                rows, colour);
}

void print_job(const CliContext& ctx, const json& job) {
    if (ctx.json) {
        ctx.print_json(job);
        return;
    }
    const std::int64_t now = wall_now_us();
    const bool colour = ctx.colour();
    auto line = [](const char* key, const std::string& value, const char* sgr = nullptr) {
        if (sgr)
            std::printf("%-12s \033[%sm%s\033[0m\n", key, sgr, value.c_str());
        else
            std::printf("%-12s %s\n", key, value.c_str());
    };
    auto opt = [&](const char* key, const std::string& value) {
        if (!value.empty()) line(key, printable(value));
    };
    auto when = [&](const char* key, const char* field) {
        if (auto t = time_field(job, field))
            line(key, local_time_text(*t) + " (" + relative_text(*t, now) + ")");
    };
    const std::string state = str(job, "state");
    line("id:", int_text(job, "id"));
    opt("name:", str(job, "name"));
    line("queue:", printable(str(job, "queue")));
    line("state:", state + (flag(job, "interrupted") ? " (interrupted)" : ""),
         colour ? job_state_colour(state) : nullptr);
    opt("host:", str(job, "host"));  // the PostgreSQL store: the host that runs or ran it
    opt("waiting:", str(job, "waiting"));
    opt("reason:", str(job, "reason"));
    line("command:",
         printable(command_text(job)) + (flag(job, "shell") ? "  (via /bin/sh -c)" : ""));
    line("cwd:", printable(str(job, "cwd")));
    line("priority:", int_text(job, "priority"));
    const std::string runs = int_text(job, "runs");
    line("attempt:", int_text(job, "attempt") + " of " + int_text(job, "max_attempts") + " (" +
                         runs + (runs == "1" ? " run)" : " runs)"));
    if (auto pid = integer(job, "pid")) line("pid:", std::to_string(*pid));
    if (std::string e = exit_status_text(exit_of(job)); e != "-") line("exit:", e);
    if (auto t = number(job, "timeout_s")) line("timeout:", *t > 0 ? human_duration_s(*t) : "none");
    opt("key:", str(job, "key"));
    if (auto a = job.find("after"); a != job.end() && a->is_array() && !a->empty()) {
        std::string ids;
        for (const auto& id : *a) ids += (ids.empty() ? "" : ", ") + id.dump();
        line("after:", ids);
    }
    when("submitted:", "submitted_at");
    // The PostgreSQL store: "uid:1000", "cron:NAME", or "direct:ROLE" (tend.submit_direct).
    opt("submitter:", str(job, "submitted_by"));
    when("run at:", "run_at");
    when("started:", "started_at");
    when("finished:", "finished_at");
    const std::string output = str(job, "output");
    opt("output:", output);
    auto attempts = attempt_lines(output);
    // The PostgreSQL store keeps each run in the database (newest first): where the output
    // file is elsewhere, they say what happened.
    if (auto h = job.find("history"); attempts.empty() && h != job.end() && h->is_array())
        for (auto r = h->rbegin(); r != h->rend(); ++r) {
            std::string e = exit_status_text(exit_of(*r));
            std::string text = "run " + int_text(*r, "run") + " on " + printable(str(*r, "host"));
            if (auto t = time_field(*r, "started_at")) text += ", started " + local_time_text(*t);
            text += ": " + printable(str(*r, "outcome")) + (e != "-" ? " (" + e + ")" : "");
            attempts.push_back(std::move(text));
        }
    if (!attempts.empty()) {
        std::printf("attempts:\n");
        for (const auto& a : attempts) std::printf("  %s\n", a.c_str());
    }
}

void print_queues(const CliContext& ctx, const json& queues) {
    if (ctx.json) {
        ctx.print_json(queues);
        return;
    }
    if (!queues.is_array() || queues.empty()) {
        std::printf("no queues\n");
        return;
    }
    std::vector<std::vector<Cell>> rows;
    for (const auto& q : queues) {
        const bool paused = flag(q, "paused");
        auto oldest = number(q, "oldest_pending_age_s");
        rows.push_back(
            {{printable(str(q, "name")) +
              (q.contains("configured") && !flag(q, "configured") ? " (removed)" : "")},
             {int_text(q, "pending")},
             {int_text(q, "running")},
             {int_text(q, "concurrency")},
             {paused ? "yes" : "no", paused ? "33" : nullptr},
             {oldest ? human_duration_s(*oldest) : "-"},
             {int_text(q, "succeeded")},
             {int_text(q, "failed"), integer(q, "failed").value_or(0) > 0 ? "31" : nullptr}});
    }
    print_table(
        {"QUEUE", "PENDING", "RUNNING", "CONCURRENCY", "PAUSED", "OLDEST", "DONE", "FAILED"}, rows,
        ctx.colour());
}

}  // namespace tend::cli
