// Field readers for request arguments: type checks first, so nlohmann::json never throws.
#include "supervisor/protocol/arg_reader.hpp"

namespace tend::protocol {

using json = nlohmann::json;

const json* ArgReader::find(const char* key) const {
    if (!args_.is_object()) return nullptr;
    auto it = args_.find(key);
    if (it == args_.end() || it->is_null()) return nullptr;
    return &*it;
}

void ArgReader::fail(const char* key, const std::string& what) {
    if (!error_) error_ = std::string("\"") + key + "\" " + what;
}

Status ArgReader::status() const {
    if (error_) return make_error(*error_);
    return ok_status();
}

bool ArgReader::flag(const char* key, bool fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_boolean()) {
        fail(key, "must be true or false");
        return fallback;
    }
    return v->get<bool>();
}

std::optional<std::int64_t> ArgReader::checked_integer(const char* key, const json& v,
                                                       std::int64_t min, std::int64_t max) {
    const std::string range =
        "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
    // Unsigned values above INT64_MAX would wrap if read as signed: compare them unsigned.
    if (v.is_number_unsigned()) {
        const std::uint64_t u = v.get<std::uint64_t>();
        if (max < 0 || u > static_cast<std::uint64_t>(max) ||
            (min > 0 && u < static_cast<std::uint64_t>(min))) {
            fail(key, range);
            return std::nullopt;
        }
        return static_cast<std::int64_t>(u);
    }
    if (v.is_number_integer()) {
        const std::int64_t i = v.get<std::int64_t>();
        if (i < min || i > max) {
            fail(key, range);
            return std::nullopt;
        }
        return i;
    }
    fail(key, range);
    return std::nullopt;
}

std::int64_t ArgReader::integer(const char* key, std::int64_t fallback, std::int64_t min,
                                std::int64_t max) {
    const json* v = find(key);
    if (!v) return fallback;
    return checked_integer(key, *v, min, max).value_or(fallback);
}

std::optional<std::int64_t> ArgReader::optional_integer(const char* key, std::int64_t min,
                                                        std::int64_t max) {
    const json* v = find(key);
    if (!v) return std::nullopt;
    return checked_integer(key, *v, min, max);
}

std::string ArgReader::text(const char* key, std::string fallback) {
    return optional_text(key).value_or(std::move(fallback));
}

std::optional<std::string> ArgReader::optional_text(const char* key) {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
        fail(key, "must be a string");
        return std::nullopt;
    }
    return v->get_ref<const std::string&>();
}

std::vector<std::string> ArgReader::texts(const char* key) {
    std::vector<std::string> out;
    const json* v = find(key);
    if (!v) return out;
    if (!v->is_array()) {
        fail(key, "must be an array of strings");
        return out;
    }
    out.reserve(v->size());
    for (const json& e : *v) {
        if (!e.is_string()) {
            fail(key, "must contain only strings");
            return {};
        }
        out.push_back(e.get_ref<const std::string&>());
    }
    return out;
}

std::vector<std::uint64_t> ArgReader::ids(const char* key) {
    std::vector<std::uint64_t> out;
    const json* v = find(key);
    if (!v) return out;
    if (!v->is_array()) {
        fail(key, "must be an array of job ids");
        return out;
    }
    out.reserve(v->size());
    for (const json& e : *v) {
        if (!e.is_number_unsigned() || e.get<std::uint64_t>() == 0) {
            fail(key, "must contain only job ids (positive integers)");
            return {};
        }
        out.push_back(e.get<std::uint64_t>());
    }
    return out;
}

}  // namespace tend::protocol
