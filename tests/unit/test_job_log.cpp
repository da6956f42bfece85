// JobLog on a real directory: create, group commit, recovery of damage, failed commits, compaction.
#include <catch2/catch.hpp>

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "queue/store/job_log.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace tend;
using namespace tend::jobs;
using tend::test::read_file;
using tend::test::write_file;
namespace fs = std::filesystem;

namespace {

struct LogDir : tend::test::TempDir {
    LogDir() : tend::test::TempDir("tend-store") {}
    std::string log() const { return path + "/jobs.log"; }
};

struct Replayed {
    RecordType type;
    std::uint64_t payload_offset;
    std::string payload;
    bool operator==(const Replayed&) const = default;
};

Result<JobLog::Opened> open_log(const LogDir& dir, std::vector<Replayed>& seen) {
    seen.clear();
    return JobLog::open(dir.path, [&](const ScannedRecord& r) {
        seen.push_back({r.type, r.payload_offset, std::string(r.payload)});
    });
}

std::string status_payload(JobId id, JobState st) {
    StatusRecord r{id, {}};
    r.status.state = st;
    return encode_status(r);
}

std::string frame(RecordType t, const std::string& payload) {
    std::string f;
    append_frame(f, t, payload);
    return f;
}

std::vector<std::string> damaged_copies(const LogDir& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir.path))
        if (e.path().filename().string().starts_with("jobs.log.damaged-"))
            out.push_back(e.path().string());
    return out;
}

// Commits one record per payload; returns the replay entries they will produce.
std::vector<Replayed> commit_statuses(JobLog& log, JobId first, int count) {
    std::vector<Replayed> out;
    for (int i = 0; i < count; ++i) {
        std::string p = status_payload(first + static_cast<JobId>(i), JobState::pending);
        std::uint64_t at = 0;
        log.enqueue(frame(RecordType::status, p), false, [&](Result<std::uint64_t> off) {
            REQUIRE(off.ok());
            at = *off;
        });
        REQUIRE(log.commit().ok());
        out.push_back({RecordType::status, at + kFrameHeaderSize, p});
    }
    return out;
}

// Makes writes past `limit` bytes fail with EFBIG, as a full disk would, for one scope.
struct FileSizeLimit {
    rlimit old{};
    struct sigaction old_action {};
    explicit FileSizeLimit(rlim_t limit) {
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        REQUIRE(::sigaction(SIGXFSZ, &ignore, &old_action) == 0);
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
        rlimit l = old;
        l.rlim_cur = limit;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &l) == 0);
    }
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &old);
        ::sigaction(SIGXFSZ, &old_action, nullptr);
    }
};

}  // namespace

