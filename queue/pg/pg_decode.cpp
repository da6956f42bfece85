// Decoding the job statements' rows into typed results: total functions, errors not throws.
#include "queue/pg/pg_decode.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <limits>

namespace tend::pg {

Result<int64_t> parse_int64(std::string_view s) {
    int64_t v = 0;
    const char* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, v);
    if (s.empty() || ec != std::errc() || p != end)
        return make_error("not an integer: \"" + std::string(s.substr(0, 40)) + "\"");
    return v;
}

Result<bool> parse_bool(std::string_view s) {
    if (s == "t") return true;
    if (s == "f") return false;
    return make_error("not a boolean: \"" + std::string(s.substr(0, 40)) + "\"");
}

Result<std::vector<std::string>> parse_text_array(std::string_view s) {
    std::vector<std::string> out;
    if (s.size() < 2 || s.front() != '{' || s.back() != '}')
        return make_error("not an array literal");
    size_t i = 1;
    const size_t end = s.size() - 1;  // the closing brace
    if (i == end) return out;
    while (true) {
        std::string elem;
        if (i < end && s[i] == '"') {
            ++i;
            bool closed = false;
            while (i < end) {
                const char c = s[i++];
                if (c == '"') {
                    closed = true;
                    break;
                }
                if (c == '\\') {
                    if (i >= end) break;
                    elem += s[i++];
                } else {
                    elem += c;
                }
            }
            if (!closed) return make_error("an unterminated quoted array element");
        } else {
            const size_t start = i;
            while (i < end && s[i] != ',') {
                const char c = s[i];
                if (c == '{' || c == '}' || c == '"' || c == '\\')
                    return make_error("a nested or malformed array literal");
                ++i;
            }
            elem.assign(s.substr(start, i - start));
            if (elem.empty()) return make_error("an empty unquoted array element");
            if (elem.size() == 4 && (elem[0] | 0x20) == 'n' && (elem[1] | 0x20) == 'u' &&
                (elem[2] | 0x20) == 'l' && (elem[3] | 0x20) == 'l')
                return make_error("a NULL array element");
        }
        out.push_back(std::move(elem));
        if (i == end) return out;
        if (s[i] != ',') return make_error("junk after an array element");
        ++i;
        if (i == end) return make_error("an array literal ending in a comma");
    }
}

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

Result<std::string> parse_bytea(std::string_view s) {
    if (s.size() < 2 || s[0] != '\\' || s[1] != 'x' || s.size() % 2 != 0)
        return make_error("not a bytea in hex format");
    std::string out;
    out.reserve((s.size() - 2) / 2);
    for (size_t i = 2; i < s.size(); i += 2) {
        const int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
        if (hi < 0 || lo < 0) return make_error("not a bytea in hex format");
        out += static_cast<char>(hi * 16 + lo);
    }
    return out;
}

std::string bytea_param(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out = "\\x";
    out.reserve(2 + bytes.size() * 2);
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::string timestamptz_param(int64_t wall_us) {
    int64_t secs = wall_us / 1'000'000, frac = wall_us % 1'000'000;
    if (frac < 0) {
        frac += 1'000'000;
        --secs;
    }
    const time_t t = static_cast<time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(frac));
    return buf;
}

namespace {

// Reads the columns of one row; the first problem is kept (with the column's name) and later
// reads return defaults, so a decoder reads every field and then checks once.
class Cols {
  public:
    Cols(const Row& row, size_t want, const char* what) : row_(row) {
        if (row.size() != want)
            error_ = std::string(what) + ": " + std::to_string(row.size()) + " columns, expected " +
                     std::to_string(want);
    }
    const std::string& error() const { return error_; }
    bool ok() const { return error_.empty(); }

