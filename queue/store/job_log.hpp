// The job log file STATE/jobs.log: recovery at open, group-committed appends, spec reads,
// compaction.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "queue/core/record_format.hpp"
#include "supervisor/util/result.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend::jobs {

class JobLog {
  public:
    // Called once the batch is durable (offset = where its first byte landed in the current
    // file), or with the error when it could not be written.
    using Done = std::function<void(Result<std::uint64_t> offset)>;

    struct Opened {
        std::unique_ptr<JobLog> log;
        std::vector<std::string> warnings;  // torn tail truncated, damaged regions skipped, ...
        // True when damaged regions were skipped: the caller should compact at once so the
        // damage is not met again (the damaged file is kept as jobs.log.damaged-<time>).
        bool needs_rewrite = false;
    };

    // Opens STATE/jobs.log (0600), creating it with a header when missing, and replays every
    // intact record through `visit`. A torn tail is truncated (and fsynced) with a warning; a
    // newer format or a file that is not a job log is an error naming the file.
    static Result<Opened> open(const std::string& state_dir,
                               const std::function<void(const ScannedRecord&)>& visit);

    // Queues frames (built with append_frame) to be written at the next commit().
    // `droppable`: when the commit fails, the batch is abandoned and `done` gets the error
    // (a submit that is refused). Otherwise it stays queued and is written by a later commit
    // (a state change that must not be lost); `done` runs only once it succeeded.
    void enqueue(std::string frames, bool droppable, Done done);
    bool has_pending() const { return !pending_.empty(); }

    // Writes every queued batch with one write and one fdatasync (group commit). On failure
    // (ENOSPC, EIO) the file is cut back to its previous length, droppable batches are failed
    // and removed, the others stay queued, and the error names the file and the errno.
    Status commit();

    // Reads `length` bytes at `offset` of the current file (a spec, for spawn or show).
    Result<std::string> read_at(std::uint64_t offset, std::uint32_t length) const;
    std::uint64_t size() const { return size_; }
    const std::string& path() const { return path_; }

    // Compaction, driven by the caller in bounded steps so that the loop never stalls:
    //  1. begin_compaction(head): creates jobs.log.compact with a header and `head` (meta,
    //     queue states, environments).
    //  2. compact_append(frames) for every live job (spec + status); returns the offset in the
    //     new file where `frames` starts.
    //  3. compact_finish_step(max_bytes) until it returns true: copies the records committed to
    //     the live file since step 1, then fdatasyncs, renames over jobs.log, fsyncs the
    //     directory and switches to the new file. A record at old offset X >= compaction_start()
    //     is then at X + tail_delta() in the new file.
    // Any failure removes the new file and leaves the live log untouched (abort_compaction).
    Status begin_compaction(std::string_view head_frames);
    Result<std::uint64_t> compact_append(std::string_view frames);
    Result<bool> compact_finish_step(std::size_t max_bytes);
    void abort_compaction();
    bool compacting() const { return compact_fd_.get() >= 0; }
    std::uint64_t compaction_start() const { return compact_start_; }
    std::int64_t tail_delta() const { return tail_delta_; }

  private:
    struct Pending {
        std::string frames;
        bool droppable;
        Done done;
    };
    JobLog() = default;
    Status fail_commit(const Error& error);
    Status flush_compact();
    Status copy_live_tail(std::uint64_t bytes);
    Status switch_to_compacted();
    std::string compact_path() const { return path_ + ".compact"; }

    std::string state_dir_;
    std::string path_;
    UniqueFd fd_;
    std::uint64_t size_ = 0;
    std::vector<Pending> pending_;
    UniqueFd compact_fd_;
    std::uint64_t compact_size_ = 0;
    std::uint64_t compact_start_ = 0;   // live file size when compaction began
    std::uint64_t compact_copied_ = 0;  // live bytes after compact_start_ already copied
    std::int64_t tail_delta_ = 0;
    std::string compact_buf_;            // appended frames not yet written to the new file
    bool compact_tail_started_ = false;  // tail_delta_ is fixed: no more compact_append
    bool dir_sync_pending_ = false;      // the rename's directory fsync failed: retry at commit
};

}  // namespace tend::jobs