TEST_CASE("JobLog creates a log, commits batches and replays them on reopen", "[store]") {
    LogDir dir;
    std::vector<Replayed> seen;
    auto opened = open_log(dir, seen);
    REQUIRE(opened.ok());
    CHECK(opened->warnings.empty());
    CHECK(seen.empty());
    JobLog& log = *opened->log;
    CHECK(log.path() == dir.log());
    CHECK(log.size() == kFileHeaderSize);
    struct stat st {};
    REQUIRE(::stat(dir.log().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(read_file(dir.log()) == encode_file_header());

    CHECK(log.commit().ok());  // nothing pending: nothing written
    CHECK(log.size() == kFileHeaderSize);

    std::string env = encode_env({1, {"A=1"}});
    std::string sub = encode_submit({JobSpec{}});
    std::string st1 = status_payload(1, JobState::running);
    std::string batch = frame(RecordType::submit, sub) + frame(RecordType::status, st1);
    std::vector<std::uint64_t> offsets;
    auto record = [&](Result<std::uint64_t> off) {
        REQUIRE(off.ok());
        offsets.push_back(*off);
    };
    log.enqueue(frame(RecordType::env, env), true, record);
    log.enqueue(batch, false, record);
    CHECK(log.has_pending());
    REQUIRE(log.commit().ok());
    CHECK_FALSE(log.has_pending());
    std::uint64_t second = kFileHeaderSize + kFrameHeaderSize + env.size();
    CHECK(offsets == std::vector<std::uint64_t>{kFileHeaderSize, second});
    CHECK(log.size() == second + batch.size());
    CHECK(fs::file_size(dir.log()) == log.size());
    auto back = log.read_at(second + kFrameHeaderSize, static_cast<std::uint32_t>(sub.size()));
    REQUIRE(back.ok());
    CHECK(*back == sub);
    auto past = log.read_at(log.size() - 2, 3);
    REQUIRE_FALSE(past.ok());
    CHECK_THAT(past.error(), Catch::Contains(dir.log()));

    auto again = open_log(dir, seen);
    REQUIRE(again.ok());
    CHECK(again->warnings.empty());
    CHECK_FALSE(again->needs_rewrite);
    std::vector<Replayed> expect = {
        {RecordType::env, kFileHeaderSize + kFrameHeaderSize, env},
        {RecordType::submit, second + kFrameHeaderSize, sub},
        {RecordType::status, second + 2 * kFrameHeaderSize + sub.size(), st1}};
    CHECK(seen == expect);
    CHECK(again->log->size() == log.size());
}

TEST_CASE("Done callbacks may enqueue more work", "[store]") {
    LogDir dir;
    std::vector<Replayed> seen;
    auto opened = open_log(dir, seen);
    REQUIRE(opened.ok());
    JobLog& log = *opened->log;
    std::string a = frame(RecordType::meta, encode_meta({5}));
    std::string b = frame(RecordType::meta, encode_meta({6}));
    std::uint64_t b_at = 0;
    log.enqueue(a, false, [&](Result<std::uint64_t> off) {
        REQUIRE(off.ok());
        log.enqueue(b, true, [&](Result<std::uint64_t> o) { b_at = *o; });
    });
    REQUIRE(log.commit().ok());
    CHECK(log.has_pending());
    REQUIRE(log.commit().ok());
    CHECK(b_at == kFileHeaderSize + a.size());
    CHECK(log.size() == kFileHeaderSize + a.size() + b.size());
}

TEST_CASE("a failed commit fails droppable batches and keeps the others", "[store]") {
    LogDir dir;
    std::vector<Replayed> seen;
    auto opened = open_log(dir, seen);
    REQUIRE(opened.ok());
    JobLog& log = *opened->log;
    auto first = commit_statuses(log, 1, 1);
    const std::uint64_t before = log.size();

    std::vector<std::string> calls;
    auto note = [&](std::string who) {
        return [&calls, who](Result<std::uint64_t> off) {
            calls.push_back(who + (off.ok() ? " ok " + std::to_string(*off) : ": " + off.error()));
        };
    };
    std::string k1 = frame(RecordType::status, status_payload(2, JobState::running));
    std::string k2 = frame(RecordType::status, status_payload(3, JobState::running));
    std::string drop = frame(RecordType::submit, encode_submit({JobSpec{}, JobSpec{}}));
    {
        FileSizeLimit limit(before + 30);  // the write starts, then fails half-way
        log.enqueue(drop, true, note("d1"));
        log.enqueue(k1, false, note("k1"));
        log.enqueue(drop, true, note("d2"));
        log.enqueue(k2, false, note("k2"));
        Status s = log.commit();
        REQUIRE_FALSE(s.ok());
        CHECK(s.error() == "cannot write " + dir.log() + ": File too large");
        CHECK(log.has_pending());
        CHECK(log.size() == before);
        CHECK(fs::file_size(dir.log()) == before);
    }
    std::vector<std::string> failed = {"d1: cannot write " + dir.log() + ": File too large",
                                       "d2: cannot write " + dir.log() + ": File too large"};
    CHECK(calls == failed);
    calls.clear();
    REQUIRE(log.commit().ok());
    CHECK_FALSE(log.has_pending());
    std::vector<std::string> written = {"k1 ok " + std::to_string(before),
                                        "k2 ok " + std::to_string(before + k1.size())};
    CHECK(calls == written);

    auto again = open_log(dir, seen);
    REQUIRE(again.ok());
    REQUIRE(seen.size() == 3);
    CHECK(seen[0] == first[0]);
    CHECK(seen[1].payload == k1.substr(kFrameHeaderSize));
    CHECK(seen[2].payload == k2.substr(kFrameHeaderSize));
}

TEST_CASE("a torn tail is truncated on open with a warning", "[store]") {
    LogDir dir;
    std::vector<Replayed> seen;
    std::vector<Replayed> committed;
    {
        auto opened = open_log(dir, seen);
        REQUIRE(opened.ok());
        committed = commit_statuses(*opened->log, 1, 3);
    }
    const std::uint64_t good = fs::file_size(dir.log());
    std::string torn = frame(RecordType::status, status_payload(4, JobState::pending));
    write_file(dir.log(), read_file(dir.log()) + torn.substr(0, torn.size() / 2));

    auto opened = open_log(dir, seen);
    REQUIRE(opened.ok());
    CHECK(seen == committed);
    REQUIRE(opened->warnings.size() == 1);
    CHECK_THAT(opened->warnings[0],
               Catch::StartsWith(dir.log() + ": torn record at byte " + std::to_string(good)));
    CHECK_THAT(opened->warnings[0],
               Catch::EndsWith("truncated to " + std::to_string(good) + " bytes"));
    CHECK_FALSE(opened->needs_rewrite);
    CHECK(fs::file_size(dir.log()) == good);
    CHECK(opened->log->size() == good);
    CHECK(damaged_copies(dir).empty());
    auto more = commit_statuses(*opened->log, 5, 1);
    REQUIRE(open_log(dir, seen).ok());
    CHECK(seen.size() == 4);
    CHECK(seen.back() == more[0]);
}

TEST_CASE("damage is skipped on open and the damaged file is kept", "[store]") {
    LogDir dir;
    std::vector<Replayed> seen;
    std::vector<Replayed> committed;
    {
        auto opened = open_log(dir, seen);
        REQUIRE(opened.ok());
        committed = commit_statuses(*opened->log, 1, 4);
    }
    std::string image = read_file(dir.log());
    image[committed[1].payload_offset + 1] ^= 0x40;
    write_file(dir.log(), image);

    auto opened = open_log(dir, seen);
    REQUIRE(opened.ok());
    CHECK(opened->needs_rewrite);
    CHECK(seen == std::vector<Replayed>{committed[0], committed[2], committed[3]});
    REQUIRE(opened->warnings.size() == 1);
    CHECK_THAT(opened->warnings[0], Catch::Contains("damaged bytes"));
    CHECK_THAT(opened->warnings[0], Catch::Contains(dir.log() + ".damaged-"));
    auto copies = damaged_copies(dir);
    REQUIRE(copies.size() == 1);
    CHECK(read_file(copies[0]) == image);
    CHECK(fs::file_size(dir.log()) == image.size());

    // A corrupt (not torn) tail is cut, but kept in a copy first.
    image = read_file(dir.log());
    image.back() ^= 1;
    write_file(dir.log(), image);
    opened = open_log(dir, seen);
    REQUIRE(opened.ok());
    CHECK(seen.size() == 2);
    REQUIRE(opened->warnings.size() == 2);
    CHECK_THAT(opened->warnings[1],
               Catch::Contains("corrupt record at byte " +
                               std::to_string(committed[3].payload_offset - kFrameHeaderSize)));
    CHECK(fs::file_size(dir.log()) == committed[3].payload_offset - kFrameHeaderSize);
    CHECK(damaged_copies(dir).size() == 2);
}

TEST_CASE("JobLog::open handles short, foreign and newer files", "[store]") {
    LogDir dir;
    std::vector<Replayed> seen;
    write_file(dir.log(), "TENDJ");
    auto opened = open_log(dir, seen);
    REQUIRE(opened.ok());
    REQUIRE(opened->warnings.size() == 1);
    CHECK_THAT(opened->warnings[0], Catch::Contains("incomplete 5-byte header"));
    CHECK(read_file(dir.log()) == encode_file_header());

    write_file(dir.log(), "hello");
    auto foreign = open_log(dir, seen);
    REQUIRE_FALSE(foreign.ok());
    CHECK(foreign.error() == dir.log() + ": not a tend job log");

    const std::string newer = encode_file_header(7);
    write_file(dir.log(), newer);
    auto refused = open_log(dir, seen);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error() ==
          dir.log() + ": written by a newer tend (format 7, this tend reads up to format 2)");
    CHECK(read_file(dir.log()) == newer);  // left alone

    // A flipped byte in the version of a real log is damage, not a newer tend.
    std::string damaged = encode_file_header();
    damaged[9] = 1;
    write_file(dir.log(), damaged);
    auto corrupt = open_log(dir, seen);
    REQUIRE_FALSE(corrupt.ok());
    CHECK(corrupt.error() == dir.log() + ": corrupt file header (checksum mismatch, format 258?)");
    CHECK(read_file(dir.log()) == damaged);  // left alone

    // A compaction cut short by a crash is dropped: the live log is complete without it.
    write_file(dir.log(), encode_file_header());
    write_file(dir.log() + ".compact", encode_file_header() + "partial");
    REQUIRE(open_log(dir, seen).ok());
    CHECK_FALSE(fs::exists(dir.log() + ".compact"));

    auto missing = JobLog::open(dir.path + "/nope", [](const ScannedRecord&) {});
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(missing.error(), Catch::Contains("No such file or directory"));
}

TEST_CASE("compaction copies the live tail in steps and switches files", "[store]") {
    LogDir dir;
    std::vector<Replayed> seen;
    auto opened = open_log(dir, seen);
    REQUIRE(opened.ok());
    JobLog& log = *opened->log;
    commit_statuses(log, 100, 5);  // history that compaction drops

    write_file(dir.log() + ".compact", "stale");
    std::string head = frame(RecordType::meta, encode_meta({200}));
    std::string live = frame(RecordType::submit, encode_submit({JobSpec{}}));
    REQUIRE(log.begin_compaction(head).ok());
    CHECK(log.compacting());
    CHECK(log.compaction_start() == log.size());
    auto at = log.compact_append(live);
    REQUIRE(at.ok());
    CHECK(*at == kFileHeaderSize + head.size());

    std::vector<Replayed> tail = commit_statuses(log, 1, 2);
    std::vector<std::string> old_bytes;
    for (const auto& t : tail)
        old_bytes.push_back(*log.read_at(t.payload_offset, std::uint32_t(t.payload.size())));
    int steps = 0;
    for (;;) {
        auto done = log.compact_finish_step(7);
        REQUIRE(done.ok());
        ++steps;
        if (*done) break;
        if (steps % 3 == 0 && steps < 20) {  // the live log grows while copying
            auto more = commit_statuses(log, 10 + static_cast<JobId>(steps), 1);
            tail.push_back(more[0]);
            old_bytes.push_back(more[0].payload);
        }
    }
    CHECK(steps > 5);
    CHECK_FALSE(log.compacting());
    CHECK_FALSE(fs::exists(dir.log() + ".compact"));
    CHECK(log.size() == fs::file_size(dir.log()));
    for (std::size_t i = 0; i < tail.size(); ++i) {
        auto moved = log.read_at(tail[i].payload_offset + log.tail_delta(),
                                 std::uint32_t(tail[i].payload.size()));
        REQUIRE(moved.ok());
        CHECK(*moved == old_bytes[i]);
        tail[i].payload_offset += log.tail_delta();
    }
    CHECK(*log.read_at(*at, std::uint32_t(live.size())) == live);
    auto after = commit_statuses(log, 50, 1);

    REQUIRE(open_log(dir, seen).ok());
    std::vector<Replayed> expect = {
        {RecordType::meta, kFileHeaderSize + kFrameHeaderSize, head.substr(kFrameHeaderSize)},
        {RecordType::submit, *at + kFrameHeaderSize, live.substr(kFrameHeaderSize)}};
    expect.insert(expect.end(), tail.begin(), tail.end());
    expect.push_back(after[0]);
    CHECK(seen == expect);
}

TEST_CASE("an aborted compaction leaves the live log untouched", "[store]") {
    LogDir dir;
    std::vector<Replayed> seen;
    auto opened = open_log(dir, seen);
    REQUIRE(opened.ok());
    JobLog& log = *opened->log;
    auto committed = commit_statuses(log, 1, 3);
    const std::string image = read_file(dir.log());

    REQUIRE(log.begin_compaction("").ok());
    CHECK_FALSE(log.begin_compaction("").ok());  // one at a time
    REQUIRE(log.compact_append(frame(RecordType::meta, encode_meta({9}))).ok());
    log.abort_compaction();
    CHECK_FALSE(log.compacting());
    CHECK_FALSE(fs::exists(dir.log() + ".compact"));
    CHECK(read_file(dir.log()) == image);

    // Appending after the tail copy started would break tail_delta: refused, and aborted.
    REQUIRE(log.begin_compaction("").ok());
    REQUIRE(log.compact_finish_step(1).ok());
    auto late = log.compact_append("x");
    REQUIRE_FALSE(late.ok());
    CHECK_FALSE(log.compacting());
    CHECK_FALSE(fs::exists(dir.log() + ".compact"));

    // A batch queued while compacting lands in the new file once it is committed.
    REQUIRE(log.begin_compaction("").ok());
    std::string f = frame(RecordType::meta, encode_meta({77}));
    std::uint64_t f_at = 0;
    log.enqueue(f, false, [&](Result<std::uint64_t> off) { f_at = *off; });
    auto done = log.compact_finish_step(1 << 20);
    REQUIRE(done.ok());
    CHECK(*done);
    REQUIRE(log.commit().ok());
    CHECK(f_at == kFileHeaderSize);  // the new file had an empty head and no tail
    REQUIRE(open_log(dir, seen).ok());
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].payload == f.substr(kFrameHeaderSize));
}
