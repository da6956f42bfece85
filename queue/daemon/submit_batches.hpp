// The lines of `tend submit --stdin` batches held per client until their `submit` (SPEC §8:
// bounded per batch and by the clients' shared memory budget), for every store: a batch whose
// lines were refused is refused whole at its `submit`, never stored in part.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "queue/core/job_request_args.hpp"
#include "supervisor/core/client_budget.hpp"
#include "supervisor/protocol/outcome.hpp"

namespace tend::jobs {

class SubmitBatches {
  public:
    // `budget` (may be null: no shared bound) must outlive every call. Batches still held when
    // this goes away are not given back to it: tendd is stopping then.
    explicit SubmitBatches(ClientBudget* budget) : budget_(budget) {}
    SubmitBatches(const SubmitBatches&) = delete;
    SubmitBatches& operator=(const SubmitBatches&) = delete;

    // Holds `lines` for the client's coming submit: {"buffered": N}, or why the batch is refused
    // (larger than kMaxBatchBytes: bad_request; over the budget: busy).
    protocol::Outcome add(std::uint64_t client, std::vector<std::string> lines, bool privileged);
    // Before the client's submit: the refusal of its batch, or nullopt with the held lines put
    // in front of `r.lines` (and released).
    std::optional<protocol::Outcome> take(std::uint64_t client, SubmitRequest& r);
    void forget(std::uint64_t client);

  private:
    void drop(std::uint64_t client);

    ClientBudget* budget_;
    std::unordered_map<std::uint64_t, std::vector<std::string>> lines_;
    std::unordered_map<std::uint64_t, std::uint64_t> bytes_;  // share of the budget
    // Clients whose batch was refused: its `submit` is refused too (the reason), not cut short.
    std::unordered_map<std::uint64_t, protocol::Outcome> refused_;
};

}  // namespace tend::jobs
