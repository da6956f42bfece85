// What a request handler answers, before it becomes bytes: data, or an error kind and message.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace tend::protocol {

struct Outcome {
    // Each error kind is one protocol error code (protocol.hpp), which the CLI maps to one exit
    // status; handlers name the kind, the daemon's method table encodes it (encode_outcome).
    enum class Kind {
        ok,
        bad_request,
        invalid,
        full,
        not_found,
        failed,
        busy,
        forbidden,
        unknown_command,
        too_large
    };
    Kind kind = Kind::ok;
    nlohmann::json data;
    std::string message;
    // Set instead of `data` by a reply built as JSON text (a listing page).
    std::string text;

    static Outcome ok(nlohmann::json d) { return {Kind::ok, std::move(d), {}, {}}; }
    static Outcome ok_text(std::string t) { return {Kind::ok, nullptr, {}, std::move(t)}; }
    static Outcome error(Kind k, std::string m) { return {k, nullptr, std::move(m), {}}; }
    bool is_ok() const { return kind == Kind::ok; }
};

// Where a handler sends its outcome, now or later (`--wait`).
using Respond = std::function<void(const Outcome&)>;

// The protocol error code of an error kind ("bad_request"); "failed" for ok and failed.
const char* code_of(Outcome::Kind k);

// The one place an outcome becomes a reply line of the protocol.
std::string encode_outcome(const Outcome& outcome);

}  // namespace tend::protocol