    std::optional<int64_t> opt_i64(size_t c, const char* name) {
        const Cell* cell = at(c);
        if (!cell || !*cell) return std::nullopt;
        auto v = parse_int64(**cell);
        if (!v) return fail(name, v.error()), std::nullopt;
        return *v;
    }
    int64_t i64(size_t c, const char* name) {
        if (!present(c, name)) return 0;
        return opt_i64(c, name).value_or(0);
    }
    std::optional<int> opt_i32(size_t c, const char* name) {
        auto v = opt_i64(c, name);
        if (!v) return std::nullopt;
        if (*v < std::numeric_limits<int>::min() || *v > std::numeric_limits<int>::max())
            return fail(name, "out of range"), std::nullopt;
        return static_cast<int>(*v);
    }
    int i32(size_t c, const char* name) {
        if (!present(c, name)) return 0;
        return opt_i32(c, name).value_or(0);
    }
    bool boolean(size_t c, const char* name) {
        if (!present(c, name)) return false;
        auto v = parse_bool(**at(c));
        if (!v) return fail(name, v.error()), false;
        return *v;
    }
    std::optional<std::string> opt_text(size_t c) {
        const Cell* cell = at(c);
        return cell ? *cell : std::nullopt;
    }
    std::string text(size_t c, const char* name) {
        if (!present(c, name)) return {};
        return **at(c);
    }
    std::vector<std::string> array(size_t c, const char* name) {
        if (!present(c, name)) return {};
        auto v = parse_text_array(**at(c));
        if (!v) return fail(name, v.error()), std::vector<std::string>{};
        return std::move(*v);
    }
    std::optional<std::string> opt_bytea(size_t c, const char* name) {
        const Cell* cell = at(c);
        if (!cell || !*cell) return std::nullopt;
        auto v = parse_bytea(**cell);
        if (!v) return fail(name, v.error()), std::nullopt;
        return std::move(*v);
    }
    jobs::JobState state(size_t c, const char* name) {
        if (!present(c, name)) return jobs::JobState::failed;
        auto s = jobs::parse_job_state(**at(c));
        if (!s) return fail(name, "not a job state"), jobs::JobState::failed;
        return *s;
    }

  private:
    const Cell* at(size_t c) const { return c < row_.size() ? &row_[c] : nullptr; }
    bool present(size_t c, const char* name) {
        const Cell* cell = at(c);
        if (!cell) return false;  // the column count error is already recorded
        if (!*cell) {
            fail(name, "NULL");
            return false;
        }
        return true;
    }
    void fail(const char* name, const std::string& why) {
        if (error_.empty()) error_ = std::string("column ") + name + ": " + why;
    }

    const Row& row_;
    std::string error_;
};

Result<const Row*> single(const Rows& rows, const char* what) {
    if (rows.size() != 1)
        return make_error(std::string(what) + ": " + std::to_string(rows.size()) +
                          " rows, expected 1");
    return &rows[0];
}

}  // namespace

Result<std::vector<ClaimedJob>> decode_claim(const Rows& rows) {
    std::vector<ClaimedJob> out;
    out.reserve(rows.size());
    for (const Row& row : rows) {
        Cols c(row, 15, "claim");
        ClaimedJob j;
        j.id = c.i64(0, "id");
        j.lease = c.i64(1, "lease");
        j.attempt = c.i32(2, "attempt");
        j.max_attempts = c.i32(3, "max_attempts");
        j.runs = c.i32(4, "runs");
        j.argv = c.array(5, "argv");
        j.shell = c.boolean(6, "shell");
        j.cwd = c.text(7, "cwd");
        j.env_id = c.opt_i64(8, "env_id");
        j.timeout_us = c.i64(9, "timeout_us");
        j.uid = c.opt_i32(10, "uid");
        j.gid = c.opt_i32(11, "gid");
        j.name = c.text(12, "name");
        j.checkpoint = c.opt_bytea(13, "checkpoint");
        for (const auto& g : c.array(14, "groups")) {
            // int in the table, as uid and gid: a negative one is no group of a submitter.
            auto gid = parse_int64(g);
            if (!gid || *gid < 0 || *gid > std::numeric_limits<int32_t>::max())
                return make_error("claim: job " + std::to_string(j.id) + " has a bad group \"" +
                                  g.substr(0, 40) + "\"");
            j.groups.push_back(static_cast<std::uint32_t>(*gid));
        }
        if (!c.ok()) return make_error(c.error());
        if (j.argv.empty())
            return make_error("claim: job " + std::to_string(j.id) + " has no argv");
        out.push_back(std::move(j));
    }
    return out;
}

Result<std::optional<std::vector<std::string>>> decode_env(const Rows& rows) {
    if (rows.empty()) return std::optional<std::vector<std::string>>{};
    auto r = single(rows, "env");
    if (!r) return make_error(r.error());
    Cols c(**r, 1, "env");
    auto vars = c.array(0, "vars");
    if (!c.ok()) return make_error(c.error());
    return std::optional<std::vector<std::string>>(std::move(vars));
}

