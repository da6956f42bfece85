// Fuzzes the job log's record payload decoders: every accepted payload re-encodes to itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "queue/core/record_format.hpp"
#include "queue/cron/cron_records.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace tend::jobs;

// decode(encode(decode(p))) == decode(p): what tendd rewrites on compaction reads back the same.
template <typename Decode, typename Encode>
void round_trip(std::string_view payload, Decode decode, Encode encode) {
    auto value = decode(payload);
    if (!value) {
        FUZZ_CHECK(!value.error().empty());
        return;
    }
    auto again = decode(encode(*value));
    FUZZ_CHECK(again && *again == *value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    // Byte 0 picks the record type, as the frame's type byte does; the rest is the payload.
    if (size < 1) return 0;
    const std::string_view p(reinterpret_cast<const char*>(bytes) + 1, size - 1);
    switch (bytes[0] % 8) {
        case 0:
            round_trip(p, decode_meta, encode_meta);
            break;
        case 1:
            round_trip(p, decode_env, encode_env);
            break;
        case 2:
            round_trip(p, decode_status, encode_status);
            break;
        case 3:
            round_trip(p, decode_queue_state, encode_queue_state);
            break;
        case 4:
            round_trip(p, decode_spec, encode_spec);
            break;
        case 5: {
            auto spans = decode_submit_spans(p);
            auto specs = decode_submit(p);
            if (specs) {
                // Recovery keeps spans and reads each spec back from them later.
                FUZZ_CHECK(spans && spans->size() == specs->size());
                for (size_t i = 0; i < specs->size(); ++i) {
                    const auto& s = (*spans)[i];
                    FUZZ_CHECK(size_t{s.offset} + s.length <= p.size());
                    auto one = decode_spec(p.substr(s.offset, s.length));
                    FUZZ_CHECK(one && *one == (*specs)[i]);
                }
                auto again = decode_submit(encode_submit(*specs));
                FUZZ_CHECK(again && *again == *specs);
            }
            break;
        }
        case 6:
            round_trip(p, tend::cron::decode_cron_def, tend::cron::encode_cron_def);
            break;
        default:
            round_trip(p, tend::cron::decode_cron_state, tend::cron::encode_cron_state);
            break;
    }
    return 0;
}
