// The control-socket protocol: one JSON object per line, each side tagged with a version.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "supervisor/util/result.hpp"

namespace tend::protocol {

using json = nlohmann::json;

inline constexpr int kVersion = 1;
// A request line longer than this is refused; no command needs more.
inline constexpr size_t kMaxRequestBytes = 64 * 1024;
// Arrays and objects nested deeper than this are refused before parsing: copying or comparing a
// nlohmann::json recurses, and no command needs more than a few levels.
inline constexpr size_t kMaxRequestNesting = 32;

// Machine-readable error codes carried in replies; the CLI maps them to exit statuses.
namespace code {
inline constexpr const char* bad_request = "bad_request";
inline constexpr const char* too_large = "too_large";
inline constexpr const char* unknown_command = "unknown_command";
inline constexpr const char* not_found = "not_found";
inline constexpr const char* forbidden = "forbidden";
inline constexpr const char* busy = "busy";
inline constexpr const char* failed = "failed";
// The queue is at max_pending: try again later (tend exits 75).
inline constexpr const char* full = "full";
// Input the daemon cannot accept, e.g. an unknown queue or --after job (tend exits 65).
inline constexpr const char* invalid = "invalid";
}  // namespace code

struct Request {
    std::string cmd;
    json args = json::object();
};

struct Reply {
    bool ok = false;
    json data;               // on success
    std::string error_code;  // on failure
    std::string message;     // on failure
};

std::string encode_request(const Request& r);
Result<Request> decode_request(std::string_view line);

std::string encode_ok(const json& data);
// The same for data already encoded as compact JSON text (a large reply built as text).
std::string encode_ok_text(std::string_view data);
std::string encode_error(std::string_view error_code, std::string_view message);
Result<Reply> decode_reply(std::string_view line);

// Accumulates bytes from a stream and yields complete lines; refuses lines over `limit`.
class LineBuffer {
  public:
    explicit LineBuffer(size_t limit) : limit_(limit) {}
    void append(std::string_view bytes);
    // The next complete line without its '\n', or nullopt when none is complete yet.
    std::optional<std::string> next_line();
    // True when the pending, incomplete line already exceeds the limit.
    bool overflowed() const;
    bool empty() const { return size() == 0; }
    // Bytes not yet taken out as lines.
    size_t size() const { return buf_.size() - start_; }

  private:
    size_t limit_;
    std::string buf_;
    // Lines are taken from the front by moving start_: erasing each one would make a client
    // that sends thousands of short (e.g. blank) lines cost quadratic time.
    size_t start_ = 0;
    size_t scanned_ = 0;  // bytes of buf_ from start_ known to hold no '\n'
};

}  // namespace tend::protocol
