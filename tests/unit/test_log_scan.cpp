// scan_log: the header check, torn tails at every byte, flipped bytes, and bounded resync work.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <map>

#include "queue/core/record_format.hpp"
#include "queue/cron/cron_records.hpp"

using namespace tend;
using namespace tend::jobs;

namespace {

struct Rec {
    RecordType type;
    std::string payload;
    std::uint64_t start = 0;  // frame offset in the image
    std::uint64_t end = 0;
};

JobSpec spec(JobId id, std::string name) {
    JobSpec s;
    s.id = id;
    s.name = std::move(name);
    s.priority = -2;
    s.argv = {"/bin/sh", "-c", "echo " + std::to_string(id)};
    s.after = {id - 1};
    return s;
}

StatusRecord status(JobId id, JobState st) {
    StatusRecord r{id, {}};
    r.status.state = st;
    r.status.reason = "because";
    if (st == JobState::failed) r.status.last_exit = ExitStatus{3, 0};
    return r;
}

struct Log {
    std::string image = encode_file_header();
    std::vector<Rec> recs;
    void add(RecordType t, std::string payload) {
        Rec r{t, std::move(payload), image.size(), 0};
        append_frame(image, t, r.payload);
        r.end = image.size();
        recs.push_back(std::move(r));
    }
};

Log sample_log() {
    Log log;
    log.add(RecordType::meta, encode_meta({10}));
    log.add(RecordType::env, encode_env({1, {"PATH=/bin", "HOME=/root", "EMPTY="}}));
    log.add(RecordType::submit,
            encode_submit({spec(1, "a"), spec(2, std::string("b\0b", 3)), spec(3, "")}));
    log.add(RecordType::status, encode_status(status(1, JobState::running)));
    log.add(RecordType::queue_state, encode_queue_state({"default", true}));
    log.add(RecordType::status, encode_status(status(2, JobState::failed)));
    log.add(RecordType::submit, encode_submit({spec(4, "d")}));
    log.add(RecordType::status, encode_status(status(4, JobState::pending)));
    return log;
}

struct Visited {
    RecordType type;
    std::uint64_t payload_offset;
    std::string payload;
};

Result<ScanResult> scan(std::string_view image, std::vector<Visited>& out) {
    out.clear();
    return scan_log(image, [&](const ScannedRecord& r) {
        out.push_back({r.type, r.payload_offset, std::string(r.payload)});
    });
}

// Decodes a payload by its type and compares values, not only bytes.
bool same_record(const Visited& v, const Rec& r) {
    if (v.type != r.type || v.payload_offset != r.start + kFrameHeaderSize) return false;
    switch (r.type) {
        case RecordType::meta:
            return *decode_meta(v.payload) == *decode_meta(r.payload);
        case RecordType::env:
            return *decode_env(v.payload) == *decode_env(r.payload);
        case RecordType::submit:
            return *decode_submit(v.payload) == *decode_submit(r.payload);
        case RecordType::status:
            return *decode_status(v.payload) == *decode_status(r.payload);
        case RecordType::queue_state:
            return *decode_queue_state(v.payload) == *decode_queue_state(r.payload);
        case RecordType::cron_def:
            return *cron::decode_cron_def(v.payload) == *cron::decode_cron_def(r.payload);
        case RecordType::cron_state:
            return *cron::decode_cron_state(v.payload) == *cron::decode_cron_state(r.payload);
    }
    return false;
}

}  // namespace

TEST_CASE("an intact log is visited record by record", "[store]") {
    Log log = sample_log();
    std::vector<Visited> seen;
    auto r = scan(log.image, seen);
    REQUIRE(r.ok());
    CHECK(r->version == kFormatVersion);
    CHECK(r->valid_bytes == log.image.size());
    CHECK_FALSE(r->tail_problem);
    CHECK(r->skipped.empty());
    CHECK(r->records == log.recs.size());
    REQUIRE(seen.size() == log.recs.size());
    for (std::size_t i = 0; i < seen.size(); ++i) CHECK(same_record(seen[i], log.recs[i]));

    auto empty = scan(encode_file_header(), seen);
    REQUIRE(empty.ok());
    CHECK(empty->valid_bytes == kFileHeaderSize);
    CHECK(empty->records == 0);
    CHECK_FALSE(empty->tail_problem);
}

