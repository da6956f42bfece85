// Encoding and decoding of the job log's record payloads: varints, strings, specs and statuses.
#include "queue/core/record_format.hpp"

#include <limits>

#include "queue/core/record_codec.hpp"

namespace tend::jobs {

using namespace codec;

namespace {

void put_spec(std::string& out, const JobSpec& s) {
    put_varint(out, s.id);
    put_string(out, s.queue);
    put_string(out, s.name);
    put_signed(out, s.priority);
    put_varint(out, s.max_attempts);
    put_signed(out, s.timeout_us);
    put_string(out, s.key);
    put_numbers(out, s.after);
    put_bool(out, s.shell);
    put_strings(out, s.argv);
    put_string(out, s.cwd);
    put_varint(out, s.env_id);
    put_varint(out, s.uid);
    put_varint(out, s.gid);
    put_numbers(out, s.groups);
    put_signed(out, s.submitted_at);
    put_signed(out, s.run_at);
    put_string(out, s.spool_token);
}

void read_spec(Reader& r, JobSpec& s) {
    r.varint(s.id);
    r.string(s.queue);
    r.string(s.name);
    r.i32(s.priority);
    r.u32(s.max_attempts);
    r.i64(s.timeout_us);
    r.string(s.key);
    r.u64s(s.after);
    r.boolean(s.shell);
    r.strings(s.argv);
    r.string(s.cwd);
    r.u32(s.env_id);
    r.u32(s.uid);
    r.u32(s.gid);
    r.u32s(s.groups);
    r.i64(s.submitted_at);
    r.i64(s.run_at);
    r.string(s.spool_token);
}

void put_status(std::string& out, const JobStatus& s) {
    out.push_back(static_cast<char>(s.state));
    put_varint(out, s.attempt);
    put_varint(out, s.max_attempts);
    put_varint(out, s.runs);
    put_bool(out, s.repeat_attempt);
    put_bool(out, s.interrupted);
    put_signed(out, s.run_at);
    put_signed(out, s.started_at);
    put_signed(out, s.finished_at);
    put_bool(out, s.last_exit.has_value());
    if (s.last_exit) {
        put_signed(out, s.last_exit->code);
        put_signed(out, s.last_exit->signal);
    }
    put_signed(out, s.pid);
    put_varint(out, s.pid_start);
    put_bool(out, s.cancel_requested);
    put_string(out, s.reason);
}

void read_status(Reader& r, JobStatus& s) {
    std::uint8_t state = 0;
    if (r.byte(state) && state >= kJobStateCount)
        r.fail("invalid job state " + std::to_string(state), r.pos() - 1);
    s.state = static_cast<JobState>(state);
    r.u32(s.attempt);
    r.u32(s.max_attempts);
    r.u32(s.runs);
    r.boolean(s.repeat_attempt);
    r.boolean(s.interrupted);
    r.i64(s.run_at);
    r.i64(s.started_at);
    r.i64(s.finished_at);
    bool has_exit = false;
    if (r.boolean(has_exit) && has_exit) {
        ExitStatus e;
        r.i32(e.code);
        r.i32(e.signal);
        s.last_exit = e;
    }
    r.i32(s.pid);
    r.varint(s.pid_start);
    r.boolean(s.cancel_requested);
    r.string(s.reason);
}

}  // namespace

std::string encode_meta(const MetaRecord& r) {
    std::string out;
    put_varint(out, r.next_id);
    return out;
}

Result<MetaRecord> decode_meta(std::string_view payload) {
    Reader r(payload, "meta record");
    MetaRecord m;
    r.varint(m.next_id);
    return finish(r, m);
}

std::string encode_env(const EnvRecord& r) {
    std::string out;
    put_varint(out, r.env_id);
    put_strings(out, r.vars);
    return out;
}

Result<EnvRecord> decode_env(std::string_view payload) {
    Reader r(payload, "env record");
    EnvRecord e;
    r.u32(e.env_id);
    r.strings(e.vars);
    return finish(r, std::move(e));
}

std::string encode_status(const StatusRecord& r) {
    std::string out;
    put_varint(out, r.id);
    put_status(out, r.status);
    return out;
}

Result<StatusRecord> decode_status(std::string_view payload) {
    Reader r(payload, "status record");
    StatusRecord s;
    r.varint(s.id);
    read_status(r, s.status);
    return finish(r, std::move(s));
}

std::string encode_queue_state(const QueueStateRecord& r) {
    std::string out;
    put_string(out, r.queue);
    put_bool(out, r.paused);
    return out;
}

Result<QueueStateRecord> decode_queue_state(std::string_view payload) {
    Reader r(payload, "queue state record");
    QueueStateRecord q;
    r.string(q.queue);
    r.boolean(q.paused);
    return finish(r, std::move(q));
}

std::string encode_spec(const JobSpec& s) {
    std::string out;
    put_spec(out, s);
    return out;
}

Result<JobSpec> decode_spec(std::string_view bytes) {
    Reader r(bytes, "job spec");
    JobSpec s;
    read_spec(r, s);
    return finish(r, std::move(s));
}

std::string encode_submit(const std::vector<JobSpec>& specs, std::vector<SpecSpan>* spans) {
    std::string out;
    put_varint(out, specs.size());
    if (spans) spans->clear();
    std::string one;
    for (const auto& s : specs) {
        one.clear();
        put_spec(one, s);
        put_varint(out, one.size());
        if (spans)
            spans->push_back(
                {static_cast<std::uint32_t>(out.size()), static_cast<std::uint32_t>(one.size())});
        out += one;
    }
    return out;
}

Result<std::vector<SpecSpan>> decode_submit_spans(std::string_view payload) {
    // Span offsets are 32-bit: a valid payload is never larger than a frame allows.
    if (payload.size() > kMaxPayloadBytes)
        return make_error("submit record: " + std::to_string(payload.size()) +
                          " bytes is larger than a record can be");
    Reader r(payload, "submit record");
    std::size_t count = 0;
    std::vector<SpecSpan> spans;
    if (r.length(count, "specs")) spans.reserve(count);
    for (std::size_t i = 0; i < count && !r.failed(); ++i) {
        std::size_t start = r.pos();
        std::string_view spec;
        if (!r.bytes(spec)) break;
        if (spec.empty()) r.fail("empty spec", start);
        spans.push_back({static_cast<std::uint32_t>(r.pos() - spec.size()),
                         static_cast<std::uint32_t>(spec.size())});
    }
    return finish(r, std::move(spans));
}

Result<std::vector<JobSpec>> decode_submit(std::string_view payload) {
    auto spans = decode_submit_spans(payload);
    if (!spans) return Error{spans.error()};
    std::vector<JobSpec> specs;
    specs.reserve(spans->size());
    for (std::size_t i = 0; i < spans->size(); ++i) {
        const SpecSpan& span = (*spans)[i];
        auto spec = decode_spec(payload.substr(span.offset, span.length));
        if (!spec)
            return make_error("submit record: spec " + std::to_string(i + 1) + " at byte " +
                              std::to_string(span.offset) + ": " + spec.error());
        specs.push_back(std::move(*spec));
    }
    return specs;
}

}  // namespace tend::jobs
