// The bytes of the job log and spool files (tend-state(5)): file header, framed records, payloads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "queue/core/job.hpp"
#include "supervisor/util/result.hpp"

namespace tend::jobs {

// File header: 8 bytes magic, u32 little-endian format version, u32 LE CRC-32 (zlib) of the
// magic and version (0 in files written before the checksum was added: still read).
inline constexpr std::string_view kLogMagic{"TENDJOBS", 8};
// Format 2 added the cron records; a format-1 file is read as is and its header rewritten.
inline constexpr std::uint32_t kFormatVersion = 2;
inline constexpr std::size_t kFileHeaderSize = 16;
// Frame: u32 LE payload length, u32 LE CRC-32 (zlib) of the type byte and the payload, u8 type,
// then the payload.
inline constexpr std::size_t kFrameHeaderSize = 9;
inline constexpr std::uint32_t kMaxPayloadBytes = 1u << 30;

enum class RecordType : std::uint8_t {
    meta = 1,         // MetaRecord: the next job id (written at the head of a compacted log)
    env = 2,          // EnvRecord: one captured environment, referenced by specs
    submit = 3,       // SubmitRecord: one or more JobSpecs committed together
    status = 4,       // StatusRecord: the full mutable status of one job
    queue_state = 5,  // QueueStateRecord: a queue paused or resumed
    cron_def = 6,     // cron::CronDefRecord: an entry added or removed by `tend cron`
    cron_state = 7,   // cron::CronStateRecord: an entry's last tick and job
};

struct MetaRecord {
    JobId next_id = 1;
    bool operator==(const MetaRecord&) const = default;
};
struct EnvRecord {
    std::uint32_t env_id = 0;
    std::vector<std::string> vars;  // "KEY=VALUE"
    bool operator==(const EnvRecord&) const = default;
};
struct StatusRecord {
    JobId id = 0;
    JobStatus status;
    bool operator==(const StatusRecord&) const = default;
};
struct QueueStateRecord {
    std::string queue;
    bool paused = false;
    bool operator==(const QueueStateRecord&) const = default;
};

std::string encode_file_header(std::uint32_t version = kFormatVersion);
// Fails on a wrong magic ("not a tend job log"), a damaged header ("corrupt file header
// (...)": a checksum that does not match, version 0, or a version above kFormatVersion
// without a checksum), or a well-formed header of a newer version ("written by a newer tend
// (format N, this tend reads up to format 2)"). Returns the version.
Result<std::uint32_t> check_file_header(std::string_view bytes);

// Appends one frame (header and payload) to `out`.
void append_frame(std::string& out, RecordType type, std::string_view payload);

std::string encode_meta(const MetaRecord& r);
std::string encode_env(const EnvRecord& r);
std::string encode_status(const StatusRecord& r);
std::string encode_queue_state(const QueueStateRecord& r);
Result<MetaRecord> decode_meta(std::string_view payload);
Result<EnvRecord> decode_env(std::string_view payload);
Result<StatusRecord> decode_status(std::string_view payload);
Result<QueueStateRecord> decode_queue_state(std::string_view payload);

// One spec on its own: what the daemon reads back with pread(offset, length).
std::string encode_spec(const JobSpec& s);
Result<JobSpec> decode_spec(std::string_view bytes);

// Where one spec sits inside a submit payload.
struct SpecSpan {
    std::uint32_t offset = 0;  // from the start of the payload
    std::uint32_t length = 0;
};
// Submit payload: varint count, then per spec a varint length and encode_spec's bytes.
// `spans`, when given, receives where each spec's bytes are within the payload.
std::string encode_submit(const std::vector<JobSpec>& specs,
                          std::vector<SpecSpan>* spans = nullptr);
// Decodes the spans only (cheap: used by recovery, which keeps offsets, not specs).
Result<std::vector<SpecSpan>> decode_submit_spans(std::string_view payload);
Result<std::vector<JobSpec>> decode_submit(std::string_view payload);

// One intact record found by scan_log.
struct ScannedRecord {
    RecordType type;
    std::uint64_t payload_offset;  // from the start of the file
    std::string_view payload;
};

// What scan_log found besides the intact records.
struct ScanResult {
    std::uint32_t version = kFormatVersion;
    // Length of the file up to the end of the last intact record: everything after it is a torn
    // or corrupt tail, to be truncated.
    std::uint64_t valid_bytes = 0;
    // Set when there was a torn/corrupt tail: what and where, for the warning.
    std::optional<std::string> tail_problem;
    // Damaged regions in the middle of the file that were skipped because intact records follow
    // them (a flipped bit, not a torn write): one message each, naming offset and length.
    std::vector<std::string> skipped;
    std::uint64_t records = 0;
};

// Walks a whole file image: checks the header, then calls `visit` for every intact record in
// order. A frame that fails its CRC (or has an unknown type or an impossible length) ends the
// scan as a torn tail unless a later intact frame is found, in which case the damaged region is
// skipped and reported. Fails only on a bad header or a newer format. Never throws, never
// reads out of bounds, whatever the bytes.
Result<ScanResult> scan_log(std::string_view file,
                            const std::function<void(const ScannedRecord&)>& visit);

}  // namespace tend::jobs
