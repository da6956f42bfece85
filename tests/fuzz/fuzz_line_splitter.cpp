// Fuzzes LineSplitter: no line over the limit, no byte lost, and the same lines whatever the reads.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/core/line_splitter.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

// Splits `data` with a splitter of `max` bytes, fed in reads of the given sizes (cycled).
std::vector<std::string> split(std::string_view data, size_t max,
                               const std::vector<size_t>& reads) {
    tend::LineSplitter s(max);
    std::vector<std::string> lines;
    auto sink = [&](std::string_view line) { lines.emplace_back(line); };
    for (size_t i = 0; !data.empty(); ++i) {
        size_t n = reads.empty() ? data.size() : reads[i % reads.size()];
        n = std::min(n, data.size());
        s.feed(data.substr(0, n), sink);
        data.remove_prefix(n);
    }
    s.flush(sink);
    return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    // Byte 0: the line limit (1..64, small so that cutting happens); bytes 1-4: read sizes.
    if (size < 5) return 0;
    const size_t max = bytes[0] % 64 + 1;
    std::vector<size_t> reads;
    for (int i = 1; i <= 4; ++i) reads.push_back(bytes[i] % 32 + 1);
    std::string_view data(reinterpret_cast<const char*>(bytes) + 5, size - 5);

    auto whole = split(data, max, {});
    auto pieces = split(data, max, reads);
    FUZZ_CHECK(whole == pieces);  // independent of how the bytes arrive

    std::string joined, expected;
    for (const auto& l : whole) {
        FUZZ_CHECK(l.size() <= max);
        FUZZ_CHECK(l.find('\n') == std::string::npos);
        joined += l;
    }
    for (char c : data)
        if (c != '\n') expected += c;
    FUZZ_CHECK(joined == expected);  // every byte but the newlines, in order
    return 0;
}
