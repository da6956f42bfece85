// The file header, the frames, and the scan that finds a log's intact records around damage.
#include <zlib.h>

#include <algorithm>
#include <optional>

#include "queue/core/record_format.hpp"

namespace tend::jobs {

namespace {

// Resynchronising after damage may cost a CRC per candidate offset; past these totals the rest
// of the file is given up as tail, so a damaged 100 MB log still opens in about a second.
constexpr std::uint64_t kSearchBudget = 64ull << 20;
constexpr std::uint64_t kLengthRepairBudget = 256ull << 20;

std::uint32_t load_u32(const char* p) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
    return v;
}

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool known_type(std::uint8_t t) {
    return t >= static_cast<std::uint8_t>(RecordType::meta) &&
           t <= static_cast<std::uint8_t>(RecordType::cron_state);
}

std::uint32_t frame_crc(std::uint8_t type, std::string_view payload) {
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, &type, 1);
    crc = crc32_z(crc, reinterpret_cast<const Bytef*>(payload.data()), payload.size());
    return static_cast<std::uint32_t>(crc);
}

struct FrameHeader {
    std::uint32_t length;
    std::uint32_t crc;
    std::uint8_t type;
};

enum class FrameState { intact, torn, corrupt };

// Walks the frames of one file image; keeps the resynchronisation budgets.
class Scanner {
  public:
    explicit Scanner(std::string_view file) : f_(file) {}

    // Whether the frame at `pos` is intact; when not, `why` says what is wrong with it. The
    // message is built only then: this runs for every record of a large log.
    FrameState examine(std::uint64_t pos, std::string& why) const {
        if (f_.size() - pos < kFrameHeaderSize) {
            why = "torn record header at byte " + std::to_string(pos);
            return FrameState::torn;
        }
        FrameHeader h = header(pos);
        const char* problem = nullptr;
        FrameState state = FrameState::corrupt;
        if (!known_type(h.type)) {
            problem = "unknown type ";
        } else if (h.length > kMaxPayloadBytes) {
            problem = "impossible length ";
        } else if (!fits(pos, h)) {
            state = FrameState::torn;
        } else if (frame_crc(h.type, payload(pos, h)) != h.crc) {
            problem = "bad checksum";
        } else {
            return FrameState::intact;
        }
        const std::string at = " at byte " + std::to_string(pos) + " (";
        if (state == FrameState::torn)
            why = "torn record" + at + std::to_string(h.length) + "-byte payload, " +
                  std::to_string(f_.size() - pos - kFrameHeaderSize) + " bytes present)";
        else if (!known_type(h.type))
            why = "corrupt record" + at + problem + std::to_string(h.type) + ")";
        else if (h.length > kMaxPayloadBytes)
            why = "corrupt record" + at + problem + std::to_string(h.length) + ")";
        else
            why = "corrupt record" + at + problem + ")";
        return state;
    }

    FrameHeader header(std::uint64_t pos) const {
        const char* p = f_.data() + pos;
        return {load_u32(p), load_u32(p + 4), static_cast<std::uint8_t>(p[8])};
    }
    std::string_view payload(std::uint64_t pos, const FrameHeader& h) const {
        return f_.substr(pos + kFrameHeaderSize, h.length);
    }

    // Where the scan can go on after a damaged frame at `pos`, if anywhere.
    std::optional<std::uint64_t> resync(std::uint64_t pos, FrameState state) {
        if (f_.size() - pos < kFrameHeaderSize) return std::nullopt;
        FrameHeader h = header(pos);
        if (state == FrameState::torn) {
            // A torn frame is the last write before a crash: searching inside it could revive
            // frame-like bytes of a job's own argv. Only a damaged length is worth repairing,
            // recognised by the checksum matching a shorter payload.
            auto end = repaired_end(pos, h);
            if (!end || *end == f_.size()) return std::nullopt;
            return intact_candidate(*end) ? end : search_from(*end);
        }
        // Most likely the length is right and the payload or checksum was hit: go on after it
        // rather than searching inside the damaged payload.
        if (h.length <= kMaxPayloadBytes && fits(pos, h)) {
            std::uint64_t end = pos + kFrameHeaderSize + h.length;
            if (end < f_.size() && intact_candidate(end)) return end;
        }
        return search_from(pos + 1);
    }

    bool gave_up() const { return gave_up_; }

  private:
    bool fits(std::uint64_t pos, const FrameHeader& h) const {
        return h.length <= f_.size() - pos - kFrameHeaderSize;
    }

    // Cheap checks first (type byte, length), then the CRC, which is charged to the budget.
    bool intact_candidate(std::uint64_t pos) {
        if (f_.size() - pos < kFrameHeaderSize) return false;
        FrameHeader h = header(pos);
        if (!known_type(h.type) || h.length > kMaxPayloadBytes || !fits(pos, h)) return false;
        if (h.length + 1ull > search_budget_) {
            gave_up_ = true;
            return false;
        }
        search_budget_ -= h.length + 1ull;
        return frame_crc(h.type, payload(pos, h)) == h.crc;
    }

