// tend logs PROGRAM[:N]|JOB [-f] [-n N]: captured output from log files or the journal.
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>

#include "cmd/commands.hpp"
#include "cmd/journal_api.hpp"
#include "cmd/log_files.hpp"
#include "queue/core/job.hpp"
#include "supervisor/util/timestamp.hpp"

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
    std::string label;  // "web:0", "job 5"
    std::string program;
    int instance = 0;
    std::vector<std::string> files;  // newest first
    std::uint64_t job = 0;           // a job's output rather than a program instance's
    std::string state;               // a job's state when the command started
    bool finished = false;           // a job that will write no more
    // A job that ran on another host (the PostgreSQL store): the output tail stored with its
    // last run, and that host; `live`: it runs there now.
    std::optional<std::string> tail;
    std::string host;
    bool live = false;
};

class Printer {
  public:
    Printer(const CliContext& ctx, const std::vector<Source>& sources, bool timestamps)
        : ctx_(ctx), sources_(sources), timestamps_(timestamps), colour_(ctx.colour()) {}
    void print(const LogLine& l) const {
        const Source& s = sources_[size_t(l.source)];
        if (ctx_.json) {
            json j = s.job ? json{{"job", s.job}}
                           : json{{"program", s.program}, {"instance", s.instance}};
            j.update({{"time", l.time}, {"stream", l.stream}, {"line", l.text}});
            std::printf("%s\n", j.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
        } else {
            std::string prefix;
            if (timestamps_ && !l.time.empty()) prefix += l.time + " " + l.stream + " ";
            if (sources_.size() > 1) prefix += s.label + " | ";
            // tendd's own lines in a job's output ("attempt 2 started") must not pass for the
            // job's; -t already names the stream.
            if (l.stream == "tend" && !timestamps_) prefix += "[tend] ";
            if (l.stream == "tend" && colour_)
                std::printf("%s\033[2m%s\033[0m\n", prefix.c_str(), l.text.c_str());
            else
                std::printf("%s%s\n", prefix.c_str(), l.text.c_str());
        }
    }

  private:
    const CliContext& ctx_;
    const std::vector<Source>& sources_;
    bool timestamps_;
    bool colour_;
};

// Follows the newest file of every source from where its tail ended (`start`), reopening it
// when the daemon rotates it. Without `stop`, forever; with it (a connection whose `wait`
// request answers once the followed jobs are finished), until it answers, after reading what
// the jobs wrote last.
void follow_files(const std::vector<Source>& sources, const std::vector<ReadPosition>& start,
                  const Printer& printer, Connection* stop) {
    UniqueFd in(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!in) throw CliError(kExitFailed, "logs -f: inotify", std::strerror(errno));
    struct Followed {
        UniqueFd fd;
        ino_t inode = 0;
        std::string partial;
        bool watched = false;
    };
    std::vector<Followed> f(sources.size());
    // `from`: the position the tail ended at; used only while the file is still that one.
    auto reopen = [&](size_t i, const ReadPosition* from) {
        f[i].fd.reset(
            open(sources[i].files[0].c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
        struct stat st {};
        if (f[i].fd && fstat(f[i].fd.get(), &st) == 0) {
            f[i].inode = st.st_ino;
            if (from && from->inode == static_cast<std::uint64_t>(st.st_ino))
                lseek(f[i].fd.get(), from->offset, SEEK_SET);
        }
    };
    auto drain = [&](size_t i) {
        char buf[65536];
        ssize_t n;
        while (f[i].fd && (n = read(f[i].fd.get(), buf, sizeof buf)) > 0) {
            f[i].partial.append(buf, size_t(n));
            size_t nl;
            while ((nl = f[i].partial.find('\n')) != std::string::npos) {
                printer.print(parse_stored_line(f[i].partial.substr(0, nl), int(i)));
                f[i].partial.erase(0, nl + 1);
            }
        }
        std::fflush(stdout);
    };
    // A job's output directory may not exist before it starts; such watches are retried.
    auto watch = [&](size_t i) {
        const std::string& path = sources[i].files[0];
        f[i].watched = inotify_add_watch(in.get(), path.substr(0, path.rfind('/')).c_str(),
                                         IN_MODIFY | IN_CREATE | IN_MOVED_TO) >= 0;
    };
    auto check = [&](size_t i) {
        drain(i);
        struct stat st {};
        // Rotated (or created): what is left in the old file was drained above.
        if (stat(sources[i].files[0].c_str(), &st) == 0 && st.st_ino != f[i].inode) {
            reopen(i, nullptr);
            drain(i);
        }
    };
    for (size_t i = 0; i < sources.size(); ++i) {
        watch(i);
        reopen(i, &start[i]);
        drain(i);  // what was written between the tail and the watch
    }
    char ev[4096];
    while (true) {
        bool all_watched = true;
        for (size_t i = 0; i < sources.size(); ++i) {
            if (!f[i].watched) watch(i);
            all_watched = all_watched && f[i].watched;
        }
        pollfd p[2] = {{in.get(), POLLIN, 0}, {stop ? stop->fd() : -1, POLLIN, 0}};
        if (poll(p, stop ? 2 : 1, all_watched ? -1 : 1000) < 0 && errno != EINTR)
            throw CliError(kExitFailed, "logs -f", std::strerror(errno));
        while (read(in.get(), ev, sizeof ev) > 0) {
        }
        for (size_t i = 0; i < sources.size(); ++i) check(i);
        if (stop && p[1].revents) {
            stop->read_reply("logs");  // the jobs are finished (or an error is thrown)
            for (size_t i = 0; i < sources.size(); ++i) check(i);
            return;
        }
    }
}

int show_journal(const std::vector<Source>& sources, const LogsOptions& o, const Printer& printer) {
    const JournalApi& sd = journal_api();
    sd_journal* j = nullptr;
    if (int r = sd.open(&j, SD_JOURNAL_LOCAL_ONLY); r < 0)
        throw CliError(kExitFailed, "cannot open the journal", std::strerror(-r));
    std::unique_ptr<sd_journal, decltype(sd.close)> guard(j, sd.close);
    std::map<std::pair<std::string, int>, int> index;
    // (TEND_PROGRAM=p AND TEND_INSTANCE=n) OR ... : the journal filters, so -n counts right.
    for (size_t i = 0; i < sources.size(); ++i) {
        index[{sources[i].program, sources[i].instance}] = int(i);
        std::string p = "TEND_PROGRAM=" + sources[i].program;
        std::string n = "TEND_INSTANCE=" + std::to_string(sources[i].instance);
        if (i > 0) sd.add_disjunction(j);
        sd.add_match(j, p.c_str(), 0);
        sd.add_match(j, n.c_str(), 0);
    }
    auto field = [&](const char* name) {
        const void* data;
        size_t len;
        if (sd.get_data(j, name, &data, &len) < 0) return std::string();
        std::string s(static_cast<const char*>(data), len);
        size_t eq = s.find('=');
        return eq == std::string::npos ? std::string() : s.substr(eq + 1);
    };
    auto emit = [&] {
        auto it = index.find({field("TEND_PROGRAM"), std::atoi(field("TEND_INSTANCE").c_str())});
        if (it == index.end()) return;
        uint64_t usec = 0;
        sd.get_realtime_usec(j, &usec);
        const std::string stream = field("TEND_STREAM");
        LogLine l{utc_timestamp(usec),
                  stream == "stderr" ? "err"
                  : stream == "tend" ? "tend"
                                     : "out",
                  field("MESSAGE"), it->second};
        printer.print(l);
    };
    // Position just before the last `lines` entries: one more than that back from the tail,
    // or the head when the journal holds fewer.
    if (o.lines < 0) {
        sd.seek_head(j);
    } else {
        sd.seek_tail(j);
        int moved = sd.previous_skip(j, uint64_t(o.lines) + 1);
        if (moved >= 0 && moved < o.lines + 1) sd.seek_head(j);
    }
    while (sd.next(j) > 0) emit();
    std::fflush(stdout);
    while (o.follow) {
        sd.wait(j, uint64_t(-1));
        while (sd.next(j) > 0) emit();
        std::fflush(stdout);
    }
    return kExitOk;
}

Source source_of(const json& d) {
    auto text = [&](const char* key) {
        auto it = d.find(key);
        return it != d.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    Source s;
    if (auto it = d.find("files"); it != d.end() && it->is_array())
        for (const auto& f : *it)
            if (f.is_string()) s.files.push_back(f.get<std::string>());
    if (auto it = d.find("job"); it != d.end() && it->is_number_unsigned()) {
        s.job = it->get<std::uint64_t>();
        s.label = "job " + std::to_string(s.job);
        s.state = text("state");
        auto state = jobs::parse_job_state(s.state);
        s.finished = state && jobs::is_finished(*state);
        if (auto t = d.find("tail"); t != d.end() && t->is_string()) {
            s.tail = t->get<std::string>();
            s.host = text("host");
            s.live = d.value("live", false);
        }
    } else {
        s.program = text("program");
        s.instance = d.value("instance", 0);
        s.label = s.program + ":" + std::to_string(s.instance);
    }
    return s;
}

// The last `n` lines (n < 0: all) of a stored output tail, in the log files' line format.
std::vector<LogLine> tail_text_lines(const std::string& text, long n, int source) {
    std::vector<LogLine> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t nl = text.find('\n', start);
        if (nl == std::string::npos) nl = text.size();
        lines.push_back(parse_stored_line(text.substr(start, nl - start), source));
        start = nl + 1;
    }
    if (n >= 0 && lines.size() > std::size_t(n)) lines.erase(lines.begin(), lines.end() - n);
    return lines;
}

// A job that ran elsewhere: say where its output is, and what is shown instead.
void note_tail(const Source& s) {
    if (s.live)
        std::fprintf(stderr,
                     "tend: logs: %s is running on host %s, which has its output; showing what "
                     "its previous run left in the database\n",
                     s.label.c_str(), s.host.c_str());
    else
        std::fprintf(stderr,
                     "tend: logs: %s ran on host %s; showing the end of its output kept in the "
                     "database (the whole output is on %s)\n",
                     s.label.c_str(), s.host.c_str(), s.host.c_str());
}

int run_logs(const CliContext& ctx, const LogsOptions& o) {
    json data = ctx.call("logs", {{"targets", o.targets}});
    std::vector<Source> files, journal, tails;
    for (const auto& d : data) {
        Source s = source_of(d);
        auto out = d.find("output");
        const std::string mode =
            out != d.end() && out->is_string() ? out->get<std::string>() : "file";
        if (mode == "journal")
            journal.push_back(s);
        else if (mode == "tail" && s.job && s.tail)
            tails.push_back(s);
        else if (mode == "file" && !s.files.empty())
            files.push_back(s);
        else if (s.job)
            std::fprintf(stderr, "tend: logs: job %llu has no captured output\n",
                         static_cast<unsigned long long>(s.job));
        else
            std::fprintf(stderr, "tend: logs: %s has output = null: nothing is captured\n",
                         s.label.c_str());
    }
    if (!journal.empty() && !(files.empty() && tails.empty()))
        throw CliError(kExitUsage, "logs: some targets log to the journal and some to files",
                       "ask for them separately, e.g. `tend logs PROGRAM`");
    if (!journal.empty()) {
        Printer p(ctx, journal, o.timestamps);
        return show_journal(journal, o, p);
    }
    // Stored tails after the files: the first `nfiles` sources are the ones -f can follow.
    const std::size_t nfiles = files.size();
    files.insert(files.end(), tails.begin(), tails.end());
    Printer printer(ctx, files, o.timestamps);
    std::vector<LogLine> all;
    std::vector<ReadPosition> ends(files.size());
    for (size_t i = 0; i < files.size(); ++i) {
        if (i >= nfiles) {
            note_tail(files[i]);
            auto lines = tail_text_lines(*files[i].tail, o.lines, int(i));
            all.insert(all.end(), lines.begin(), lines.end());
            continue;
        }
        // A file that is missing is not written yet; one we may not read would look empty.
        const std::string& newest = files[i].files[0];
        if (access(newest.c_str(), R_OK) != 0 && errno != ENOENT)
            throw CliError(
                kExitFailed, "logs: cannot read " + newest + ": " + std::strerror(errno),
                "captured output is kept in tendd's state dir, which this user may not read");
        auto lines = tail_log_files(files[i].files, o.lines, int(i), &ends[i]);
        const std::string& st = files[i].state;
        if (lines.empty() && !o.follow && (st == "scheduled" || st == "blocked" || st == "pending"))
            std::fprintf(stderr, "tend: logs: %s has not started yet (%s)\n",
                         files[i].label.c_str(), st.c_str());
        all.insert(all.end(), lines.begin(), lines.end());
    }
    // Interleave sources by time; each source's own order is kept for equal stamps.
    std::stable_sort(all.begin(), all.end(),
                     [](const LogLine& a, const LogLine& b) { return a.time < b.time; });
    if (o.lines >= 0 && all.size() > size_t(o.lines)) all.erase(all.begin(), all.end() - o.lines);
    for (const auto& l : all) printer.print(l);
    std::fflush(stdout);
    if (o.follow)
        for (size_t i = nfiles; i < files.size(); ++i)
            std::fprintf(stderr, "tend: logs: not following %s: its output is on host %s\n",
                         files[i].label.c_str(), files[i].host.c_str());
    files.resize(nfiles);
    if (!o.follow || files.empty()) return kExitOk;
    if (ctx.read_from_disk) {  // nothing is written while tendd is down
        std::fprintf(stderr, "tend: logs: not following: tendd is not running\n");
        return kExitOk;
    }
    // Programs never end, so with any program -f runs until interrupted; jobs alone end it
    // once all of them are finished.
    std::vector<std::uint64_t> live;
    bool programs = false;
    for (const auto& s : files) {
        programs = programs || !s.job;
        if (s.job && !s.finished) live.push_back(s.job);
    }
    if (programs) {
        follow_files(files, ends, printer, nullptr);
    } else if (!live.empty()) {
        Connection stop(ctx);
        stop.send(protocol::encode_request({"wait", {{"ids", live}}}));
        follow_files(files, ends, printer, &stop);
    }
    return kExitOk;
}

}  // namespace

void register_logs_command(CLI::App& app, CliContext& ctx, Action& action) {
    auto o = std::make_shared<LogsOptions>();
    CLI::App* sub = app.add_subcommand("logs", "captured output of programs and jobs");
    sub->add_option("target", o->targets, "PROGRAM, PROGRAM:INSTANCE or a job id")->required();
    sub->add_flag("-f,--follow", o->follow,
                  "keep printing new output (for jobs alone: until they are finished)");
    sub->add_option("-n,--lines", o->lines, "show the last N lines (default 10; -1: all)");
    sub->add_flag("-t,--timestamps", o->timestamps, "prefix each line with its time and stream");
    add_json_flag(sub, ctx);
    sub->callback([&ctx, &action, o] { action = [&ctx, o] { return run_logs(ctx, *o); }; });
}

}  // namespace tend::cli
