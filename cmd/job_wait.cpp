// Waiting for jobs to finish, and the exit status that `tend wait` and `submit --wait` give.
#include "cmd/job_wait.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "cmd/job_view.hpp"

namespace tend::cli {

using json = nlohmann::json;

namespace {
// Jobs per `wait` request: a request line must stay under tendd's 64 KiB limit.
constexpr size_t kWaitChunk = 4096;
}  // namespace

json wait_for_jobs(Connection& conn, const std::vector<std::uint64_t>& ids, Deadline deadline) {
    json all = json::array();
    for (size_t i = 0; i < ids.size(); i += kWaitChunk) {
        std::vector<std::uint64_t> chunk(ids.begin() + long(i),
                                         ids.begin() + long(std::min(ids.size(), i + kWaitChunk)));
        json part = conn.request("wait", {{"ids", chunk}}, deadline);
        if (!part.is_array()) throw CliError(kExitFailed, "wait: bad reply from tendd");
        for (auto& j : part) all.push_back(std::move(j));
    }
    return all;
}

int jobs_exit_status(const json& jobs, const std::vector<std::uint64_t>& ids, bool report) {
    std::map<std::uint64_t, const json*> by_id;
    for (const auto& j : jobs)
        if (j.is_object() && j.contains("id") && j["id"].is_number_unsigned())
            by_id.emplace(j["id"].get<std::uint64_t>(), &j);
    // Every job that did not succeed gets its line, not only the first: with 50 jobs, the
    // person needs all of them.
    int first = kExitOk;
    std::size_t failed = 0, cancelled = 0, missing = 0;
    for (auto id : ids) {
        auto it = by_id.find(id);
        if (it == by_id.end()) {
            if (report)
                std::fprintf(stderr, "tend: wait: tendd did not report job %llu\n",
                             static_cast<unsigned long long>(id));
            ++missing;
            if (first == kExitOk) first = kExitFailed;
            continue;
        }
        const int status = wait_exit_status(*it->second);
        if (status == 0) continue;
        if (first == kExitOk) first = status;
        ++(it->second->value("state", "") == "cancelled" ? cancelled : failed);
        if (report) std::fprintf(stderr, "tend: wait: %s\n", outcome_text(*it->second).c_str());
    }
    const std::size_t bad = failed + cancelled + missing;
    if (report && bad > 0 && ids.size() > 1) {
        std::string summary = std::to_string(bad) + " of " + std::to_string(ids.size()) + " jobs ";
        if (bad == failed) {
            summary += "failed";
        } else {
            summary += "did not succeed:";
            std::string sep = " ";
            for (auto [n, what] : {std::pair{failed, "failed"}, std::pair{cancelled, "cancelled"},
                                   std::pair{missing, "not reported"}})
                if (n > 0) {
                    summary += sep + std::to_string(n) + " " + what;
                    sep = ", ";
                }
        }
        std::fprintf(stderr, "tend: wait: %s\n", summary.c_str());
    }
    return first;
}

}  // namespace tend::cli
