// Decoding the read statements' rows (pg_decode_reads.hpp): total functions, errors not throws.
#include "queue/pg/pg_decode_reads.hpp"

#include <unordered_map>

namespace tend::pg {

namespace {

// Reads the cells of one row in order; the first bad cell makes the row an error naming it.
class Cells {
  public:
    Cells(const Row& row, const char* what) : row_(row), what_(what) {}

    bool count(std::size_t n) {
        if (row_.size() != n)
            fail("expected " + std::to_string(n) + " columns, got " + std::to_string(row_.size()));
        return ok();
    }
    std::optional<std::string> opt_text(const char* col) {
        const Cell* c = next(col);
        return c ? *c : std::nullopt;
    }
    std::string text(const char* col) {
        auto v = opt_text(col);
        if (!v && error_.empty()) fail(std::string(col) + " is NULL");
        return v.value_or(std::string());
    }
    std::optional<int64_t> opt_int(const char* col) {
        auto v = opt_text(col);
        if (!v) return std::nullopt;
        auto n = parse_int64(*v);
        if (!n) {
            fail(std::string(col) + ": " + n.error());
            return std::nullopt;
        }
        return *n;
    }
    int64_t integer(const char* col) {
        const std::size_t at = i_;
        auto v = opt_int(col);
        if (!v && error_.empty() && at < row_.size()) fail(std::string(col) + " is NULL");
        return v.value_or(0);
    }
    std::optional<bool> opt_flag(const char* col) {
        auto v = opt_text(col);
        if (!v) return std::nullopt;
        auto b = parse_bool(*v);
        if (!b) {
            fail(std::string(col) + ": " + b.error());
            return std::nullopt;
        }
        return *b;
    }
    bool flag(const char* col) {
        auto v = opt_flag(col);
        if (!v && error_.empty()) fail(std::string(col) + " is NULL");
        return v.value_or(false);
    }
    std::optional<std::vector<std::string>> opt_texts(const char* col) {
        auto v = opt_text(col);
        if (!v) return std::nullopt;
        auto a = parse_text_array(*v);
        if (!a) {
            fail(std::string(col) + ": " + a.error());
            return std::nullopt;
        }
        return std::move(*a);
    }
    std::vector<int64_t> ints(const char* col) {
        std::vector<int64_t> out;
        auto a = opt_texts(col);
        if (!a) return out;
        for (const auto& s : *a) {
            auto n = parse_int64(s);
            if (!n) {
                fail(std::string(col) + ": " + n.error());
                return {};
            }
            out.push_back(*n);
        }
        return out;
    }
    std::optional<std::string> opt_bytes(const char* col) {
        auto v = opt_text(col);
        if (!v) return std::nullopt;
        auto b = parse_bytea(*v);
        if (!b) {
            fail(std::string(col) + ": " + b.error());
            return std::nullopt;
        }
        return std::move(*b);
    }
    jobs::JobState state(const char* col) {
        auto v = opt_text(col);
        auto s = v ? jobs::parse_job_state(*v) : std::nullopt;
        if (!s && error_.empty()) fail(std::string(col) + ": not a job state");
        return s.value_or(jobs::JobState::pending);
    }

    bool ok() const { return error_.empty(); }
    std::string error() const { return std::string(what_) + ": " + error_; }

  private:
    const Cell* next(const char* col) {
        if (!ok()) return nullptr;
        if (i_ >= row_.size()) {
            fail(std::string("no column ") + col);
            return nullptr;
        }
        return &row_[i_++];
    }
    void fail(std::string why) {
        if (error_.empty()) error_ = std::move(why);
    }

