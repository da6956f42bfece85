// The stdout/stderr pipes of one instance, owned by tendd across restarts (SPEC §5.7).
#pragma once

#include <systemd/sd-event.h>
#include <memory>

#include "supervisor/core/line_splitter.hpp"
#include "supervisor/daemon/event_source.hpp"
#include "supervisor/daemon/log_writer.hpp"
#include "supervisor/util/result.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend {

class InstanceOutput {
  public:
    // The daemon keeps the write ends open too, so a restart never closes the pipes and
    // output written by a dying process is still read after it is gone.
    static Result<std::unique_ptr<InstanceOutput>> create(sd_event* loop,
                                                          std::shared_ptr<LogWriter> writer);
    ~InstanceOutput();

    int stdout_write_fd() const { return pipes_[0].write.get(); }
    int stderr_write_fd() const { return pipes_[1].write.get(); }
    void set_pid(int pid) { pid_ = pid; }
    // A reload moved the output (log_file): what is buffered goes to the old writer, the next
    // complete line to `writer`.
    void set_writer(std::shared_ptr<LogWriter> writer) {
        writer_->flush();
        writer_ = std::move(writer);
    }
    // Reads whatever is buffered now and ends a partial last line (the process exited).
    void drain_and_flush();
    // tendd's own line ("[tend] started pid 4122"), written through the same writer as the
    // output read so far, so it lands in order with the program's lines.
    void marker(std::string_view text);

  private:
    struct Pipe {
        UniqueFd read, write;
        EventSource source;
        LineSplitter splitter;
        Stream stream;
        InstanceOutput* owner;
    };
    InstanceOutput() = default;
    static int on_readable(sd_event_source*, int fd, uint32_t, void* pipe);
    // Reads at most a bounded amount, so one chatty instance cannot hog the loop.
    void read_some(Pipe& p, size_t budget);

    Pipe pipes_[2];
    // Shared by the instances of one slot that run at once during a rolling restart.
    std::shared_ptr<LogWriter> writer_;
    int pid_ = 0;
};

}  // namespace tend
