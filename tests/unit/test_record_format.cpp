// Record payloads: exact round trips, and decoders that refuse truncated or garbage bytes.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <random>

#include "queue/core/record_format.hpp"

using namespace tend;
using namespace tend::jobs;

namespace {

JobSpec edge_spec() {
    JobSpec s;
    s.id = std::numeric_limits<std::uint64_t>::max();
    s.queue = "q\xff\x00x";
    s.queue.push_back('\0');
    s.name = "";
    s.priority = std::numeric_limits<std::int32_t>::min();
    s.max_attempts = std::numeric_limits<std::uint32_t>::max();
    s.timeout_us = -1;
    s.key = std::string("k\0y", 3);
    s.after = {1, 0, std::numeric_limits<std::uint64_t>::max(), 1ull << 63};
    s.shell = true;
    for (int i = 0; i < 1000; ++i) s.argv.push_back("arg" + std::to_string(i));
    s.argv.push_back("");
    s.argv.push_back(std::string(300, '\x80'));
    s.cwd = "/tmp/\xc3\xa9";
    s.env_id = std::numeric_limits<std::uint32_t>::max();
    s.uid = 0;
    s.gid = 65534;
    s.groups = {0, 1, std::numeric_limits<std::uint32_t>::max()};
    s.submitted_at = std::numeric_limits<std::int64_t>::min();
    s.run_at = std::numeric_limits<std::int64_t>::max();
    s.spool_token = "0001712345678901-42-deadbeef";
    return s;
}

JobSpec plain_spec(JobId id) {
    JobSpec s;
    s.id = id;
    s.name = "job" + std::to_string(id);
    s.priority = static_cast<std::int32_t>(id % 7) - 3;
    s.argv = {"/bin/echo", "hello", std::to_string(id)};
    s.cwd = "/";
    s.submitted_at = 1712345678000000 + static_cast<WallUs>(id);
    return s;
}

std::vector<JobStatus> statuses() {
    std::vector<JobStatus> out;
    for (int st = 0; st < kJobStateCount; ++st) {
        JobStatus s;
        s.state = static_cast<JobState>(st);
        s.attempt = static_cast<std::uint32_t>(st);
        s.reason = st % 2 ? "" : "reason " + std::to_string(st);
        out.push_back(s);
    }
    JobStatus full;
    full.state = JobState::running;
    full.attempt = std::numeric_limits<std::uint32_t>::max();
    full.max_attempts = 0;
    full.runs = 12345678;
    full.repeat_attempt = true;
    full.interrupted = true;
    full.run_at = -1;
    full.started_at = std::numeric_limits<std::int64_t>::max();
    full.finished_at = std::numeric_limits<std::int64_t>::min();
    full.last_exit = ExitStatus{-1, 0};
    full.pid = std::numeric_limits<std::int32_t>::min();
    full.pid_start = std::numeric_limits<std::uint64_t>::max();
    full.cancel_requested = true;
    full.reason = std::string("bin\0ary\n", 8);
    out.push_back(full);
    full.last_exit = ExitStatus{std::numeric_limits<int>::max(), 9};
    full.pid = std::numeric_limits<std::int32_t>::max();
    out.push_back(full);
    full.last_exit = ExitStatus{0, 0};
    out.push_back(full);
    return out;
}

// Every decoder, run on the same bytes; none may crash, whatever the bytes.
void decode_all(std::string_view bytes) {
    (void)decode_meta(bytes);
    (void)decode_env(bytes);
    (void)decode_status(bytes);
    (void)decode_queue_state(bytes);
    (void)decode_spec(bytes);
    (void)decode_submit_spans(bytes);
    (void)decode_submit(bytes);
}

template <typename Decode>
void check_every_prefix_fails(const std::string& payload, Decode decode) {
    for (std::size_t n = 0; n < payload.size(); ++n) {
        INFO("prefix of " << n << " of " << payload.size() << " bytes");
        auto r = decode(std::string_view(payload).substr(0, n));
        CHECK_FALSE(r.ok());
    }
    auto trailing = decode(payload + "x");
    REQUIRE_FALSE(trailing.ok());
    CHECK_THAT(trailing.error(), Catch::Contains("trailing"));
}

}  // namespace

TEST_CASE("meta, env and queue state records round-trip", "[store]") {
    for (JobId id : {JobId{0}, JobId{1}, JobId{127}, JobId{128}, ~JobId{0}}) {
        auto m = decode_meta(encode_meta({id}));
        REQUIRE(m.ok());
        CHECK(m->next_id == id);
    }
    std::vector<EnvRecord> envs = {{0, {}},
                                   {7, {"A=1", "EMPTY=", std::string("BIN=\0\xff", 6), ""}},
                                   {std::numeric_limits<std::uint32_t>::max(), {"X=y"}}};
    for (int i = 0; i < 500; ++i) envs.back().vars.push_back("V" + std::to_string(i) + "=v");
    for (const auto& e : envs) {
        auto d = decode_env(encode_env(e));
        REQUIRE(d.ok());
        CHECK(*d == e);
    }
    for (const QueueStateRecord& q :
         {QueueStateRecord{"default", true}, QueueStateRecord{"", false},
          QueueStateRecord{std::string(200, 'q'), true}}) {
        auto d = decode_queue_state(encode_queue_state(q));
        REQUIRE(d.ok());
        CHECK(*d == q);
    }
}

