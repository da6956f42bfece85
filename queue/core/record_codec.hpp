// The varint/string codec shared by the payload encoders of the job log (record_format.cpp,
// cron_records.cpp): writers append to a string, Reader reads field by field and never
// reads out of bounds.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/util/result.hpp"

namespace tend::jobs::codec {

inline void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

inline void put_signed(std::string& out, std::int64_t v) {
    // Zigzag keeps small negative numbers (priority -1, timeout -1) to one byte.
    put_varint(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

inline void put_bool(std::string& out, bool b) {
    out.push_back(b ? '\1' : '\0');
}

inline void put_string(std::string& out, std::string_view s) {
    put_varint(out, s.size());
    out.append(s);
}

inline void put_strings(std::string& out, const std::vector<std::string>& v) {
    put_varint(out, v.size());
    for (const auto& s : v) put_string(out, s);
}

template <typename T>
inline void put_numbers(std::string& out, const std::vector<T>& v) {
    put_varint(out, v.size());
    for (T x : v) put_varint(out, x);
}

// Reads a payload field by field. The first problem is kept (with its byte offset) and every
// later read fails, so decoders read all fields and check once at the end.
class Reader {
  public:
    Reader(std::string_view bytes, const char* what) : b_(bytes), what_(what) {}

    std::size_t pos() const { return pos_; }
    std::size_t remaining() const { return b_.size() - pos_; }
    bool failed() const { return !problem_.empty(); }

    bool fail(const std::string& problem, std::size_t at) {
        if (!failed()) problem_ = problem + " at byte " + std::to_string(at);
        return false;
    }
    bool truncated() { return fail("truncated", b_.size()); }

    bool varint(std::uint64_t& v) {
        if (failed()) return false;
        std::size_t start = pos_;
        v = 0;
        for (int shift = 0;; shift += 7) {
            if (pos_ >= b_.size()) return truncated();
            auto c = static_cast<std::uint8_t>(b_[pos_]);
            if (shift == 63 && c > 1) return fail("varint overflows 64 bits", start);
            v |= static_cast<std::uint64_t>(c & 0x7f) << shift;
            ++pos_;
            if ((c & 0x80) == 0) return true;
        }
    }
    bool u32(std::uint32_t& v) {
        std::uint64_t x = 0;
        std::size_t start = pos_;
        if (!varint(x)) return false;
        if (x > std::numeric_limits<std::uint32_t>::max())
            return fail("value " + std::to_string(x) + " overflows 32 bits", start);
        v = static_cast<std::uint32_t>(x);
        return true;
    }
    bool i64(std::int64_t& v) {
        std::uint64_t x = 0;
        if (!varint(x)) return false;
        v = static_cast<std::int64_t>((x >> 1) ^ (~(x & 1) + 1));
        return true;
    }
    bool i32(std::int32_t& v) {
        std::uint32_t x = 0;
        if (!u32(x)) return false;
        v = static_cast<std::int32_t>((x >> 1) ^ (~(x & 1) + 1));
        return true;
    }
    bool byte(std::uint8_t& v) {
        if (failed()) return false;
        if (pos_ >= b_.size()) return truncated();
        v = static_cast<std::uint8_t>(b_[pos_++]);
        return true;
    }
    bool boolean(bool& v) {
        std::uint8_t c = 0;
        if (!byte(c)) return false;
        if (c > 1) return fail("invalid boolean " + std::to_string(c), pos_ - 1);
        v = c == 1;
        return true;
    }
    // A length or count must fit in what is left (each item takes at least one byte), so a
    // damaged length can never make us allocate more than the payload's size.
    bool length(std::size_t& n, const char* of) {
        std::uint64_t x = 0;
        std::size_t start = pos_;
        if (!varint(x)) return false;
        if (x > remaining())
            return fail("truncated: " + std::to_string(x) + " " + of + " with " +
                            std::to_string(remaining()) + " bytes left",
                        start);
        n = static_cast<std::size_t>(x);
        return true;
    }
    bool bytes(std::string_view& s) {
        std::size_t n = 0;
        if (!length(n, "bytes")) return false;
        s = b_.substr(pos_, n);
        pos_ += n;
        return true;
    }
    bool string(std::string& s) {
        std::string_view v;
        if (!bytes(v)) return false;
        s.assign(v);
        return true;
    }
    bool strings(std::vector<std::string>& v) {
        std::size_t n = 0;
        if (!length(n, "strings")) return false;
        v.clear();
        v.reserve(n);
        for (std::size_t i = 0; i < n; ++i)
            if (!string(v.emplace_back())) return false;
        return true;
    }
    bool u64s(std::vector<std::uint64_t>& v) {
        std::size_t n = 0;
        if (!length(n, "numbers")) return false;
        v.assign(n, 0);
        for (auto& x : v)
            if (!varint(x)) return false;
        return true;
    }
    bool u32s(std::vector<std::uint32_t>& v) {
        std::size_t n = 0;
        if (!length(n, "numbers")) return false;
        v.assign(n, 0);
        for (auto& x : v)
            if (!u32(x)) return false;
        return true;
    }

    // Ends the decode: any problem, or bytes left over, is the error.
    std::optional<Error> finish() {
        if (!failed() && pos_ != b_.size())
            fail(std::to_string(remaining()) + " trailing bytes", pos_);
        if (!failed()) return std::nullopt;
        return make_error(std::string(what_) + ": " + problem_);
    }

  private:
    std::string_view b_;
    const char* what_;
    std::size_t pos_ = 0;
    std::string problem_;
};

template <typename T>
inline Result<T> finish(Reader& r, T value) {
    if (auto e = r.finish()) return *e;
    return value;
}

}  // namespace tend::jobs::codec
