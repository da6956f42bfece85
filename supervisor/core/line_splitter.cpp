// Line splitting without copying complete lines that arrive whole in one read.
#include "supervisor/core/line_splitter.hpp"

namespace tend {

void LineSplitter::feed(std::string_view bytes, const Sink& sink) {
    while (!bytes.empty()) {
        if (cut_) {
            cut_ = false;
            if (bytes.front() == '\n') {
                bytes.remove_prefix(1);
                continue;
            }
        }
        size_t room = max_ - partial_.size();
        size_t nl = bytes.find('\n');
        if (nl != std::string_view::npos && nl <= room) {
            if (partial_.empty()) {
                sink(bytes.substr(0, nl));
            } else {
                partial_.append(bytes.substr(0, nl));
                sink(partial_);
                partial_.clear();
            }
            bytes.remove_prefix(nl + 1);
            continue;
        }
        if (bytes.size() < room) {
            partial_.append(bytes);
            return;
        }
        // The line is too long: emit a piece of exactly max_ bytes and go on.
        partial_.append(bytes.substr(0, room));
        sink(partial_);
        partial_.clear();
        bytes.remove_prefix(room);
        cut_ = true;
    }
}

void LineSplitter::flush(const Sink& sink) {
    cut_ = false;
    if (partial_.empty()) return;
    sink(partial_);
    partial_.clear();
}

}  // namespace tend
