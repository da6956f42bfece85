// Result<T>: a value or an error message, the error channel of the pure core.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace tend {

struct Error {
    std::string message;
};

inline Error make_error(std::string message) {
    return Error{std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(v_); }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<T>(v_); }
    const T& value() const { return std::get<T>(v_); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const std::string& error() const { return std::get<Error>(v_).message; }

  private:
    std::variant<T, Error> v_;
};

// Result of an operation that yields nothing but may fail.
struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() {
    return Unit{};
}

// Drops a result on purpose. The one way to do it (no scattered (void) casts): `why` says, at
// the call site, why nothing is lost (e.g. "logged by schedule_pass").
template <typename T>
inline void ignore_result(const Result<T>& /*result*/, const char* /*why*/) {}

}  // namespace tend
