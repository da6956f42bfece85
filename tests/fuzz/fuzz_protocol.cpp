// Fuzzes the control-socket protocol: request and reply decoding, round trips, LineBuffer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "queue/core/typed_request.hpp"
#include "supervisor/protocol/protocol.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace tend::protocol;

// Every decoder a line from a client (or from tendd) reaches, the typed decoding of every
// command's arguments (what tendd runs on each request) included.
void decode_line(std::string_view line) {
    auto typed = tend::jobs::decode_request_typed(line);
    FUZZ_CHECK(typed || !typed.error().empty());
    if (auto r = decode_request(line)) {
        // What the CLI would send for this request decodes to the same request.
        std::string again = encode_request(*r);
        FUZZ_CHECK(again.back() == '\n');
        again.pop_back();
        auto r2 = decode_request(again);
        FUZZ_CHECK(r2 && r2->cmd == r->cmd && r2->args == r->args);
    }
    if (auto rep = decode_reply(line)) {
        std::string again =
            rep->ok ? encode_ok(rep->data) : encode_error(rep->error_code, rep->message);
        again.pop_back();
        auto rep2 = decode_reply(again);
        FUZZ_CHECK(rep2 && rep2->ok == rep->ok && rep2->error_code == rep->error_code &&
                   rep2->message == rep->message);
        if (rep->ok) FUZZ_CHECK(rep2->data == rep->data || rep->data.is_null());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    const std::string_view data(reinterpret_cast<const char*>(bytes), size);
    decode_line(data);

    // The same bytes as a stream, in reads of 7 bytes, through the daemon's line buffer with a
    // small limit: it yields exactly the '\n'-separated lines, and flags the long partial one.
    constexpr size_t kLimit = 256;
    LineBuffer buf(kLimit);
    std::vector<std::string> lines;
    for (size_t at = 0; at < data.size(); at += 7) {
        buf.append(data.substr(at, 7));
        while (auto l = buf.next_line()) {
            decode_line(*l);
            lines.push_back(std::move(*l));
        }
    }
    size_t start = 0, n = 0;
    for (size_t nl; (nl = data.find('\n', start)) != std::string_view::npos; start = nl + 1, ++n)
        FUZZ_CHECK(n < lines.size() && lines[n] == data.substr(start, nl - start));
    FUZZ_CHECK(n == lines.size());
    FUZZ_CHECK(buf.size() == data.size() - start);
    FUZZ_CHECK(buf.overflowed() == (data.size() - start > kLimit));
    return 0;
}