    std::optional<std::uint64_t> search_from(std::uint64_t pos) {
        for (; pos + kFrameHeaderSize <= f_.size() && !gave_up_; ++pos)
            if (intact_candidate(pos)) return pos;
        return std::nullopt;
    }

    // The end of the frame at `pos` if its checksum matches a payload shorter than its length
    // field says: the length was damaged, the frame was whole.
    std::optional<std::uint64_t> repaired_end(std::uint64_t pos, const FrameHeader& h) {
        if (!known_type(h.type)) return std::nullopt;
        std::uint64_t avail = f_.size() - pos - kFrameHeaderSize;
        std::uint64_t limit = std::min(avail, length_budget_);
        const auto* p = reinterpret_cast<const Bytef*>(f_.data() + pos + kFrameHeaderSize);
        uLong crc = crc32(crc32(0L, Z_NULL, 0), &h.type, 1);
        for (std::uint64_t n = 0;; ++n) {
            if (crc == h.crc) {
                length_budget_ -= n;
                return pos + kFrameHeaderSize + n;
            }
            if (n == limit) break;
            crc = crc32(crc, p + n, 1);
        }
        length_budget_ -= limit;
        if (limit < avail) gave_up_ = true;
        return std::nullopt;
    }

    std::string_view f_;
    std::uint64_t search_budget_ = kSearchBudget;
    std::uint64_t length_budget_ = kLengthRepairBudget;
    bool gave_up_ = false;
};

}  // namespace

namespace {
// CRC-32 of the header's magic and version: what a format-2 header keeps in its reserved word.
std::uint32_t header_crc(std::string_view header) {
    const auto* p = reinterpret_cast<const Bytef*>(header.data());
    return static_cast<std::uint32_t>(crc32_z(crc32(0L, Z_NULL, 0), p, kLogMagic.size() + 4));
}
}  // namespace

std::string encode_file_header(std::uint32_t version) {
    std::string out(kLogMagic);
    put_u32(out, version);
    put_u32(out, header_crc(out));
    return out;
}

Result<std::uint32_t> check_file_header(std::string_view bytes) {
    if (bytes.size() < kFileHeaderSize || bytes.substr(0, kLogMagic.size()) != kLogMagic)
        return make_error("not a tend job log");
    const std::uint32_t version = load_u32(bytes.data() + kLogMagic.size());
    const std::uint32_t check = load_u32(bytes.data() + kLogMagic.size() + 4);
    // Headers written before the checksum have 0 there; any other value must match, so a
    // flipped bit anywhere in the header reads as damage.
    if (check != 0 && check != header_crc(bytes))
        return make_error("corrupt file header (checksum mismatch, format " +
                          std::to_string(version) + "?)");
    if (version == 0) return make_error("corrupt file header (format version 0)");
    if (version > kFormatVersion) {
        // Every tend that writes a format above 2 writes the checksum: without one, the
        // version itself is the damage.
        if (check == 0)
            return make_error("corrupt file header (format " + std::to_string(version) +
                              " without a header checksum)");
        return make_error("written by a newer tend (format " + std::to_string(version) +
                          ", this tend reads up to format " + std::to_string(kFormatVersion) + ")");
    }
    return version;
}

void append_frame(std::string& out, RecordType type, std::string_view payload) {
    auto t = static_cast<std::uint8_t>(type);
    put_u32(out, static_cast<std::uint32_t>(payload.size()));
    put_u32(out, frame_crc(t, payload));
    out.push_back(static_cast<char>(t));
    out.append(payload);
}

Result<ScanResult> scan_log(std::string_view file,
                            const std::function<void(const ScannedRecord&)>& visit) {
    auto version = check_file_header(file);
    if (!version) return Error{version.error()};
    ScanResult result;
    result.version = *version;
    Scanner scan(file);
    std::uint64_t pos = kFileHeaderSize;
    result.valid_bytes = pos;
    std::string why;
    while (pos < file.size()) {
        FrameState state = scan.examine(pos, why);
        if (state == FrameState::intact) {
            FrameHeader h = scan.header(pos);
            visit({static_cast<RecordType>(h.type), pos + kFrameHeaderSize, scan.payload(pos, h)});
            ++result.records;
            pos += kFrameHeaderSize + h.length;
            result.valid_bytes = pos;
            continue;
        }
        auto next = scan.resync(pos, state);
        if (!next) {
            result.tail_problem = why + ": " + std::to_string(file.size() - pos) +
                                  " bytes from there to the end are not intact";
            if (scan.gave_up()) *result.tail_problem += " (gave up looking for intact records)";
            break;
        }
        result.skipped.push_back("damaged bytes " + std::to_string(pos) + ".." +
                                 std::to_string(*next) + " (" + std::to_string(*next - pos) +
                                 " bytes) skipped: " + why);
        pos = *next;
    }
    return result;
}

}  // namespace tend::jobs
