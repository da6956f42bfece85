// tend logs PROGRAM[:N] [-f] [-n N]: captured output from log files or the journal.
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/log_files.hpp"
#include "supervisor/daemon/log_writer.hpp"

namespace tend::cli {
namespace {

using json = nlohmann::json;

struct LogsOptions {
    std::vector<std::string> targets;
    bool follow = false;
    long lines = 10;
    bool timestamps = false;
};

struct Source {
    std::string label;  // "web:0"
    std::string program;
    int instance = 0;
    std::vector<std::string> files;  // newest first
};

class Printer {
  public:
    Printer(const CliContext& ctx, const std::vector<Source>& sources, bool timestamps)
        : ctx_(ctx), sources_(sources), timestamps_(timestamps) {}
    void print(const LogLine& l) const {
        const Source& s = sources_[size_t(l.source)];
        if (ctx_.json) {
            json j = {{"program", s.program},
                      {"instance", s.instance},
                      {"time", l.time},
                      {"stream", l.stream},
                      {"line", l.text}};
            std::printf("%s\n", j.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
        } else {
            std::string prefix;
            if (timestamps_ && !l.time.empty()) prefix += l.time + " " + l.stream + " ";
            if (sources_.size() > 1) prefix += s.label + " | ";
            std::printf("%s%s\n", prefix.c_str(), l.text.c_str());
        }
    }

  private:
    const CliContext& ctx_;
    const std::vector<Source>& sources_;
    bool timestamps_;
};

// Follows the newest file of every source from where its tail ended (`start`), reopening it
// when the daemon rotates it.
[[noreturn]] void follow_files(const std::vector<Source>& sources,
                               const std::vector<ReadPosition>& start, const Printer& printer) {
    int in = inotify_init1(IN_CLOEXEC);
    if (in < 0) throw CliError(kExitFailed, "logs -f: inotify", std::strerror(errno));
    struct Followed {
        int fd = -1;
        ino_t inode = 0;
        std::string partial;
    };
    std::vector<Followed> f(sources.size());
    // `from`: the position the tail ended at; used only while the file is still that one.
    auto reopen = [&](size_t i, const ReadPosition* from) {
        if (f[i].fd >= 0) close(f[i].fd);
        f[i].fd = open(sources[i].files[0].c_str(), O_RDONLY | O_CLOEXEC);
        struct stat st {};
        if (f[i].fd >= 0 && fstat(f[i].fd, &st) == 0) {
            f[i].inode = st.st_ino;
            if (from && from->inode == static_cast<std::uint64_t>(st.st_ino))
                lseek(f[i].fd, from->offset, SEEK_SET);
        }
    };
    auto drain = [&](size_t i) {
        char buf[65536];
        ssize_t n;
        while (f[i].fd >= 0 && (n = read(f[i].fd, buf, sizeof buf)) > 0) {
            f[i].partial.append(buf, size_t(n));
            size_t nl;
            while ((nl = f[i].partial.find('\n')) != std::string::npos) {
                printer.print(parse_stored_line(f[i].partial.substr(0, nl), int(i)));
                f[i].partial.erase(0, nl + 1);
            }
        }
        std::fflush(stdout);
    };
    for (size_t i = 0; i < sources.size(); ++i) {
        const std::string& path = sources[i].files[0];
        inotify_add_watch(in, path.substr(0, path.rfind('/')).c_str(),
                          IN_MODIFY | IN_CREATE | IN_MOVED_TO);
        reopen(i, &start[i]);
        drain(i);  // what was written between the tail and the watch
    }
    char ev[4096];
    while (true) {
        if (read(in, ev, sizeof ev) < 0 && errno != EINTR)
            throw CliError(kExitFailed, "logs -f", std::strerror(errno));
        for (size_t i = 0; i < sources.size(); ++i) {
            drain(i);
            struct stat st {};
            // Rotated: what is left in the old file was drained above; go on in the new one.
            if (stat(sources[i].files[0].c_str(), &st) == 0 && st.st_ino != f[i].inode) {
                reopen(i, nullptr);
                drain(i);
            }
        }
    }
}

int show_journal(const std::vector<Source>& sources, const LogsOptions& o, const Printer& printer) {
    sd_journal* j = nullptr;
    if (int r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY); r < 0)
        throw CliError(kExitFailed, "cannot open the journal", std::strerror(-r));
    std::unique_ptr<sd_journal, decltype(&sd_journal_close)> guard(j, sd_journal_close);
    std::map<std::pair<std::string, int>, int> index;
    // (TEND_PROGRAM=p AND TEND_INSTANCE=n) OR ... : the journal filters, so -n counts right.
    for (size_t i = 0; i < sources.size(); ++i) {
        index[{sources[i].program, sources[i].instance}] = int(i);
        std::string p = "TEND_PROGRAM=" + sources[i].program;
        std::string n = "TEND_INSTANCE=" + std::to_string(sources[i].instance);
        if (i > 0) sd_journal_add_disjunction(j);
        sd_journal_add_match(j, p.c_str(), 0);
        sd_journal_add_match(j, n.c_str(), 0);
    }
    auto field = [&](const char* name) {
        const void* data;
        size_t len;
        if (sd_journal_get_data(j, name, &data, &len) < 0) return std::string();
        std::string s(static_cast<const char*>(data), len);
        size_t eq = s.find('=');
        return eq == std::string::npos ? std::string() : s.substr(eq + 1);
    };
    auto emit = [&] {
        auto it = index.find({field("TEND_PROGRAM"), std::atoi(field("TEND_INSTANCE").c_str())});
        if (it == index.end()) return;
        uint64_t usec = 0;
        sd_journal_get_realtime_usec(j, &usec);
        LogLine l{utc_timestamp(usec), field("TEND_STREAM") == "stderr" ? "err" : "out",
                  field("MESSAGE"), it->second};
        printer.print(l);
    };
    // Position just before the last `lines` entries: one more than that back from the tail,
    // or the head when the journal holds fewer.
    if (o.lines < 0) {
        sd_journal_seek_head(j);
    } else {
        sd_journal_seek_tail(j);
        int moved = sd_journal_previous_skip(j, uint64_t(o.lines) + 1);
        if (moved >= 0 && moved < o.lines + 1) sd_journal_seek_head(j);
    }
    while (sd_journal_next(j) > 0) emit();
    std::fflush(stdout);
    while (o.follow) {
        sd_journal_wait(j, uint64_t(-1));
        while (sd_journal_next(j) > 0) emit();
        std::fflush(stdout);
    }
    return kExitOk;
}

int run_logs(const CliContext& ctx, const LogsOptions& o) {
    json data = ctx.call("logs", {{"targets", o.targets}});
    std::vector<Source> files, journal;
    for (const auto& d : data) {
        Source s{d.value("program", "") + ":" + std::to_string(d.value("instance", 0)),
                 d.value("program", ""), d.value("instance", 0),
                 d.value("files", std::vector<std::string>{})};
        std::string mode = d.value("output", "file");
        if (mode == "journal")
            journal.push_back(s);
        else if (mode == "file" && !s.files.empty())
            files.push_back(s);
        else
            std::fprintf(stderr, "tend: logs: %s has output = null: nothing is captured\n",
                         s.label.c_str());
    }
    if (!journal.empty() && !files.empty())
        throw CliError(kExitUsage, "logs: some targets log to the journal and some to files",
                       "ask for them separately, e.g. `tend logs PROGRAM`");
    if (!journal.empty()) {
        Printer p(ctx, journal, o.timestamps);
        return show_journal(journal, o, p);
    }
    Printer printer(ctx, files, o.timestamps);
    std::vector<LogLine> all;
    std::vector<ReadPosition> ends(files.size());
    for (size_t i = 0; i < files.size(); ++i) {
        auto lines = tail_log_files(files[i].files, o.lines, int(i), &ends[i]);
        all.insert(all.end(), lines.begin(), lines.end());
    }
    // Interleave instances by time; each instance's own order is kept for equal stamps.
    std::stable_sort(all.begin(), all.end(),
                     [](const LogLine& a, const LogLine& b) { return a.time < b.time; });
    if (o.lines >= 0 && all.size() > size_t(o.lines)) all.erase(all.begin(), all.end() - o.lines);
    for (const auto& l : all) printer.print(l);
    std::fflush(stdout);
    if (o.follow && !files.empty()) follow_files(files, ends, printer);
    return kExitOk;
}

}  // namespace

void register_logs_command(CLI::App& app, CliContext& ctx, Action& action) {
    auto o = std::make_shared<LogsOptions>();
    CLI::App* sub = app.add_subcommand("logs", "captured output of programs");
    sub->add_option("program", o->targets, "PROGRAM or PROGRAM:INSTANCE")->required();
    sub->add_flag("-f,--follow", o->follow, "keep printing new output");
    sub->add_option("-n,--lines", o->lines, "show the last N lines (default 10; -1: all)");
    sub->add_flag("-t,--timestamps", o->timestamps, "prefix each line with its time and stream");
    add_json_flag(sub, ctx);
    sub->callback([&ctx, &action, o] { action = [&ctx, o] { return run_logs(ctx, *o); }; });
}

}  // namespace tend::cli
