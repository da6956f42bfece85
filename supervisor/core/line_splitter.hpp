// Splits an output byte stream into lines of at most a fixed length (SPEC §5.7).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace tend {

inline constexpr size_t kMaxLogLine = 16 * 1024;

class LineSplitter {
  public:
    using Sink = std::function<void(std::string_view line)>;
    explicit LineSplitter(size_t max_line = kMaxLogLine) : max_(max_line) {}

    // Emits every complete line in `bytes` (without '\n'); a line reaching the maximum
    // length is emitted in pieces of that length.
    void feed(std::string_view bytes, const Sink& sink);
    // Emits the pending partial line, if any (the writer exited mid-line).
    void flush(const Sink& sink);

  private:
    size_t max_;
    std::string partial_;
    // The last piece emitted was cut at max_ bytes; a '\n' right after it ends that same
    // line and must not produce an empty one (so the result is independent of read sizes).
    bool cut_ = false;
};

}  // namespace tend
