// Fuzzes parse_spool, the parser of the spool files any submitter can write, and parse_pairing,
// of the SOCKET.spool file the CLI reads while tendd is down (tend-state(5)).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "queue/core/record_format.hpp"
#include "queue/store/spool.hpp"
#include "queue/store/spool_pairing.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace tend::jobs;

// An accepted file, written again as `tend submit` writes one, reads back the same.
void parse_checked(std::string_view image) {
    auto entry = parse_spool(image);
    if (!entry) {
        FUZZ_CHECK(!entry.error().empty());
        return;
    }
    FUZZ_CHECK(entry->token.empty());
    std::string again = encode_file_header();
    append_frame(again, RecordType::env, encode_env({0, entry->env}));
    append_frame(again, RecordType::submit, encode_submit(entry->specs));
    auto entry2 = parse_spool(again);
    FUZZ_CHECK(entry2 && entry2->specs == entry->specs && entry2->env == entry->env);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    if (size < 1) return 0;
    const std::string_view data(reinterpret_cast<const char*>(bytes) + 1, size - 1);
    if (bytes[0] & 1) {  // the bytes are the file
        parse_checked(data);
        // An accepted pairing file is written again the same.
        if (auto spool = parse_pairing(data)) FUZZ_CHECK(encode_pairing(*spool) == data);
        return 0;
    }
    // The bytes are an ENV payload and a SUBMIT payload (split where byte 0 says), framed with
    // good checksums, so the payload decoders are reached.
    const size_t split = std::min<size_t>(bytes[0] >> 1, data.size());
    std::string image = encode_file_header();
    append_frame(image, RecordType::env, data.substr(0, split));
    append_frame(image, RecordType::submit, data.substr(split));
    parse_checked(image);
    return 0;
}
