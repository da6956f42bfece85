// Cron on the PostgreSQL store: definitions as jsonb, rows decoded, write parameters
// (pg_decode_cron.hpp).
#include "queue/pg/pg_decode_cron.hpp"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>

namespace tend::pg {

using json = nlohmann::json;

namespace {

std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Typed reads of a parsed object that never throw: each sets `err` (the first problem) and
// leaves `out` alone when the field has the wrong type or range; a missing field is fine
// unless `required`.
struct Fields {
    const json& obj;
    std::string err;

    const json* find(const char* key, bool required) {
        auto it = obj.find(key);
        if (it == obj.end()) {
            if (required && err.empty()) err = std::string("\"") + key + "\" is missing";
            return nullptr;
        }
        return &*it;
    }
    void bad(const char* key, const char* what) {
        if (err.empty()) err = std::string("\"") + key + "\" must be " + what;
    }
    void str(const char* key, std::string& out, bool required = false) {
        const json* v = find(key, required);
        if (!v) return;
        if (!v->is_string()) return bad(key, "a string");
        out = v->get<std::string>();
    }
    void boolean(const char* key, bool& out) {
        const json* v = find(key, false);
        if (!v) return;
        if (!v->is_boolean()) return bad(key, "true or false");
        out = v->get<bool>();
    }
    void i64(const char* key, std::int64_t& out) {
        const json* v = find(key, false);
        if (!v) return;
        if (v->is_number_unsigned()) {
            const auto u = v->get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                return bad(key, "a 64-bit integer");
            out = static_cast<std::int64_t>(u);
        } else if (v->is_number_integer()) {
            out = v->get<std::int64_t>();
        } else {
            bad(key, "an integer");
        }
    }
    static bool u32_of(const json& v, std::uint32_t& out) {
        if (!v.is_number_unsigned()) return false;
        const auto u = v.get<std::uint64_t>();
        if (u > std::numeric_limits<std::uint32_t>::max()) return false;
        out = static_cast<std::uint32_t>(u);
        return true;
    }
    void u32(const char* key, std::uint32_t& out) {
        const json* v = find(key, false);
        if (v && !u32_of(*v, out)) bad(key, "an integer from 0 to 4294967295");
    }
    void u32s(const char* key, std::vector<std::uint32_t>& out) {
        const json* v = find(key, false);
        if (!v) return;
        if (!v->is_array()) return bad(key, "an array of integers");
        std::vector<std::uint32_t> got;
        for (const auto& e : *v) {
            std::uint32_t n = 0;
            if (!u32_of(e, n)) return bad(key, "an array of integers from 0 to 4294967295");
            got.push_back(n);
        }
        out = std::move(got);
    }
    void strs(const char* key, std::vector<std::string>& out, bool required = false) {
        const json* v = find(key, required);
        if (!v) return;
        if (!v->is_array()) return bad(key, "an array of strings");
        std::vector<std::string> got;
        for (const auto& e : *v) {
            if (!e.is_string()) return bad(key, "an array of strings");
            got.push_back(e.get<std::string>());
        }
        out = std::move(got);
    }
};

Result<std::optional<int64_t>> opt_int(const Cell& c, const char* what) {
    if (!c) return std::optional<int64_t>{};
    auto v = parse_int64(*c);
    if (!v) return make_error(std::string(what) + ": " + v.error());
    return std::optional<int64_t>(*v);
}

json def_object(const cron::CronDef& d) {
    return {{"name", d.name},
            {"schedule", d.schedule},
            {"timezone", d.timezone},
            {"queue", d.queue},
            {"argv", d.argv},
            {"shell", d.shell},
            {"overlap", cron::to_string(d.overlap)},
            {"catch_up", cron::to_string(d.catch_up)},
            {"catch_up_window_us", d.catch_up_window_us},
            {"jitter_us", d.jitter_us},
            {"cwd", d.cwd},
            {"env", d.env},
            {"uid", d.uid},
            {"gid", d.gid},
            {"groups", d.groups},
            {"created_at_us", d.created_at_us}};
}

}  // namespace

std::string cron_def_json(const cron::CronDef& d) {
    return dump(def_object(d));
}

Result<cron::CronDef> parse_cron_def_json(const std::string& name, std::string_view text) {
    const json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded()) return make_error("cron entry " + name + ": def is not valid JSON");
    if (!j.is_object()) return make_error("cron entry " + name + ": def is not a JSON object");
    cron::CronDef d;
    d.name = name;
    Fields f{j, {}};
    f.str("schedule", d.schedule, true);
    f.str("timezone", d.timezone);
    f.str("queue", d.queue);
    f.strs("argv", d.argv, true);
    f.boolean("shell", d.shell);
    std::string overlap = cron::to_string(d.overlap), catch_up = cron::to_string(d.catch_up);
    f.str("overlap", overlap);
    f.str("catch_up", catch_up);
    f.i64("catch_up_window_us", d.catch_up_window_us);
    f.i64("jitter_us", d.jitter_us);
    f.str("cwd", d.cwd, true);
    f.strs("env", d.env);
    f.u32("uid", d.uid);
    f.u32("gid", d.gid);
    f.u32s("groups", d.groups);
    f.i64("created_at_us", d.created_at_us);
    if (!f.err.empty()) return make_error("cron entry " + name + ": def: " + f.err);
    auto o = cron::parse_overlap(overlap);
    if (!o) return make_error("cron entry " + name + ": def: unknown overlap \"" + overlap + "\"");
    auto c = cron::parse_catch_up(catch_up);
    if (!c)
        return make_error("cron entry " + name + ": def: unknown catch_up \"" + catch_up + "\"");
    d.overlap = *o;
    d.catch_up = *c;
    if (d.schedule.empty() || d.argv.empty() || d.argv[0].empty() || d.cwd.empty() ||
        d.cwd[0] != '/' || d.queue.empty() || d.catch_up_window_us < 0 || d.jitter_us < 0)
        return make_error("cron entry " + name +
                          ": def: needs a schedule, a command, an absolute cwd, a queue and "
                          "durations that are not negative");
    return d;
}

