// Output pipes: blocking for the child, non-blocking on tendd's side, read in bounded chunks into
// the line splitter and the instance's log writer.
#include "supervisor/daemon/instance_output.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "supervisor/daemon/event_loop.hpp"

namespace tend {
namespace {
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kBudgetPerEvent = 256 * 1024;
}  // namespace

Result<std::unique_ptr<InstanceOutput>> InstanceOutput::create(sd_event* loop,
                                                               std::shared_ptr<LogWriter> writer) {
    std::unique_ptr<InstanceOutput> o(new InstanceOutput());
    o->writer_ = std::move(writer);
    for (int i = 0; i < 2; ++i) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0)
            return make_error(std::string("cannot create an output pipe: ") + std::strerror(errno));
        Pipe& p = o->pipes_[i];
        p.read.reset(fds[0]);
        p.write.reset(fds[1]);
        p.stream = i == 0 ? Stream::out : Stream::err;
        p.owner = o.get();
        // Only tendd's read end is non-blocking. The write end is the child's stdout/stderr (the
        // same open file): it stays blocking, so a writer faster than tendd waits instead of
        // failing with EAGAIN (SPEC §5.7). tendd never writes to it.
        if (fcntl(p.read.get(), F_SETFL, O_NONBLOCK) != 0)
            return make_error(std::string("cannot set up an output pipe: ") + std::strerror(errno));
        auto s = ev::add_io(loop, p.read.get(), EPOLLIN, &InstanceOutput::on_readable, &p,
                            "watch an output pipe");
        if (!s) return make_error(s.error());
        if (auto st = ev::set_priority(s->get(), ev::kBulkPriority, "order an output pipe"); !st)
            return make_error(st.error());
        p.source = std::move(*s);
    }
    return o;
}

InstanceOutput::~InstanceOutput() {
    for (auto& p : pipes_) p.source.reset();
}

int InstanceOutput::on_readable(sd_event_source*, int, uint32_t, void* pipe) {
    Pipe* p = static_cast<Pipe*>(pipe);
    p->owner->read_some(*p, kBudgetPerEvent);
    p->owner->writer_->flush();
    return 0;
}

void InstanceOutput::read_some(Pipe& p, size_t budget) {
    char buf[kReadChunk];
    auto sink = [&](std::string_view line) { writer_->line(p.stream, line, pid_); };
    while (budget > 0) {
        ssize_t n = read(p.read.get(), buf, std::min(sizeof buf, budget));
        if (n <= 0) return;  // EAGAIN: drained; 0 cannot happen while we hold the write end
        p.splitter.feed(std::string_view(buf, static_cast<size_t>(n)), sink);
        budget -= static_cast<size_t>(n);
    }
}

void InstanceOutput::drain_and_flush() {
    for (auto& p : pipes_) {
        // A pipe holds at most its capacity (64 KiB by default) once the writer is gone,
        // unless grandchildren keep writing; the budget bounds that case.
        read_some(p, 1 << 20);
        p.splitter.flush([&](std::string_view line) { writer_->line(p.stream, line, pid_); });
    }
    writer_->flush();
}

void InstanceOutput::marker(std::string_view text) {
    // An exit drained the pipes before its event (on_exit), so the program's last words come
    // before the marker; reading here could put a new process's first line before "started".
    writer_->line(Stream::tend, text, pid_);
    writer_->flush();
}

}  // namespace tend
