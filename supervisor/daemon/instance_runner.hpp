// The I/O shell around one InstanceMachine: spawning, timers, signals, output, pidfile.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "supervisor/config/config.hpp"
#include "supervisor/core/instance_event.hpp"
#include "supervisor/core/instance_machine.hpp"
#include "supervisor/daemon/child_reaper.hpp"
#include "supervisor/daemon/escapee_watch.hpp"
#include "supervisor/daemon/event_source.hpp"
#include "supervisor/daemon/instance_output.hpp"
#include "supervisor/daemon/listen_sockets.hpp"
#include "supervisor/daemon/notify_socket.hpp"
#include "supervisor/daemon/ready_probe.hpp"
#include "supervisor/daemon/spawner.hpp"

namespace tend {

class InstanceRunner;

// Shared by every runner of the daemon.
struct RunnerContext {
    sd_event* loop = nullptr;
    ChildReaper* reaper = nullptr;
    std::string state_dir;
    bool under_systemd = false;         // picks journald for output = "auto"
    std::vector<std::string> base_env;  // the daemon's environment minus its own systemd vars
    std::function<void(InstanceRunner&)> on_change;  // after every state change
    std::function<void(const std::string&)> warn;    // daemon log, for non-fatal problems
    std::function<void(const std::string&)> info;    // daemon log, for what happens
    std::function<void(InstanceEvent)> on_event;     // every transition (SPEC §5.8)
    std::optional<unsigned long> nofile_soft;        // the fd limit programs get
    std::string notify_prefix;      // abstract-socket names of notify sockets start with it
    std::uint64_t next_serial = 1;  // numbers runners, so two of one slot never share a name
    // Every process an instance left behind and tendd now holds (EscapeeWatch keeps it).
    std::unordered_set<pid_t> escapee_pids;
    // Log files by path: an old and a new instance of one slot, side by side during a rolling
    // restart, write through one writer so rotation stays consistent.
    std::map<std::string, std::weak_ptr<LogWriter>> file_logs;
    std::mt19937_64 rng{std::random_device{}()};
};

// What a program's instances share; replaced as a whole when the config changes.
struct ProgramRuntime {
    ProgramConfig config;
    std::optional<Credentials> credentials;
    int generation = 1;
    // `sockets`, bound by tendd (daemon.cpp) and shared by every instance and version.
    std::vector<std::shared_ptr<const ListenSocket>> sockets;
};

class InstanceRunner {
  public:
    InstanceRunner(RunnerContext& ctx, std::shared_ptr<const ProgramRuntime> program, int index);
    ~InstanceRunner();
    InstanceRunner(const InstanceRunner&) = delete;
    InstanceRunner& operator=(const InstanceRunner&) = delete;

    void start();
    void stop();
    void restart();
    Status send_signal(int sig);
    // For shutdown's deadline: SIGKILL the whole group now.
    void kill_now();
    // Being phased out (scaled away, replaced, removed): stops, and never starts again.
    void retire() {
        retired_ = true;
        stop();
    }
    bool retired() const { return retired_; }
    // A reload changed only policy keys: the instance keeps its process and takes them.
    void update_runtime(std::shared_ptr<const ProgramRuntime> runtime);

    const InstanceMachine& machine() const { return machine_; }
    // A process of the instance runs: its main process, or what that left behind.
    bool alive() const { return machine_.has_process() || (escapees_ && escapees_->count() > 0); }
    const std::string& program_name() const { return program_->config.name; }
    // The 0-based slot inside tendd (rollouts and scaling work on slots).
    int index() const { return index_; }
    // The number users see and {instance} expands to: the slot plus instance_offset.
    int number() const { return instance_number(program_->config, index_); }
    int generation() const { return program_->generation; }
    const std::shared_ptr<const ProgramRuntime>& runtime() const { return program_; }
    // Unique over the daemon's life; orders the runners of one slot by age.
    std::uint64_t serial() const { return serial_; }
    std::string label() const { return program_name() + ":" + std::to_string(number()); }
    // Number of processes spawned so far; lets a waiter see that a restart happened.
    std::uint64_t spawn_count() const { return spawns_; }
    // Paths of the log files of this instance, newest first (empty unless output is a file).
    std::vector<std::string> log_files() const;
    OutputMode effective_output() const { return output_mode_; }
    // The last exit counts against the instance for `tend status` (see instance_down).
    bool exited_badly() const;
    nlohmann::json status_json(Usec now) const;

  private:
    void apply(const Effects& e);
    // Records an event when the machine's state or process changed since the last one (or
    // `force`): a marker in the program's log, then ctx_.on_event. `why` overrides the
    // machine's reason.
    void note_transition(bool force = false, const std::string& why = {});
    void spawn();
    void start_readiness(Usec now);
    void on_notify(const NotifySocket::Fields& fields);
    bool own_process(pid_t pid) const;
    void adopt_main_pid(const std::string& value);
    static int on_main_gone(sd_event_source*, int fd, uint32_t, void* self);
    void on_exit(const ExitInfo& raw);
    // Finds and holds what the ending main process `pid` left behind; returns how many.
    int hold_escapees(pid_t pid);
    void arm_timer(Usec at);
    static int on_timer(sd_event_source*, uint64_t, void* self);
    double jitter() { return std::uniform_real_distribution<double>(0, 1)(ctx_.rng); }
    std::optional<std::string> pidfile_path() const;
    // output = file: the writer of log_file (or the state dir's file), shared per path; null
    // when its directory is refused (warned).
    std::shared_ptr<LogWriter> file_writer();

    RunnerContext& ctx_;
    std::shared_ptr<const ProgramRuntime> program_;
    int index_;
    std::uint64_t serial_;
    bool retired_ = false;
    InstanceMachine machine_;
    OutputMode output_mode_;
    std::unique_ptr<InstanceOutput> output_;
    std::string log_path_;
    std::shared_ptr<LogWriter> writer_;  // output = file: what output_ writes through
    EventSource timer_;
    std::string exec_error_;
    UniqueFd pidfd_;
    int group_ = 0;  // process group (= pid of the main process) while it exists
    std::uint64_t spawns_ = 0;
    SpawnSpec spec_;  // argv/env/cwd of this instance, built once per program version
    std::unique_ptr<NotifySocket> notify_;  // ready = notify: this instance's NOTIFY_SOCKET
    std::unique_ptr<ReadyProbe> probe_;     // tcp/http/command: while awaiting readiness
    std::string status_text_;               // the last STATUS= of the program
    std::string ready_note_;                // what the last readiness probe saw
    EventSource main_watch_;  // after MAINPID=: the new main process's pidfd, for its exit
    // The processes an ended main process left (kept once made; empty between uses).
    std::unique_ptr<EscapeeWatch> escapees_;
    // What the last event said, to see the next transition.
    InstanceState noted_state_ = InstanceState::stopped;
    int noted_pid_ = 0;
    std::optional<ExitInfo> pending_exit_;  // the exit being handled, for its event
    int exited_pid_ = 0;                    // and the process that exited
};

}  // namespace tend
