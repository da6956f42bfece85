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
    for (auto id : ids) {
        auto it = by_id.find(id);
        if (it == by_id.end()) {
            if (report)
                std::fprintf(stderr, "tend: wait: tendd did not report job %llu\n",
                             static_cast<unsigned long long>(id));
            return kExitFailed;
        }
        if (int status = wait_exit_status(*it->second); status != 0) {
            if (report) std::fprintf(stderr, "tend: wait: %s\n", outcome_text(*it->second).c_str());
            return status;
        }
    }
    return kExitOk;
}

}  // namespace tend::cli
