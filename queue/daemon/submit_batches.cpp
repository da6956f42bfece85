// The lines of --stdin batches held per client until their submit (submit_batches.hpp).
#include "queue/daemon/submit_batches.hpp"

namespace tend::jobs {

using Kind = protocol::Outcome::Kind;

void SubmitBatches::drop(std::uint64_t client) {
    lines_.erase(client);
    auto it = bytes_.find(client);
    if (it == bytes_.end()) return;
    if (budget_) budget_->release(it->second);
    bytes_.erase(it);
}

protocol::Outcome SubmitBatches::add(std::uint64_t client, std::vector<std::string> lines,
                                     bool privileged) {
    if (auto it = refused_.find(client); it != refused_.end()) return it->second;
    // What the lines will cost held in memory: their text and a string each.
    std::uint64_t add = 0;
    for (const auto& l : lines) add += l.size() + kBatchLineOverhead;
    auto& bytes = bytes_[client];
    std::optional<protocol::Outcome> refusal;
    if (bytes + add > kMaxBatchBytes) {
        refusal =
            protocol::Outcome::error(Kind::bad_request, "batch larger than 256 MiB; split it");
    } else if (!budget_) {
        bytes += add;
    } else if (auto why = budget_->resize(bytes, bytes + add, privileged)) {
        refusal = protocol::Outcome::error(Kind::busy,
                                           *why + "; the batch was dropped, nothing submitted");
    }
    if (refusal) {
        drop(client);
        refused_.emplace(client, *refusal);
        return *refusal;
    }
    auto& held = lines_[client];
    for (auto& l : lines)
        if (!l.empty()) held.push_back(std::move(l));
    return protocol::Outcome::ok({{"buffered", held.size()}});
}

std::optional<protocol::Outcome> SubmitBatches::take(std::uint64_t client, SubmitRequest& r) {
    // The batch's earlier lines were refused: storing the rest would run part of it.
    if (auto it = refused_.find(client); it != refused_.end()) {
        protocol::Outcome refusal = std::move(it->second);
        refused_.erase(it);
        return refusal;
    }
    if (auto it = lines_.find(client); it != lines_.end()) {
        std::vector<std::string> lines = std::move(it->second);
        drop(client);
        for (auto& l : r.lines)
            if (!l.empty()) lines.push_back(std::move(l));
        r.lines = std::move(lines);
    }
    return std::nullopt;
}

void SubmitBatches::forget(std::uint64_t client) {
    drop(client);
    refused_.erase(client);
}

}  // namespace tend::jobs