Result<std::vector<CronRow>> decode_cron_rows(const Rows& rows) {
    std::vector<CronRow> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        if (row.size() != 5 || !row[0] || !row[1])
            return make_error("cron: expected (name, source, def, last_tick, last_job)");
        CronRow r;
        r.name = *row[0];
        r.source = *row[1];
        r.def = row[2];
        auto tick = opt_int(row[3], "cron: last_tick");
        if (!tick) return make_error(tick.error());
        auto job = opt_int(row[4], "cron: last_job");
        if (!job) return make_error(job.error());
        r.last_tick_s = *tick;
        r.last_job = *job;
        out.push_back(std::move(r));
    }
    return out;
}

LoadedBook book_of(const std::vector<CronRow>& rows) {
    LoadedBook out;
    for (const auto& r : rows) {
        if (r.source == "cli") {
            auto def = r.def
                           ? parse_cron_def_json(r.name, *r.def)
                           : Result<cron::CronDef>(make_error("cron entry " + r.name + ": no def"));
            if (def)
                out.book.apply(cron::CronDefRecord{std::move(*def), false});
            else
                out.warnings.push_back(def.error() + " (the entry is not loaded)");
        }
        const int64_t tick = r.last_tick_s.value_or(0);
        const int64_t job = r.last_job.value_or(0);
        if (tick > 0 || job > 0)
            out.book.apply(
                cron::CronStateRecord{r.name, std::max<int64_t>(tick, 0),
                                      static_cast<std::uint64_t>(std::max<int64_t>(job, 0))});
    }
    return out;
}

