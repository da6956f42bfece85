// What `tend submit` says and exits with when a submit straight into PostgreSQL (design
// postgres.md §11) is refused by the server: pure, so each SQLSTATE's wording is unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tend::cli {

struct DirectRefusal {
    int status = 1;    // the exit status (tend(1) EXIT STATUS)
    std::string what;  // after "submit: "
    std::string hint;
};

// `sqlstate` and `message` (one line, the server's) of a failed tend.submit_direct call:
// TE075 queue full (75, as through tendd), TE404 no such queue and TE065 a bad job (65),
// 42501 a role without tend_submit, 42883 a schema older than 2 (1, with what to do).
DirectRefusal direct_refusal(std::string_view sqlstate, std::string_view message);

// The stderr note of a direct submit: "tendd is not running: submitted directly to PostgreSQL
// as job 12" (or "as 3 jobs: 12-14" / "as 3 jobs: 12, 15, 16" for a batch).
std::string direct_note(const std::vector<std::int64_t>& ids);

}  // namespace tend::cli
