// Fuzzes `tend submit --at` / `--in`: parse_at, parse_in and parse_iso8601, at any now and zone.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "cmd/submit_time.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    // Bytes 0-3: now, within about 136 years from 1970 (what a clock can say); bytes 4-5: the
    // local zone's offset, -18h..+18h. The rest is the option's text.
    if (size < 6) return 0;
    std::uint32_t now_s = 0;
    std::memcpy(&now_s, bytes, 4);
    const std::int64_t now_us = std::int64_t{now_s} * 1000000 + bytes[4];
    const long offset_s = (long{bytes[4]} << 8 | bytes[5]) % (2 * 18 * 3600 + 1) - 18 * 3600;
    const std::string_view text(reinterpret_cast<const char*>(bytes) + 6, size - 6);

    auto iso = tend::cli::parse_iso8601(text);
    auto at = tend::cli::parse_at(text, now_us, offset_s);
    // A time that names its zone means the same instant whatever the local zone.
    if (iso) FUZZ_CHECK(at && *at == *iso);
    // The local zone as a function (daylight-saving changes): one that jumps at `now`.
    auto at_dst = tend::cli::parse_at(text, now_us, [&](std::int64_t utc_s) {
        return utc_s < now_us / 1000000 ? offset_s : offset_s + 3600;
    });
    FUZZ_CHECK(at_dst.ok() == at.ok());

    if (auto in = tend::cli::parse_in(text, now_us)) FUZZ_CHECK(*in >= now_us);
    return 0;
}
