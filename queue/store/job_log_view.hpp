// `tend jobs`, `tend show` and `tend logs JOB` while tendd is down (SPEC §4): a read-only view
// of a stopped daemon's STATE/jobs.log, answering those requests as tendd would.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "queue/core/queue_settings.hpp"
#include "queue/core/scheduler.hpp"
#include "supervisor/core/authz.hpp"
#include "supervisor/util/result.hpp"

namespace tend::jobs {

struct JobLogViewOptions {
    std::string state_dir;              // absolute
    std::vector<QueueSettings> queues;  // the config's, when known (for why a job waits)
    WallUs now = 0;
    std::uint32_t uid = 0, gid = 0;  // who asks: root and the state dir's owner see everything
};

class JobLogView {
  public:
    struct OpenError {
        std::string message;
        bool denied = false;   // this user may not read the state dir or its job log
        bool missing = false;  // no state dir: tendd never ran there
    };
    // Reads STATE/jobs.log as it is: without tendd's lock, without writing anything, a torn or
    // damaged tail left where it is (only intact records are read, with the decoders and the
    // table restore tendd uses at start). No log: no jobs.
    static std::unique_ptr<JobLogView> open(const JobLogViewOptions& options, OpenError& error);

    // The reply line (with its newline) tendd would send to this request line, for `jobs`,
    // `show` and `logs` with job ids; any other request is refused as needing tendd.
    std::string answer(std::string_view request_line) const;
    // What reading found: a torn tail, damaged regions, undecodable records.
    const std::vector<std::string>& warnings() const { return warnings_; }

  private:
    JobLogView(const JobLogViewOptions& o, std::string image);
    Result<JobSpec> read_spec(std::uint64_t offset, std::uint32_t length) const;

    JobLogViewOptions opt_;
    std::string image_;  // the file as read: specs are decoded from it on demand
    Scheduler table_;
    authz::Caller caller_;
    std::vector<std::string> warnings_;
};

}  // namespace tend::jobs
