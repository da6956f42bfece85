// Encoding and decoding of the cron records' payloads (tend-state(5)).
#include "queue/cron/cron_records.hpp"

#include "queue/core/record_codec.hpp"

namespace tend::cron {

using namespace jobs::codec;

std::string encode_cron_def(const CronDefRecord& r) {
    const CronDef& d = r.def;
    std::string out;
    put_bool(out, r.removed);
    put_string(out, d.name);
    put_string(out, d.schedule);
    put_string(out, d.timezone);
    put_string(out, d.queue);
    put_strings(out, d.argv);
    put_bool(out, d.shell);
    put_varint(out, static_cast<std::uint8_t>(d.overlap));
    put_varint(out, static_cast<std::uint8_t>(d.catch_up));
    put_signed(out, d.catch_up_window_us);
    put_signed(out, d.jitter_us);
    put_string(out, d.cwd);
    put_strings(out, d.env);
    put_varint(out, d.uid);
    put_varint(out, d.gid);
    put_numbers(out, d.groups);
    put_bool(out, d.from_config);
    put_signed(out, d.created_at_us);
    return out;
}

Result<CronDefRecord> decode_cron_def(std::string_view payload) {
    Reader r(payload, "cron entry record");
    CronDefRecord rec;
    CronDef& d = rec.def;
    std::uint32_t overlap = 0, catch_up = 0;
    r.boolean(rec.removed);
    r.string(d.name);
    r.string(d.schedule);
    r.string(d.timezone);
    r.string(d.queue);
    r.strings(d.argv);
    r.boolean(d.shell);
    std::size_t at = r.pos();
    r.u32(overlap);
    if (overlap > 2) r.fail("unknown overlap " + std::to_string(overlap), at);
    at = r.pos();
    r.u32(catch_up);
    if (catch_up > 2) r.fail("unknown catch_up " + std::to_string(catch_up), at);
    d.overlap = static_cast<Overlap>(overlap);
    d.catch_up = static_cast<CatchUp>(catch_up);
    r.i64(d.catch_up_window_us);
    r.i64(d.jitter_us);
    r.string(d.cwd);
    r.strings(d.env);
    r.u32(d.uid);
    r.u32(d.gid);
    r.u32s(d.groups);
    r.boolean(d.from_config);
    r.i64(d.created_at_us);
    return finish(r, std::move(rec));
}

std::string encode_cron_state(const CronStateRecord& r) {
    std::string out;
    put_string(out, r.name);
    put_signed(out, r.last_tick_s);
    put_varint(out, r.last_job);
    return out;
}

Result<CronStateRecord> decode_cron_state(std::string_view payload) {
    Reader r(payload, "cron state record");
    CronStateRecord s;
    r.string(s.name);
    r.i64(s.last_tick_s);
    r.varint(s.last_job);
    return finish(r, std::move(s));
}

}  // namespace tend::cron
