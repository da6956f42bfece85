// Reads typed fields out of a request's "args" without ever throwing: each wrong type, range or
// size becomes an error naming the field (the first one is kept).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/util/result.hpp"

namespace tend::protocol {

class ArgReader {
  public:
    // `args` is expected to be an object; anything else reads as one without fields.
    explicit ArgReader(const nlohmann::json& args) : args_(args) {}

    // A missing field, or null, gives the fallback.
    bool flag(const char* key, bool fallback = false);
    std::int64_t integer(const char* key, std::int64_t fallback, std::int64_t min,
                         std::int64_t max);
    std::optional<std::int64_t> optional_integer(const char* key, std::int64_t min,
                                                 std::int64_t max);
    std::string text(const char* key, std::string fallback = {});
    std::optional<std::string> optional_text(const char* key);
    std::vector<std::string> texts(const char* key);
    // Job ids: positive integers.
    std::vector<std::uint64_t> ids(const char* key);

    bool ok() const { return !error_; }
    const std::string& error() const { return *error_; }
    // The first error, as a Status.
    Status status() const;

  private:
    // The field, or nullptr when missing or null.
    const nlohmann::json* find(const char* key) const;
    void fail(const char* key, const std::string& what);
    std::optional<std::int64_t> checked_integer(const char* key, const nlohmann::json& v,
                                                std::int64_t min, std::int64_t max);

    const nlohmann::json& args_;
    std::optional<std::string> error_;
};

}  // namespace tend::protocol
