// Encoding and validation of protocol lines; malformed input yields an error, never a throw.
#include "supervisor/protocol/protocol.hpp"

#include <algorithm>

namespace tend::protocol {
namespace {

// The deepest nesting of arrays and objects in JSON text (brackets inside strings do not
// count); one pass, no recursion, whatever the text.
size_t nesting_depth(std::string_view text) {
    size_t depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

}  // namespace

std::string encode_request(const Request& r) {
    json j = {{"v", kVersion}, {"cmd", r.cmd}, {"args", r.args}};
    return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<Request> decode_request(std::string_view line) {
    if (line.size() > kMaxRequestBytes)
        return make_error("request of " + std::to_string(line.size()) +
                          " bytes exceeds the limit of " + std::to_string(kMaxRequestBytes));
    if (nesting_depth(line) > kMaxRequestNesting)
        return make_error("request nests arrays and objects deeper than " +
                          std::to_string(kMaxRequestNesting) + " levels");
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded()) return make_error("request is not valid JSON");
    if (!j.is_object()) return make_error("request must be a JSON object");
    auto v = j.find("v");
    if (v == j.end() || !v->is_number_integer())
        return make_error("request has no protocol version \"v\"");
    if (v->get<long long>() != kVersion)
        return make_error("protocol version " + std::to_string(v->get<long long>()) +
                          " is not supported (the daemon speaks " + std::to_string(kVersion) + ")");
    auto cmd = j.find("cmd");
    if (cmd == j.end() || !cmd->is_string() || cmd->get_ref<const std::string&>().empty())
        return make_error("request has no \"cmd\" string");
    Request r;
    r.cmd = cmd->get<std::string>();
    if (auto a = j.find("args"); a != j.end()) {
        if (!a->is_object()) return make_error("\"args\" must be a JSON object");
        r.args = std::move(*a);
    }
    return r;
}

std::string encode_ok(const json& data) {
    return encode_ok_text(data.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string encode_ok_text(std::string_view data) {
    // The bytes json{{"v", ..}, {"ok", true}, {"data", data}}.dump() gives (keys sorted), without
    // copying `data` into that object: a listing page is large.
    std::string out;
    out.reserve(data.size() + 32);
    out += "{\"data\":";
    out += data;
    out += ",\"ok\":true,\"v\":" + std::to_string(kVersion) + "}\n";
    return out;
}

std::string encode_error(std::string_view error_code, std::string_view message) {
    json j = {{"v", kVersion},
              {"ok", false},
              {"error", {{"code", std::string(error_code)}, {"message", std::string(message)}}}};
    return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<Reply> decode_reply(std::string_view line) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return make_error("reply is not a JSON object");
    Reply r;
    auto ok = j.find("ok");
    if (ok == j.end() || !ok->is_boolean()) return make_error("reply has no \"ok\" field");
    r.ok = ok->get<bool>();
    if (r.ok) {
        if (auto d = j.find("data"); d != j.end()) r.data = *d;
        return r;
    }
    auto err = j.find("error");
    if (err == j.end() || !err->is_object()) return make_error("error reply has no \"error\"");
    auto text = [&](const char* key, const char* fallback) {
        auto it = err->find(key);
        return it != err->end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
    };
    r.error_code = text("code", code::failed);
    r.message = text("message", "unknown error");
    return r;
}

void LineBuffer::append(std::string_view bytes) {
    // The consumed front is dropped once per append, not once per line.
    if (start_ > 0) {
        buf_.erase(0, start_);
        start_ = 0;
    }
    buf_.append(bytes);
}

std::optional<std::string> LineBuffer::next_line() {
    size_t nl = buf_.find('\n', start_ + scanned_);
    if (nl == std::string::npos) {
        scanned_ = buf_.size() - start_;
        return std::nullopt;
    }
    std::string line = buf_.substr(start_, nl - start_);
    start_ = nl + 1;
    scanned_ = 0;
    if (start_ == buf_.size()) {
        buf_.clear();
        start_ = 0;
    }
    return line;
}

bool LineBuffer::overflowed() const {
    size_t nl = buf_.find('\n', start_);
    return (nl == std::string::npos ? buf_.size() : nl) - start_ > limit_;
}

}  // namespace tend::protocol
