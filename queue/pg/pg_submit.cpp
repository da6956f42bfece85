// The submit batch encoding and its answer (pg_submit.hpp).
#include "queue/pg/pg_submit.hpp"

#include <sys/random.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace tend::pg {

std::string submit_jobs_json(const std::vector<jobs::JobSpec>& specs) {
    nlohmann::json jobs = nlohmann::json::array();
    for (const auto& s : specs) {
        nlohmann::json j = {{"argv", s.argv},         {"shell", s.shell},
                            {"cwd", s.cwd},           {"name", s.name},
                            {"priority", s.priority}, {"timeout_us", s.timeout_us},
                            {"uid", s.uid},           {"gid", s.gid},
                            {"groups", s.groups},     {"after", s.after}};
        if (!s.key.empty()) j["key"] = s.key;
        if (s.max_attempts > 0) j["max_attempts"] = s.max_attempts;
        if (s.run_at > 0) j["run_at"] = timestamptz_param(s.run_at);
        jobs.push_back(std::move(j));
    }
    // Replace, not throw, on invalid UTF-8: argv comes from users (jsonb refuses what
    // PostgreSQL cannot store, and the batch then fails with the server's message).
    return jobs.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string new_submit_token() {
    std::array<unsigned char, 16> b{};
    size_t got = 0;
    while (got < b.size()) {
        const ssize_t n = getrandom(b.data() + got, b.size() - got, 0);
        if (n > 0) got += static_cast<size_t>(n);
    }
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    char out[37];
    std::snprintf(out, sizeof out,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    return out;
}

Result<std::vector<SubmittedJob>> decode_submit(const Rows& rows) {
    std::vector<SubmittedJob> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        if (row.size() != 2 || !row[0] || !row[1])
            return make_error("submit: expected (id, deduplicated)");
        auto id = parse_int64(*row[0]);
        if (!id) return make_error("submit: job_id: " + id.error());
        auto dup = parse_bool(*row[1]);
        if (!dup) return make_error("submit: deduplicated: " + dup.error());
        out.push_back({*id, *dup});
    }
    return out;
}

}  // namespace tend::pg
