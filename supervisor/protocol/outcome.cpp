// Outcome -> reply line: the error kinds' protocol codes.
#include "supervisor/protocol/outcome.hpp"

#include "supervisor/protocol/protocol.hpp"

namespace tend::protocol {

const char* code_of(Outcome::Kind k) {
    using Kind = Outcome::Kind;
    switch (k) {
        case Kind::ok:
        case Kind::failed:
            break;
        case Kind::bad_request:
            return code::bad_request;
        case Kind::invalid:
            return code::invalid;
        case Kind::full:
            return code::full;
        case Kind::not_found:
            return code::not_found;
        case Kind::busy:
            return code::busy;
        case Kind::forbidden:
            return code::forbidden;
        case Kind::unknown_command:
            return code::unknown_command;
        case Kind::too_large:
            return code::too_large;
    }
    return code::failed;
}

std::string encode_outcome(const Outcome& o) {
    if (o.is_ok()) return o.text.empty() ? encode_ok(o.data) : encode_ok_text(o.text);
    return encode_error(code_of(o.kind), o.message);
}

}  // namespace tend::protocol
