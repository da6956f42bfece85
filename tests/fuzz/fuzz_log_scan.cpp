// Fuzzes scan_log on job-log images: raw bytes, well-framed logs, and those with a byte damaged.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "queue/core/record_format.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace tend::jobs;

// Scans `file` and checks what holds for any bytes: records lie inside the intact prefix, in
// order, and are counted. Returns the payloads seen.
std::vector<std::string_view> scan_checked(std::string_view file, bool* ok) {
    std::vector<std::string_view> seen;
    std::uint64_t last_end = 0;
    auto r = scan_log(file, [&](const ScannedRecord& rec) {
        FUZZ_CHECK(rec.payload_offset >= last_end + kFrameHeaderSize);
        FUZZ_CHECK(rec.payload_offset + rec.payload.size() <= file.size());
        FUZZ_CHECK(rec.payload.data() == file.data() + rec.payload_offset);
        last_end = rec.payload_offset + rec.payload.size();
        seen.push_back(rec.payload);
    });
    *ok = r.ok();
    if (r) {
        FUZZ_CHECK(r->records == seen.size());
        FUZZ_CHECK(r->valid_bytes <= file.size());
        FUZZ_CHECK(last_end <= r->valid_bytes);
        FUZZ_CHECK((r->valid_bytes == file.size()) == !r->tail_problem.has_value());
    }
    return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    if (size < 3) return 0;
    const std::string_view data(reinterpret_cast<const char*>(bytes) + 3, size - 3);
    bool ok = false;
    if (bytes[0] & 1) {  // the bytes are the file
        scan_checked(data, &ok);
        return 0;
    }
    // The bytes describe frames (type, length, payload...), written as tendd writes them, so the
    // CRCs match and the decoding paths past the framing are reached.
    std::string file = encode_file_header();
    std::vector<std::string_view> payloads;
    for (std::string_view rest = data; rest.size() >= 2;) {
        auto type = static_cast<RecordType>(static_cast<std::uint8_t>(rest[0]) % 7 + 1);
        size_t len = std::min<size_t>(static_cast<std::uint8_t>(rest[1]), rest.size() - 2);
        payloads.push_back(rest.substr(2, len));
        append_frame(file, type, payloads.back());
        rest.remove_prefix(2 + len);
    }
    auto seen = scan_checked(file, &ok);
    FUZZ_CHECK(ok && seen.size() == payloads.size());
    for (size_t i = 0; i < seen.size(); ++i) FUZZ_CHECK(seen[i] == payloads[i]);

    // One flipped byte (bytes 1-2 say where and how): the resynchronisation paths. Records may
    // be lost, or found inside a damaged payload (by design), so only the general checks apply.
    const size_t at = (size_t{bytes[1]} << 8 | bytes[2]) % file.size();
    file[at] = static_cast<char>(file[at] ^ (bytes[1] | 1));
    scan_checked(file, &ok);
    return 0;
}
