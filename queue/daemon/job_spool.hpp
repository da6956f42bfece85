// The spool taken in: files `tend submit` stored while tendd was down, run as their owner.
#pragma once

#include <cstddef>
#include <set>
#include <string>

#include "queue/daemon/job_context.hpp"
#include "queue/daemon/job_dispatcher.hpp"
#include "queue/daemon/job_submit.hpp"
#include "supervisor/daemon/event_source.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend::jobs {

// Owns the spool directory (opened once and checked), its inotify watch, and which spool
// files are being stored right now.
class SpoolIntake {
  public:
    SpoolIntake(JobContext& c, Dispatcher& d, SubmitIntake& submit)
        : c_(c), d_(d), submit_(submit) {}

    // Opens and checks the spool directory (creating it): a spool another user could read or
    // replace is an error, and tendd must not start (SPEC §2). No spool configured: nothing.
    Status open();
    // Recovery found a job taken from this spool file: the file was committed before a crash
    // that came before it was removed.
    void stored_before(const std::string& token) { tokens_in_store_.insert(token); }
    // Records the spool beside the socket for `tend submit`, and takes spooled jobs in now and
    // whenever one is spooled while tendd runs.
    void start();
    // Spool files taken in but not yet stored (tend_spool_files).
    std::size_t in_flight() const { return spool_in_flight_.size(); }

  private:
    static int on_spool_event(sd_event_source*, int, uint32_t, void* self);
    void import_spool(const std::string& token);
    // Sets TOKEN aside as refused and says why.
    void refuse_spool_file(const std::string& token, const std::string& why);
    void forget_spool_file(const std::string& token);  // remove it; a failure is logged

    JobContext& c_;
    Dispatcher& d_;
    SubmitIntake& submit_;
    EventSource spool_source_;
    UniqueFd spool_inotify_;
    UniqueFd spool_fd_;  // the spool directory, opened without following links and checked
    std::set<std::string> spool_in_flight_;
    std::set<std::string> tokens_in_store_;  // only until the first spool scan
};

}  // namespace tend::jobs
