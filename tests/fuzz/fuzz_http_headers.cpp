// Fuzzes what tendd's HTTP server reads from a client before any handler runs: the Host check,
// the token of an Authorization header (Bearer, or Basic's base64), and `[http] listen`; and
// the label escaping of /metrics, which must never let a value end its quotes or its line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/config/http_config.hpp"
#include "supervisor/core/http_rules.hpp"
#include "supervisor/util/prom_text.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(bytes), size);

    const std::vector<std::string> allowed{"tend.example", "10.0.0.1:9180"};
    const bool ok = tend::http::host_allowed(text, "127.0.0.1", "9180", allowed);
    // The answer is a function of the header alone.
    FUZZ_CHECK(ok == tend::http::host_allowed(text, "127.0.0.1", "9180", allowed));

    const std::string token = tend::http::token_of_authorization(text);
    FUZZ_CHECK(token.size() <= size);  // decoding never grows the input
    FUZZ_CHECK(tend::http::constant_time_equal(token, token));
    FUZZ_CHECK(!tend::http::constant_time_equal(token, token + "x"));

    auto listen = tend::parse_http_listen(std::string(text));
    if (listen && listen->unix_socket) FUZZ_CHECK(!listen->path.empty());

    const std::string escaped = tend::prom::escape(text);
    FUZZ_CHECK(escaped.find('\n') == std::string::npos);
    // Every quote is escaped: an odd run of backslashes precedes it.
    for (std::size_t i = 0; i < escaped.size(); ++i) {
        if (escaped[i] != '"') continue;
        std::size_t slashes = 0;
        while (slashes < i && escaped[i - 1 - slashes] == '\\') ++slashes;
        FUZZ_CHECK(slashes % 2 == 1);
    }
    return 0;
}
