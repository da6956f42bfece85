// The job log file: open and replay, group commit, reads, compaction.
#include "queue/store/job_log.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "queue/store/file_ops.hpp"

namespace tend::jobs {

namespace {

constexpr std::size_t kCopyChunk = 1 << 20;
constexpr std::size_t kCompactBuffer = 1 << 20;

// Writes every byte of `parts` at `offset`, across short writes and EINTR. Returns 0 or errno.
int write_all_at(int fd, std::uint64_t offset, const std::vector<std::string_view>& parts) {
    std::vector<iovec> iov;
    iov.reserve(parts.size());
    for (auto p : parts)
        if (!p.empty()) iov.push_back({const_cast<char*>(p.data()), p.size()});
    std::size_t i = 0;
    while (i < iov.size()) {
        int count = static_cast<int>(std::min<std::size_t>(iov.size() - i, IOV_MAX));
        ssize_t n = ::pwritev(fd, &iov[i], count, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) return EIO;
        offset += static_cast<std::uint64_t>(n);
        auto left = static_cast<std::size_t>(n);
        while (left > 0) {
            std::size_t take = std::min(left, iov[i].iov_len);
            iov[i].iov_base = static_cast<char*>(iov[i].iov_base) + take;
            iov[i].iov_len -= take;
            left -= take;
            if (iov[i].iov_len == 0) ++i;
        }
    }
    return 0;
}

// Reads exactly `n` bytes at `offset`. Returns 0, errno, or -1 when the file ends first.
int read_all_at(int fd, std::uint64_t offset, char* buf, std::size_t n) {
    while (n > 0) {
        ssize_t got = ::pread(fd, buf, n, static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return errno;
        if (got == 0) return -1;
        buf += got;
        n -= static_cast<std::size_t>(got);
        offset += static_cast<std::uint64_t>(got);
    }
    return 0;
}

Status fsync_file(int fd, const std::string& path) {
    if (::fsync(fd) != 0) return sys_error("cannot fsync", path, errno);
    return ok_status();
}

Result<std::string> read_whole(int fd, const std::string& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return sys_error("cannot stat", path, errno);
    std::string image(static_cast<std::size_t>(st.st_size), '\0');
    int err = read_all_at(fd, 0, image.data(), image.size());
    if (err > 0) return sys_error("cannot read", path, err);
    if (err < 0) return make_error("cannot read " + path + ": it shrank while being read");
    return image;
}

// Writes a fresh header over whatever is in the file (nothing, or a header cut by a crash).
Status write_header(int fd, const std::string& path, const std::string& dir) {
    if (::ftruncate(fd, 0) != 0) return sys_error("cannot truncate", path, errno);
    std::string header = encode_file_header();
    if (int err = write_all_at(fd, 0, {header})) return sys_error("cannot write", path, err);
    if (auto s = fsync_file(fd, path); !s) return s;
    return fsync_dir(dir);
}

// Keeps the damaged file as PATH.damaged-<unix seconds> before anything in it is dropped.
Result<std::string> keep_damaged_copy(const std::string& path, const std::string& dir,
                                      std::string_view image) {
    std::string base = path + ".damaged-" + std::to_string(std::time(nullptr));
    for (int n = 0;; ++n) {
        std::string copy = n == 0 ? base : base + "." + std::to_string(n);
        UniqueFd fd(
            ::open(copy.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd && errno == EEXIST && n < 100) continue;
        if (!fd) return sys_error("cannot keep a copy of the damaged job log as", copy, errno);
        int err = write_all_at(fd.get(), 0, {image});
        if (err == 0 && ::fdatasync(fd.get()) != 0) err = errno;
        if (err != 0) {
            ::unlink(copy.c_str());
            return sys_error("cannot keep a copy of the damaged job log as", copy, err);
        }
        if (auto s = fsync_dir(dir); !s) return Error{s.error()};
        return copy;
    }
}

// A file shorter than a header that starts like one was cut while being created.
bool is_cut_header(std::string_view image) {
    std::size_t n = std::min(image.size(), kLogMagic.size());
    return image.substr(0, n) == kLogMagic.substr(0, n);
}

}  // namespace

Result<JobLog::Opened> JobLog::open(const std::string& state_dir,
                                    const std::function<void(const ScannedRecord&)>& visit) {
    std::unique_ptr<JobLog> log(new JobLog());
    log->state_dir_ = state_dir;
    log->path_ = state_dir + "/jobs.log";
    const std::string& path = log->path_;
    // A compaction interrupted by a crash: the live log is complete without it.
    if (::unlink(log->compact_path().c_str()) != 0 && errno != ENOENT)
        return sys_error("cannot remove", log->compact_path(), errno);
    // Never through a link planted at the name (SPEC §2).
    log->fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!log->fd_) return sys_error("cannot open", path, errno);
    auto image = read_whole(log->fd_.get(), path);
    if (!image) return Error{image.error()};

    Opened out;
    if (image->size() < kFileHeaderSize) {
        if (!is_cut_header(*image)) return make_error(path + ": not a tend job log");
        if (!image->empty())
            out.warnings.push_back(path + ": incomplete " + std::to_string(image->size()) +
                                   "-byte header (a crash while creating it): started afresh");
        if (auto s = write_header(log->fd_.get(), path, state_dir); !s) return Error{s.error()};
        log->size_ = kFileHeaderSize;
        out.log = std::move(log);
        return out;
    }

    auto scan = scan_log(*image, visit);
    if (!scan) return make_error(path + ": " + scan.error());
    // A torn tail is an unacknowledged write cut by a crash; anything else dropped is damage
    // to acknowledged data, so the file is kept for a closer look first.
    bool torn_tail = scan->tail_problem && scan->tail_problem->starts_with("torn ");
    std::string copy;
    if (!scan->skipped.empty() || (scan->tail_problem && !torn_tail)) {
        auto kept = keep_damaged_copy(path, state_dir, *image);
        if (!kept) return Error{kept.error()};
        copy = *kept;
    }
    for (const auto& s : scan->skipped)
        out.warnings.push_back(path + ": " + s + " (the damaged file is kept as " + copy + ")");
    out.needs_rewrite = !scan->skipped.empty();
    if (scan->tail_problem) {
        if (::ftruncate(log->fd_.get(), static_cast<off_t>(scan->valid_bytes)) != 0)
            return sys_error("cannot truncate", path, errno);
        if (auto s = fsync_file(log->fd_.get(), path); !s) return Error{s.error()};
        std::string w = path + ": " + *scan->tail_problem + "; truncated to " +
                        std::to_string(scan->valid_bytes) + " bytes";
        if (!torn_tail && scan->skipped.empty()) w += " (the damaged file is kept as " + copy + ")";
        out.warnings.push_back(std::move(w));
    }
    if (scan->version < kFormatVersion) {
        // Every older format is a subset of this one (format 2 only added record types), so
        // migrating is rewriting the version in the header. Done before anything is appended,
        // so that an older tendd refuses the file by name instead of misreading new records.
        std::string header = encode_file_header();
        if (int err = write_all_at(log->fd_.get(), 0, {header}))
            return sys_error("cannot write", path, err);
        if (auto s = fsync_file(log->fd_.get(), path); !s) return Error{s.error()};
        out.warnings.push_back(path + ": migrated from format " + std::to_string(scan->version) +
                               " to format " + std::to_string(kFormatVersion));
    }
    log->size_ = scan->valid_bytes;
    out.log = std::move(log);
    return out;
}

void JobLog::enqueue(std::string frames, bool droppable, Done done) {
    pending_.push_back({std::move(frames), droppable, std::move(done)});
}

Status JobLog::commit() {
    if (pending_.empty()) return ok_status();
    if (dir_sync_pending_) {
        // The last compaction's rename is not known to be durable: nothing may be acknowledged
        // in the new file until it is.
        if (auto s = fsync_dir(state_dir_); !s) return fail_commit(Error{s.error()});
        dir_sync_pending_ = false;
    }
    std::vector<std::string_view> parts;
    parts.reserve(pending_.size());
    for (const auto& p : pending_) parts.push_back(p.frames);
    int err = write_all_at(fd_.get(), size_, parts);
    if (err == 0 && ::fdatasync(fd_.get()) != 0) err = errno;
    if (err != 0) return fail_commit(sys_error("cannot write", path_, err));

    // Callbacks may enqueue: they find an empty queue and a size that includes this batch.
    std::vector<Pending> batches = std::move(pending_);
    pending_.clear();
    std::vector<std::uint64_t> offsets;
    offsets.reserve(batches.size());
    for (const auto& b : batches) {
        offsets.push_back(size_);
        size_ += b.frames.size();
    }
    for (std::size_t i = 0; i < batches.size(); ++i)
        if (batches[i].done) batches[i].done(offsets[i]);
    return ok_status();
}

Status JobLog::fail_commit(const Error& error) {
    // Best effort: if the cut fails, the next commit overwrites the same bytes anyway.
    if (::ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0) {
    }
    std::vector<Pending> batches = std::move(pending_);
    pending_.clear();
    std::vector<Pending> dropped;
    for (auto& b : batches) (b.droppable ? dropped : pending_).push_back(std::move(b));
    for (auto& d : dropped)
        if (d.done) d.done(error);
    return error;
}

Result<std::string> JobLog::read_at(std::uint64_t offset, std::uint32_t length) const {
    if (offset > size_ || length > size_ - offset)
        return make_error("cannot read " + std::to_string(length) + " bytes at byte " +
                          std::to_string(offset) + " of " + path_ + ": past its end (" +
                          std::to_string(size_) + " bytes)");
    std::string out(length, '\0');
    int err = read_all_at(fd_.get(), offset, out.data(), out.size());
    if (err > 0) return sys_error("cannot read", path_, err);
    if (err < 0)
        return make_error("cannot read " + path_ + ": the file ends before byte " +
                          std::to_string(offset + length));
    return out;
}

Status JobLog::begin_compaction(std::string_view head_frames) {
    if (compacting()) return make_error(path_ + ": a compaction is already running");
    // A fresh file: whatever is at the name (a leftover, a planted link) is removed, not
    // truncated or written through.
    if (::unlink(compact_path().c_str()) != 0 && errno != ENOENT)
        return sys_error("cannot remove", compact_path(), errno);
    compact_fd_.reset(
        ::open(compact_path().c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!compact_fd_) return sys_error("cannot create", compact_path(), errno);
    compact_buf_ = encode_file_header();
    compact_buf_.append(head_frames);
    compact_size_ = compact_buf_.size();
    compact_start_ = size_;
    compact_copied_ = 0;
    tail_delta_ = 0;
    compact_tail_started_ = false;
    return ok_status();
}

Result<std::uint64_t> JobLog::compact_append(std::string_view frames) {
    if (!compacting()) return make_error(path_ + ": no compaction is running");
    if (compact_tail_started_) {
        abort_compaction();
        return make_error(path_ + ": compact_append after compact_finish_step");
    }
    std::uint64_t offset = compact_size_;
    compact_buf_.append(frames);
    compact_size_ += frames.size();
    if (compact_buf_.size() >= kCompactBuffer) {
        if (auto s = flush_compact(); !s) return Error{s.error()};
    }
    return offset;
}

Status JobLog::flush_compact() {
    std::uint64_t at = compact_size_ - compact_buf_.size();
    if (int err = write_all_at(compact_fd_.get(), at, {compact_buf_})) {
        abort_compaction();
        return sys_error("cannot write", compact_path(), err);
    }
    compact_buf_.clear();
    return ok_status();
}

Result<bool> JobLog::compact_finish_step(std::size_t max_bytes) {
    if (!compacting()) return make_error(path_ + ": no compaction is running");
    if (!compact_tail_started_) {
        if (auto s = flush_compact(); !s) return Error{s.error()};
        // The live byte at compact_start_ lands at compact_size_, and the rest follows it.
        tail_delta_ =
            static_cast<std::int64_t>(compact_size_) - static_cast<std::int64_t>(compact_start_);
        compact_tail_started_ = true;
    }
    // A failed commit cuts the live file back to size_, never below what was committed, so
    // the bytes copied so far stay valid.
    std::uint64_t remaining = size_ - (compact_start_ + compact_copied_);
    std::uint64_t step = std::max<std::size_t>(max_bytes, 1);
    if (remaining > step) {
        if (auto s = copy_live_tail(step); !s) return Error{s.error()};
        return false;
    }
    if (auto s = copy_live_tail(remaining); !s) return Error{s.error()};
    if (auto s = switch_to_compacted(); !s) return Error{s.error()};
    return true;
}

Status JobLog::copy_live_tail(std::uint64_t bytes) {
    std::string buf;
    while (bytes > 0) {
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(bytes, kCopyChunk));
        buf.resize(n);
        int err = read_all_at(fd_.get(), compact_start_ + compact_copied_, buf.data(), n);
        if (err != 0) {
            abort_compaction();
            if (err < 0) return make_error("cannot read " + path_ + ": it ends early");
            return sys_error("cannot read", path_, err);
        }
        if (int werr = write_all_at(compact_fd_.get(), compact_size_, {buf})) {
            abort_compaction();
            return sys_error("cannot write", compact_path(), werr);
        }
        compact_size_ += n;
        compact_copied_ += n;
        bytes -= n;
    }
    return ok_status();
}

Status JobLog::switch_to_compacted() {
    if (::fdatasync(compact_fd_.get()) != 0) {
        int err = errno;
        abort_compaction();
        return sys_error("cannot fsync", compact_path(), err);
    }
    if (::rename(compact_path().c_str(), path_.c_str()) != 0) {
        int err = errno;
        abort_compaction();
        return sys_error("cannot rename " + compact_path() + " to", path_, err);
    }
    // The new file is in place now whatever happens next, so the switch cannot fail any more;
    // a failed directory fsync is retried before the next commit is acknowledged.
    dir_sync_pending_ = !fsync_dir(state_dir_).ok();
    fd_ = std::move(compact_fd_);
    size_ = compact_size_;
    compact_tail_started_ = false;
    compact_buf_.clear();
    return ok_status();
}

void JobLog::abort_compaction() {
    if (!compacting()) return;
    compact_fd_.reset();
    ::unlink(compact_path().c_str());
    compact_buf_.clear();
    compact_tail_started_ = false;
    compact_copied_ = 0;
}

}  // namespace tend::jobs