    const Row& row_;
    const char* what_;
    std::size_t i_ = 0;
    std::string error_;
};

constexpr std::size_t kJobColumns = 32;

}  // namespace

Result<std::vector<JobView>> decode_jobs(const Rows& rows) {
    std::vector<JobView> out;
    out.reserve(rows.size());
    for (const Row& row : rows) {
        Cells c(row, "job row");
        JobView j;
        if (!c.count(kJobColumns)) return make_error(c.error());
        j.id = c.integer("id");
        j.queue = c.text("queue");
        j.state = c.state("state");
        j.priority = c.integer("priority");
        j.attempt = c.integer("attempt");
        j.max_attempts = c.integer("max_attempts");
        j.runs = c.integer("runs");
        j.name = c.text("name");
        j.argv = c.opt_texts("argv").value_or(std::vector<std::string>{});
        j.shell = c.flag("shell");
        j.cwd = c.text("cwd");
        j.key = c.opt_text("key");
        j.uid = c.integer("uid");
        j.submitted_us = c.integer("submitted_at");
        j.run_at_us = c.integer("run_at");
        j.started_us = c.opt_int("started_at");
        j.finished_us = c.opt_int("finished_at");
        j.exit_code = c.opt_int("exit_code");
        j.exit_signal = c.opt_int("exit_signal");
        j.pid = c.opt_int("pid");
        j.interrupted = c.flag("interrupted");
        j.reason = c.text("reason");
        j.timeout_us = c.integer("timeout_us");
        j.after = c.ints("after");
        j.host = c.opt_text("host");
        j.unmet = c.ints("unmet");
        j.queue_paused = c.flag("paused");
        j.global_limit = c.opt_int("global_limit");
        j.slots_taken = c.opt_int("slots_taken");
        j.served = c.opt_flag("served");
        j.position = c.opt_int("position");
        j.submitted_by = c.text("submitted_by");
        if (!c.ok()) return make_error(c.error());
        if (j.id <= 0 || j.uid < 0 || j.uid > 0xffffffffLL)
            return make_error("job row: id or uid out of range");
        out.push_back(std::move(j));
    }
    return out;
}

Result<std::vector<RunView>> decode_runs(const Rows& rows) {
    std::vector<RunView> out;
    for (const Row& row : rows) {
        Cells c(row, "run row");
        RunView r;
        if (!c.count(8)) return make_error(c.error());
        r.run = c.integer("run");
        r.host = c.text("host");
        r.started_us = c.integer("started_at");
        r.finished_us = c.integer("finished_at");
        r.exit_code = c.opt_int("exit_code");
        r.exit_signal = c.opt_int("exit_signal");
        r.outcome = c.text("outcome");
        r.output_bytes = c.integer("output_bytes");
        if (!c.ok()) return make_error(c.error());
        out.push_back(std::move(r));
    }
    return out;
}

Result<std::vector<std::optional<std::uint32_t>>> decode_owners(
    const Rows& rows, const std::vector<jobs::JobId>& ids) {
    std::unordered_map<jobs::JobId, std::uint32_t> uid_of;
    for (const Row& row : rows) {
        Cells c(row, "owner row");
        if (!c.count(2)) return make_error(c.error());
        const int64_t id = c.integer("id"), uid = c.integer("uid");
        if (!c.ok()) return make_error(c.error());
        if (id <= 0 || uid < 0 || uid > 0xffffffffLL)
            return make_error("owner row: id or uid out of range");
        uid_of[static_cast<jobs::JobId>(id)] = static_cast<std::uint32_t>(uid);
    }
    std::vector<std::optional<std::uint32_t>> out;
    out.reserve(ids.size());
    for (jobs::JobId id : ids) {
        auto it = uid_of.find(id);
        out.push_back(it == uid_of.end() ? std::nullopt : std::optional(it->second));
    }
    return out;
}

Result<std::optional<jobs::JobBrief>> decode_brief(const Rows& rows) {
    if (rows.empty()) return std::optional<jobs::JobBrief>();
    if (rows.size() != 1) return make_error("brief: more than one row");
    Cells c(rows[0], "brief row");
    if (!c.count(3)) return make_error(c.error());
    jobs::JobBrief b;
    b.state = c.state("state");
    auto code = c.opt_int("exit_code"), signal = c.opt_int("exit_signal");
    if (!c.ok()) return make_error(c.error());
    if (signal && *signal > 0)
        b.last_exit = jobs::ExitStatus{0, static_cast<int>(*signal)};
    else if (code)
        b.last_exit = jobs::ExitStatus{static_cast<int>(*code), 0};
    return std::optional(b);
}

Result<std::optional<LogsView>> decode_logs(const Rows& rows) {
    if (rows.empty()) return std::optional<LogsView>();
    if (rows.size() != 1) return make_error("logs: more than one row");
    Cells c(rows[0], "logs row");
    if (!c.count(4)) return make_error(c.error());
    LogsView v;
    v.state = c.state("state");
    v.running_host = c.opt_text("running_host");
    v.last_host = c.opt_text("last_host");
    v.tail = c.opt_bytes("output_tail");
    if (!c.ok()) return make_error(c.error());
    return std::optional(std::move(v));
}

Result<std::map<std::string, int>> decode_serving(const Rows& rows) {
    std::map<std::string, int> out;
    for (const Row& row : rows) {
        Cells c(row, "serving_hosts row");
        if (!c.count(2)) return make_error(c.error());
        std::string queue = c.text("queue");
        const int64_t hosts = c.integer("hosts");
        if (!c.ok()) return make_error(c.error());
        if (hosts < 1 || hosts > 1'000'000)
            return make_error("serving_hosts row: a host count out of range");
        out[std::move(queue)] = static_cast<int>(hosts);
    }
    return out;
}

Result<std::vector<QueueStatsView>> decode_queue_stats(const Rows& rows) {
    std::vector<QueueStatsView> out;
    for (const Row& row : rows) {
        Cells c(row, "queue_stats row");
        QueueStatsView q;
        if (!c.count(15)) return make_error(c.error());
        q.name = c.text("name");
        q.paused = c.flag("paused");
        q.global_limit = c.opt_int("global_limit");
        q.max_pending = c.integer("max_pending");
        q.pending = c.integer("pending");
        q.scheduled = c.integer("scheduled");
        q.blocked = c.integer("blocked");
        q.running = c.integer("running");
        q.dead = c.integer("dead");
        q.succeeded = c.integer("succeeded");
        q.failed = c.integer("failed");
        q.died = c.integer("died");
        q.cancelled = c.integer("cancelled");
        q.oldest_waiting_us = c.opt_int("oldest");
        q.slots_taken = c.integer("slots_taken");
        if (!c.ok()) return make_error(c.error());
        for (int64_t n : {q.max_pending, q.pending, q.scheduled, q.blocked, q.running, q.dead,
                          q.succeeded, q.failed, q.died, q.cancelled, q.slots_taken})
            if (n < 0) return make_error("queue_stats row: a negative count");
        out.push_back(std::move(q));
    }
    return out;
}

}  // namespace tend::pg