TEST_CASE("a log cut at any byte keeps exactly the whole records before the cut", "[store]") {
    Log log = sample_log();
    std::vector<Visited> seen;
    const std::uint64_t from = log.recs[log.recs.size() - 3].start;
    for (std::uint64_t cut = from; cut <= log.image.size(); ++cut) {
        INFO("cut at " << cut);
        auto r = scan(std::string_view(log.image).substr(0, cut), seen);
        REQUIRE(r.ok());
        std::size_t whole = 0;
        std::uint64_t boundary = kFileHeaderSize;
        for (const auto& rec : log.recs)
            if (rec.end <= cut) ++whole, boundary = rec.end;
        REQUIRE(seen.size() == whole);
        for (std::size_t i = 0; i < whole; ++i) CHECK(same_record(seen[i], log.recs[i]));
        CHECK(r->valid_bytes == boundary);
        CHECK(r->skipped.empty());
        CHECK(r->tail_problem.has_value() == (cut != boundary));
        if (r->tail_problem) {
            CHECK_THAT(*r->tail_problem, Catch::StartsWith("torn record"));
            CHECK_THAT(*r->tail_problem, Catch::Contains("at byte " + std::to_string(boundary)));
        }
    }
}

TEST_CASE("a flipped byte anywhere is detected and never visited", "[store]") {
    Log log = sample_log();
    std::map<std::uint64_t, const Rec*> by_offset;
    for (const auto& rec : log.recs) by_offset[rec.start + kFrameHeaderSize] = &rec;
    std::vector<Visited> seen;
    for (std::size_t pos = kFileHeaderSize; pos < log.image.size(); ++pos) {
        for (unsigned char x : {0x01, 0x10, 0x80, 0xff}) {
            INFO("byte " << pos << " xor " << int(x));
            std::string damaged = log.image;
            damaged[pos] = static_cast<char>(damaged[pos] ^ x);
            auto r = scan(damaged, seen);
            REQUIRE(r.ok());
            CHECK((!r->skipped.empty() || r->tail_problem));
            for (const auto& v : seen) {
                auto it = by_offset.find(v.payload_offset);
                REQUIRE(it != by_offset.end());
                CHECK(same_record(v, *it->second));
                CHECK(v.payload == it->second->payload);
            }
            // Only the hit record is lost: resync finds the next frame.
            CHECK(seen.size() + 1 == log.recs.size());
        }
    }
}

TEST_CASE("a damaged middle region is skipped and reported with its bounds", "[store]") {
    Log log = sample_log();
    const Rec& hit = log.recs[3];
    std::string damaged = log.image;
    damaged[hit.end - 2] ^= 0x20;  // in the payload: the checksum fails
    std::vector<Visited> seen;
    auto r = scan(damaged, seen);
    REQUIRE(r.ok());
    REQUIRE(r->skipped.size() == 1);
    std::string expect = "damaged bytes " + std::to_string(hit.start) + ".." +
                         std::to_string(hit.end) + " (" + std::to_string(hit.end - hit.start) +
                         " bytes) skipped";
    CHECK_THAT(r->skipped[0], Catch::StartsWith(expect));
    CHECK_THAT(r->skipped[0], Catch::Contains("bad checksum"));
    CHECK_FALSE(r->tail_problem);
    CHECK(r->valid_bytes == log.image.size());
    CHECK(seen.size() == log.recs.size() - 1);

    // Zeroed bytes over two records and a length grown past the end are skipped too.
    damaged = log.image;
    std::memset(damaged.data() + log.recs[1].start + 3, 0, log.recs[2].end - log.recs[1].start - 3);
    r = scan(damaged, seen);
    REQUIRE(r.ok());
    CHECK(r->skipped.size() == 1);
    CHECK(seen.size() == log.recs.size() - 2);
    damaged = log.image;
    damaged[log.recs[2].start + 3] = '\x10';  // length now ~256 MiB: looks torn, but is not
    r = scan(damaged, seen);
    REQUIRE(r.ok());
    REQUIRE(r->skipped.size() == 1);
    CHECK_THAT(r->skipped[0],
               Catch::StartsWith("damaged bytes " + std::to_string(log.recs[2].start) + ".." +
                                 std::to_string(log.recs[2].end) + " "));
    CHECK(seen.size() == log.recs.size() - 1);
}