Result<std::optional<FinishResult>> decode_finish(const Rows& rows) {
    if (rows.empty()) return std::optional<FinishResult>{};
    auto r = single(rows, "finish");
    if (!r) return make_error(r.error());
    Cols c(**r, 3, "finish");
    FinishResult f;
    f.id = c.i64(0, "id");
    f.state = c.state(1, "state");
    f.wake = c.array(2, "wake");
    if (!c.ok()) return make_error(c.error());
    return std::optional<FinishResult>(std::move(f));
}

Result<RescueResult> decode_rescue(const Rows& rows) {
    auto r = single(rows, "rescue");
    if (!r) return make_error(r.error());
    Cols c(**r, 3, "rescue");
    RescueResult out;
    out.host = c.opt_text(0);
    out.jobs = c.i64(1, "jobs");
    out.wake = c.array(2, "wake");
    if (!c.ok()) return make_error(c.error());
    return out;
}

Result<PromoteResult> decode_promote(const Rows& rows) {
    auto r = single(rows, "promote");
    if (!r) return make_error(r.error());
    Cols c(**r, 3, "promote");
    PromoteResult out;
    out.jobs = c.i64(0, "jobs");
    out.wake = c.array(1, "wake");
    out.next_us = c.opt_i64(2, "next_us");
    if (!c.ok()) return make_error(c.error());
    return out;
}

Result<SettleResult> decode_settle(const Rows& rows) {
    auto r = single(rows, "settle");
    if (!r) return make_error(r.error());
    Cols c(**r, 2, "settle");
    SettleResult out;
    out.jobs = c.i64(0, "jobs");
    out.wake = c.array(1, "wake");
    if (!c.ok()) return make_error(c.error());
    return out;
}

Result<std::optional<CancelResult>> decode_cancel(const Rows& rows) {
    if (rows.empty()) return std::optional<CancelResult>{};
    auto r = single(rows, "cancel");
    if (!r) return make_error(r.error());
    Cols c(**r, 5, "cancel");
    CancelResult out;
    out.id = c.i64(0, "id");
    out.state = c.state(1, "state");
    out.host_id = c.opt_i64(2, "host_id");
    out.queue = c.text(3, "queue");
    out.dependents = c.i64(4, "dependents");
    if (!c.ok()) return make_error(c.error());
    if (out.state != jobs::JobState::cancelled && out.state != jobs::JobState::running)
        return make_error("cancel: job left " + std::string(jobs::to_string(out.state)));
    return std::optional<CancelResult>(std::move(out));
}

Result<std::optional<RetryResult>> decode_retry(const Rows& rows) {
    if (rows.empty()) return std::optional<RetryResult>{};
    auto r = single(rows, "retry");
    if (!r) return make_error(r.error());
    Cols c(**r, 2, "retry");
    RetryResult out;
    out.id = c.i64(0, "job_id");
    out.queue = c.text(1, "queue");
    if (!c.ok()) return make_error(c.error());
    return std::optional<RetryResult>(std::move(out));
}

Result<PruneResult> decode_prune(const Rows& rows) {
    auto r = single(rows, "prune");
    if (!r) return make_error(r.error());
    Cols c(**r, 3, "prune");
    PruneResult out;
    out.jobs = c.i64(0, "jobs");
    out.envs = c.i64(1, "envs");
    out.tokens = c.i64(2, "tokens");
    if (!c.ok()) return make_error(c.error());
    return out;
}

Result<QueueRow> decode_queue_sync(const Rows& rows) {
    auto r = single(rows, "queue_sync");
    if (!r) return make_error(r.error());
    Cols c(**r, 5, "queue_sync");
    QueueRow out;
    out.name = c.text(0, "name");
    out.paused = c.boolean(1, "paused");
    out.depth = c.i64(2, "depth");
    out.slots_added = c.i64(3, "slots_added");
    out.slots_removed = c.i64(4, "slots_removed");
    if (!c.ok()) return make_error(c.error());
    return out;
}

Result<std::vector<RunningJob>> decode_running(const Rows& rows) {
    std::vector<RunningJob> out;
    out.reserve(rows.size());
    for (const Row& row : rows) {
        Cols c(row, 3, "running_of_host");
        RunningJob j;
        j.id = c.i64(0, "id");
        j.lease = c.i64(1, "lease");
        j.cancel_requested = c.boolean(2, "cancel_requested");
        if (!c.ok()) return make_error(c.error());
        out.push_back(j);
    }
    return out;
}

Result<bool> decode_found(const Rows& rows) {
    if (rows.size() > 1)
        return make_error(std::to_string(rows.size()) + " rows, expected at most 1");
    return !rows.empty();
}

}  // namespace tend::pg
