// A job's captured output file: "TIMESTAMP out|err|tend TEXT" lines, capped in size (SPEC §6.2).
#pragma once

#include <cstdint>
#include <string>

#include "queue/core/job_render.hpp"
#include "supervisor/daemon/log_writer.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend::jobs {

// job_output_path (STATE/jobs/output/ID.log) is the model's: queue/core/job_render.hpp.

// Output beyond `cap` bytes is dropped, once announced by a "tend" line. The "tend" lines tendd
// writes itself (attempt started, exited, retrying) are always kept: they are how `tend show`
// lists a job's attempts. All attempts of a job append to the same file.
class JobOutputLog : public LogWriter {
  public:
    JobOutputLog(std::string path, std::uint64_t cap);
    void line(Stream stream, std::string_view text, int pid) override;
    void flush() override;
    // A lifecycle line from tendd, written at once.
    void note(std::string_view text);

  private:
    void append(const char* stream, std::string_view text);
    std::string path_;
    std::uint64_t cap_;
    UniqueFd fd_;
    std::uint64_t output_bytes_ = 0;  // of out/err lines, against the cap
    bool truncated_ = false;
    std::string pending_;
};

// Appends one "tend" line to a job's output file without keeping it open (used when no process
// runs: a retry was scheduled, the job was cancelled before it started).
void append_job_note(const std::string& path, std::string_view text);

}  // namespace tend::jobs