TEST_CASE("a corrupt or garbage tail is reported as such", "[store]") {
    Log log = sample_log();
    std::string damaged = log.image;
    damaged.back() ^= 1;
    std::vector<Visited> seen;
    auto r = scan(damaged, seen);
    REQUIRE(r.ok());
    REQUIRE(r->tail_problem);
    CHECK_THAT(*r->tail_problem,
               Catch::StartsWith("corrupt record at byte " + std::to_string(log.recs.back().start) +
                                 " (bad checksum)"));
    CHECK(r->valid_bytes == log.recs.back().start);

    for (char fill : {'\0', '\x03', '\xff'}) {
        r = scan(log.image + std::string(100000, fill), seen);
        REQUIRE(r.ok());
        CHECK(r->tail_problem);
        CHECK(r->skipped.empty());
        CHECK(r->valid_bytes == log.image.size());
        CHECK(seen.size() == log.recs.size());
    }
}

TEST_CASE("frame-like bytes inside a torn record are not revived", "[store]") {
    // A job's argv may hold any bytes, including a whole valid frame.
    std::string fake;
    append_frame(fake, RecordType::status, encode_status(status(1, JobState::succeeded)));
    Log log = sample_log();
    JobSpec evil = spec(9, "evil");
    evil.argv = {fake, std::string(4000, 'x')};
    log.add(RecordType::submit, encode_submit({evil}));
    std::size_t at = log.image.find(fake);
    REQUIRE(at != std::string::npos);
    std::vector<Visited> seen;
    for (std::size_t cut = at + fake.size(); cut < log.image.size(); cut += 97) {
        auto r = scan(std::string_view(log.image).substr(0, cut), seen);
        REQUIRE(r.ok());
        CHECK(r->tail_problem);
        CHECK(r->skipped.empty());
        CHECK(seen.size() == log.recs.size() - 1);
    }
}

TEST_CASE("the search for intact records after damage is bounded", "[store]") {
    Log log = sample_log();
    // Every offset looks like a frame of type 3 whose length fits: the worst case for resync.
    std::string image = log.image;
    image[kFileHeaderSize + 8] = '\x07';  // damage the first frame's type
    image += std::string(96u << 20, '\x03');
    std::vector<Visited> seen;
    auto t0 = std::chrono::steady_clock::now();
    auto r = scan(image, seen);
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE(r.ok());
    CHECK(secs < 10);  // about 0.1 s in a release build
    REQUIRE(r->tail_problem);
    CHECK_THAT(*r->tail_problem, Catch::Contains("gave up"));
}

TEST_CASE("a bad magic or a newer format is refused", "[store]") {
    std::vector<Visited> seen;
    std::string wrong = encode_file_header();
    wrong[0] = 'X';
    auto r = scan(wrong, seen);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == "not a tend job log");
    CHECK_FALSE(scan("TENDJOB", seen).ok());
    CHECK_FALSE(scan("", seen).ok());

    r = scan(encode_file_header(3), seen);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == "written by a newer tend (format 3, this tend reads up to format 2)");
    CHECK(check_file_header(encode_file_header()).ok());
    CHECK(*check_file_header(encode_file_header()) == kFormatVersion);
}

TEST_CASE("a damaged header reads as corrupt, never as a newer format", "[store]") {
    const std::string good = encode_file_header();
    // Every single flipped bit of the version or the checksum.
    for (std::size_t byte = 8; byte < kFileHeaderSize; ++byte)
        for (int bit = 0; bit < 8; ++bit) {
            std::string bad = good;
            bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
            auto r = check_file_header(bad);
            INFO("byte " << byte << " bit " << bit);
            REQUIRE_FALSE(r.ok());
            CHECK_THAT(r.error(), Catch::StartsWith("corrupt file header"));
        }
    // A whole byte of the version overwritten.
    std::string flipped = good;
    flipped[11] = '\x7f';
    CHECK(check_file_header(flipped).error() ==
          "corrupt file header (checksum mismatch, format 2130706434?)");

    // Headers written before the checksum (0 there) are still read; a version above 2 in one
    // can only be damage.
    std::string old = good;
    old.replace(12, 4, std::string(4, '\0'));
    CHECK(*check_file_header(old) == 2);
    old[8] = 1;
    CHECK(*check_file_header(old) == 1);
    old[8] = 3;
    CHECK(check_file_header(old).error() ==
          "corrupt file header (format 3 without a header checksum)");
    old[8] = 0;
    CHECK(check_file_header(old).error() == "corrupt file header (format version 0)");
}