CronWriteParams cron_write_params(const jobs::CronRecords& records) {
    json defs = json::array(), states = json::array();
    for (const auto& r : records.defs) {
        json def = nullptr;
        if (!r.removed) def = def_object(r.def);
        defs.push_back({{"name", r.def.name}, {"def", std::move(def)}});
    }
    for (const auto& s : records.states)
        states.push_back(
            {{"name", s.name}, {"last_tick", s.last_tick_s}, {"last_job", s.last_job}});
    return {dump(defs), dump(states)};
}

Result<FireRow> decode_fire(const Rows& rows) {
    if (rows.size() != 1 || rows[0].size() != 3 || !rows[0][0])
        return make_error("cron_fire: expected one row (outcome, job_id, state)");
    const Row& row = rows[0];
    static const std::pair<const char*, FireOutcome> names[] = {
        {"fired", FireOutcome::fired},       {"taken", FireOutcome::taken},
        {"early", FireOutcome::early},       {"full", FireOutcome::full},
        {"no_queue", FireOutcome::no_queue}, {"duplicate", FireOutcome::duplicate},
        {"skipped", FireOutcome::skipped}};
    FireRow out;
    bool known = false;
    for (const auto& [n, o] : names)
        if (*row[0] == n) {
            out.outcome = o;
            known = true;
        }
    if (!known) return make_error("cron_fire: unknown outcome \"" + *row[0] + "\"");
    auto job = opt_int(row[1], "cron_fire: job_id");
    if (!job) return make_error(job.error());
    out.job = *job;
    if (row[2]) {
        auto st = jobs::parse_job_state(*row[2]);
        if (!st) return make_error("cron_fire: unknown job state \"" + *row[2] + "\"");
        out.state = *st;
    }
    if ((out.outcome == FireOutcome::fired || out.outcome == FireOutcome::duplicate) &&
        (!out.job || *out.job <= 0))
        return make_error("cron_fire: a fired tick without its job");
    return out;
}

Result<std::vector<std::pair<int64_t, jobs::JobBrief>>> decode_briefs(const Rows& rows) {
    std::vector<std::pair<int64_t, jobs::JobBrief>> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        if (row.size() != 4 || !row[0] || !row[1])
            return make_error("cron jobs: expected (id, state, exit_code, exit_signal)");
        auto id = parse_int64(*row[0]);
        if (!id) return make_error("cron jobs: id: " + id.error());
        auto st = jobs::parse_job_state(*row[1]);
        if (!st) return make_error("cron jobs: unknown state \"" + *row[1] + "\"");
        auto code = opt_int(row[2], "cron jobs: exit_code");
        if (!code) return make_error(code.error());
        auto sig = opt_int(row[3], "cron jobs: exit_signal");
        if (!sig) return make_error(sig.error());
        jobs::JobBrief b;
        b.state = *st;
        auto in_int = [](int64_t v) {
            return v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max();
        };
        if ((*code && !in_int(**code)) || (*sig && !in_int(**sig)))
            return make_error("cron jobs: exit status out of range");
        if (*sig && **sig != 0)
            b.last_exit = jobs::ExitStatus{0, static_cast<int>(**sig)};
        else if (*code)
            b.last_exit = jobs::ExitStatus{static_cast<int>(**code), 0};
        out.emplace_back(*id, b);
    }
    return out;
}

CronDefsDiff diff_cli_defs(const std::map<std::string, cron::CronDef>& before,
                           const std::map<std::string, cron::CronDef>& after) {
    CronDefsDiff d;
    for (const auto& [name, def] : after) {
        auto it = before.find(name);
        if (it == before.end())
            d.added.push_back(name);
        else if (!(it->second == def))
            d.changed.push_back(name);
    }
    for (const auto& [name, def] : before)
        if (!after.count(name)) d.removed.push_back(name);
    return d;
}

bool cron_retryable(Outcome outcome, std::string_view sqlstate) {
    switch (outcome) {
        case Outcome::not_sent:
        case Outcome::ambiguous:
            return true;
        case Outcome::error:
            return sqlstate == "40P01" || sqlstate == "40001";
        case Outcome::ok:
            return false;
    }
    return false;
}

}  // namespace tend::pg