TEST_CASE("status records round-trip every state and edge value", "[store]") {
    JobId id = 0;
    for (const auto& st : statuses()) {
        StatusRecord r{id, st};
        id = id * 3 + 1000000007;
        auto d = decode_status(encode_status(r));
        REQUIRE(d.ok());
        CHECK(*d == r);
    }
    CHECK(encode_status({1, JobStatus{}}).size() < 24);  // compact: defaults take a byte each
}

TEST_CASE("specs and submits round-trip, with spans pointing at each spec", "[store]") {
    JobSpec defaults;
    for (const auto& s : {defaults, edge_spec(), plain_spec(42)}) {
        auto d = decode_spec(encode_spec(s));
        REQUIRE(d.ok());
        CHECK(*d == s);
    }
    std::vector<JobSpec> specs = {plain_spec(1), edge_spec(), defaults, plain_spec(300)};
    std::vector<SpecSpan> spans;
    std::string payload = encode_submit(specs, &spans);
    REQUIRE(spans.size() == specs.size());
    auto decoded_spans = decode_submit_spans(payload);
    REQUIRE(decoded_spans.ok());
    REQUIRE(decoded_spans->size() == specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
        CHECK((*decoded_spans)[i].offset == spans[i].offset);
        CHECK((*decoded_spans)[i].length == spans[i].length);
        auto one = decode_spec(std::string_view(payload).substr(spans[i].offset, spans[i].length));
        REQUIRE(one.ok());
        CHECK(*one == specs[i]);
    }
    auto all = decode_submit(payload);
    REQUIRE(all.ok());
    CHECK(*all == specs);

    auto empty = decode_submit(encode_submit({}));
    REQUIRE(empty.ok());
    CHECK(empty->empty());
}

TEST_CASE("every strict prefix of a payload is refused, and so are trailing bytes", "[store]") {
    check_every_prefix_fails(encode_meta({1ull << 40}), decode_meta);
    check_every_prefix_fails(encode_env({3, {"A=1", "B=", ""}}), decode_env);
    for (const auto& st : statuses())
        check_every_prefix_fails(encode_status({99, st}), decode_status);
    check_every_prefix_fails(encode_queue_state({"batch", true}), decode_queue_state);
    JobSpec small = plain_spec(5);
    small.after = {1, 2};
    small.groups = {4, 5};
    check_every_prefix_fails(encode_spec(small), decode_spec);
    std::string submit = encode_submit({plain_spec(1), small, plain_spec(2)});
    check_every_prefix_fails(submit, decode_submit);
    check_every_prefix_fails(submit, decode_submit_spans);
}

TEST_CASE("decode errors say which record, what is wrong and where", "[store]") {
    std::string status = encode_status({1, statuses().back()});
    auto cut = decode_status(std::string_view(status).substr(0, 12));
    REQUIRE_FALSE(cut.ok());
    CHECK(cut.error() == "status record: truncated at byte 12");

    std::string bad_state = encode_status({1, JobStatus{}});
    bad_state[1] = 9;
    auto st = decode_status(bad_state);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error() == "status record: invalid job state 9 at byte 1");

    auto bad_bool = decode_queue_state(std::string("\x01q\x02", 3));
    REQUIRE_FALSE(bad_bool.ok());
    CHECK(bad_bool.error() == "queue state record: invalid boolean 2 at byte 2");

    auto overflow = decode_meta(std::string(10, '\xff') + '\x01');
    REQUIRE_FALSE(overflow.ok());
    CHECK_THAT(overflow.error(), Catch::Contains("overflows 64 bits at byte 0"));

    // A huge length is checked against what is left before anything is allocated.
    std::string huge = "\x05";
    huge += std::string("\xff\xff\xff\xff\x0f", 5);
    auto env = decode_env(huge);
    REQUIRE_FALSE(env.ok());
    CHECK_THAT(env.error(), Catch::StartsWith("env record: truncated: 4294967295 strings"));

    std::string empty_spec("\x01\x00", 2);
    auto spans = decode_submit_spans(empty_spec);
    REQUIRE_FALSE(spans.ok());
    CHECK(spans.error() == "submit record: empty spec at byte 1");

    std::string bad_second = encode_submit({plain_spec(1)});
    bad_second[0] = 2;
    bad_second += std::string("\x01\x80", 2);  // a one-byte spec: a cut varint
    auto sub = decode_submit(bad_second);
    REQUIRE_FALSE(sub.ok());
    CHECK_THAT(sub.error(), Catch::StartsWith("submit record: spec 2 at byte"));
    CHECK_THAT(sub.error(), Catch::Contains("job spec: truncated at byte 1"));
}

TEST_CASE("random garbage and mutated payloads never crash a decoder", "[store]") {
    std::mt19937 rng(20240611);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> len(0, 96);
    for (int i = 0; i < 5000; ++i) {
        std::string g(static_cast<std::size_t>(len(rng)), '\0');
        for (auto& c : g) c = static_cast<char>(byte(rng));
        decode_all(g);
    }
    const std::vector<std::string> valid = {
        encode_status({7, statuses().back()}), encode_env({1, {"A=b", "C=d"}}),
        encode_submit({plain_spec(1), plain_spec(2)}), encode_queue_state({"q", true})};
    for (int i = 0; i < 5000; ++i) {
        std::string m = valid[static_cast<std::size_t>(i) % valid.size()];
        std::uniform_int_distribution<std::size_t> at(0, m.size() - 1);
        for (int k = 0; k < 1 + i % 3; ++k) m[at(rng)] = static_cast<char>(byte(rng));
        decode_all(m);
    }
}
