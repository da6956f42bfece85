// tend submit: enqueue one job, or one per line of standard input; when tendd is down, straight
// into PostgreSQL (queue_submit_url) or into the spool.
#include "cmd/submit_run.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include "cmd/job_view.hpp"
#include "cmd/job_wait.hpp"
#include "cmd/submit_direct.hpp"
#include "cmd/submit_direct_text.hpp"
#include "cmd/submit_time.hpp"
#include "cmd/usage_hint.hpp"
#include "queue/core/job_request_args.hpp"
#include "queue/store/spool.hpp"

extern char** environ;

namespace tend::cli {
namespace {

using json = nlohmann::json;

// A request line must stay under this; tendd refuses lines over 64 KiB.
constexpr size_t kMaxLineBytes = 48 * 1024;

long utc_offset_at(std::int64_t utc_s) {
    const time_t t = static_cast<time_t>(utc_s);
    tm local{};
    localtime_r(&t, &local);
    return local.tm_gmtoff;
}

// This process as the caller of a submit: its clock, zone, directory and environment.
Caller this_caller() {
    Caller c;
    c.now_us = wall_now_us();
    c.utc_offset_at = utc_offset_at;
    std::error_code ec;
    std::filesystem::path cwd = std::filesystem::current_path(ec);
    if (ec)
        c.cwd_error = ec.message();
    else
        c.cwd = cwd.string();
    c.environ = environ;
    return c;
}

// The job of a submit as the spool stores it: the request's arguments read by the same typed
// request tendd reads them with (so a new option needs no edit here), and the submitter.
jobs::JobSpec spool_spec(const json& args, std::int64_t now_us) {
    auto decoded = jobs::decode_job_args("submit", args);
    if (!*decoded) throw CliError(kExitInvalid, "submit: " + decoded->error());
    jobs::JobSpec s = std::get<jobs::SubmitRequest>(**decoded).shape;
    s.uid = getuid();
    s.gid = getgid();
    int n = getgroups(0, nullptr);
    std::vector<gid_t> groups(size_t(std::max(n, 0)));
    if (n > 0 && (n = getgroups(n, groups.data())) > 0)
        s.groups.assign(groups.begin(), groups.begin() + n);
    s.submitted_at = now_us;
    return s;
}

// tendd is not running: store the submit in the spool for tendd to take in when it starts.
// `direct_failure`: why PostgreSQL (queue_submit_url) could not be reached either, or "".
int spool(const CliContext& ctx, const SubmitForm& o, const std::vector<std::string>& env,
          const std::vector<jobs::JobSpec>& specs, const DaemonNotRunning& down,
          const std::string& direct_failure) {
    const std::string also =
        direct_failure.empty() ? "" : "; PostgreSQL (queue_submit_url) too: " + direct_failure;
    // The spool of the daemon behind the socket, never one it would not read (SPEC §8).
    std::string dir;
    try {
        dir = ctx.submit_spool();
    } catch (const CliError& e) {
        throw CliError(e.status, e.what() + also, e.hint);
    }
    auto token = jobs::write_spool_file(dir, specs, env);
    if (!token)
        throw CliError(kExitUnreachable,
                       "submit: " + std::string(down.what()) + also +
                           "; and the job could not be stored in the spool: " + token.error(),
                       down.hint);
    const std::string what =
        specs.size() == 1 ? "job stored" : std::to_string(specs.size()) + " jobs stored";
    std::fprintf(stderr,
                 "tend: tendd is not running (socket %s)%s; %s in the spool (%s/%s); tendd will "
                 "enqueue %s when it starts\n",
                 down.socket.c_str(), also.c_str(), what.c_str(), dir.c_str(), token->c_str(),
                 specs.size() == 1 ? "it" : "them");
    if (ctx.json) {
        if (o.from_stdin)
            ctx.print_json(
                {{"ids", json::array()}, {"spooled", true}, {"direct", false}, {"spool", *token}});
        else
            ctx.print_json({{"id", nullptr},
                            {"deduplicated", false},
                            {"spooled", true},
                            {"direct", false},
                            {"spool", *token}});
    }
    if (o.wait)
        throw CliError(kExitUnreachable, "submit: cannot wait: tendd is not running",
                       "the job stays in the spool; tendd enqueues it when it starts");
    return kExitOk;
}

// tendd is not running: straight into PostgreSQL when the config names queue_submit_url
// (design postgres.md §11), else, or when the database cannot be reached, the spool.
int when_down(const CliContext& ctx, const SubmitForm& o, const std::vector<std::string>& env,
              const std::vector<jobs::JobSpec>& specs, const DaemonNotRunning& down) {
    const DirectAttempt d = submit_direct(ctx, specs, env);
    if (d.state != DirectAttempt::State::submitted) return spool(ctx, o, env, specs, down, d.why);
    std::fprintf(stderr, "tend: %s\n", direct_note(d.ids).c_str());
    if (ctx.json) {
        if (o.from_stdin)
            ctx.print_json({{"ids", d.ids}, {"spooled", false}, {"direct", true}});
        else
            ctx.print_json({{"id", d.ids.front()},
                            {"deduplicated", bool(d.deduplicated.front())},
                            {"spooled", false},
                            {"direct", true}});
    } else {
        for (auto id : d.ids) std::printf("%lld\n", static_cast<long long>(id));
    }
    if (!o.from_stdin && d.deduplicated.front())
        std::fprintf(stderr, "tend: submit: deduplicated: job %lld already has key %s\n",
                     static_cast<long long>(d.ids.front()), o.key.c_str());
    if (o.wait)
        throw CliError(kExitUnreachable, "submit: cannot wait: tendd is not running",
                       "the job is in the database; `tend wait` it once tendd runs");
    return kExitOk;
}

int wait_and_report(Connection& conn, const std::vector<std::uint64_t>& ids) {
    std::fflush(stdout);
    return jobs_exit_status(wait_for_jobs(conn, ids, std::nullopt), ids, true);
}

int submit_one(const CliContext& ctx, const SubmitForm& o) {
    for (const auto& w : o.command)
        if (!is_utf8(w))
            throw CliError(kExitInvalid, "submit: the command is not valid UTF-8",
                           "tendd's protocol carries text only");
    const Caller caller = this_caller();
    json args = o.request_args(caller);
    if (!o.shell)
        refuse_shell_line(o.command, args["env"].get<std::vector<std::string>>(),
                          args["cwd"].get<std::string>(), "submit", "tend submit");
    std::vector<std::string> argv = o.command;
    if (o.shell) {
        std::string line;
        for (const auto& w : o.command) line += (line.empty() ? "" : " ") + w;
        argv = {line};
    }
    std::optional<Connection> conn;
    try {
        conn.emplace(ctx);
    } catch (const DaemonNotRunning& down) {
        args["argv"] = argv;
        args["shell"] = o.shell;
        return when_down(ctx, o, args["env"].get<std::vector<std::string>>(),
                         {spool_spec(args, caller.now_us)}, down);
    }
    args["argv"] = argv;
    args["shell"] = o.shell;
    const json data = conn->request("submit", args);
    const std::uint64_t id = data.value("id", std::uint64_t(0));
    const bool dedup = data.value("deduplicated", false);
    if (ctx.json)
        ctx.print_json(
            {{"id", id}, {"deduplicated", dedup}, {"spooled", false}, {"direct", false}});
    else
        std::printf("%llu\n", static_cast<unsigned long long>(id));
    if (dedup)
        std::fprintf(stderr, "tend: submit: deduplicated: job %llu already has key %s\n",
                     static_cast<unsigned long long>(id), o.key.c_str());
    return o.wait ? wait_and_report(*conn, {id}) : kExitOk;
}

// The non-empty lines of standard input, read in large chunks (a batch may be 100,000 lines).
struct InputLines {
    std::string data;
    std::vector<std::string_view> lines;
    std::vector<size_t> numbers;  // 1-based line numbers, for messages
};

void read_stdin(InputLines& in) {
    char chunk[1 << 16];
    while (true) {
        ssize_t n = read(0, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw CliError(kExitFailed, "submit: reading standard input", strerror(errno));
        if (n == 0) break;
        in.data.append(chunk, size_t(n));
    }
    std::string_view all(in.data);
    size_t number = 0;
    while (!all.empty()) {
        size_t nl = all.find('\n');
        std::string_view line = all.substr(0, nl);
        all.remove_prefix(nl == std::string_view::npos ? all.size() : nl + 1);
        ++number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        in.lines.push_back(line);
        in.numbers.push_back(number);
    }
}

int submit_batch(const CliContext& ctx, const SubmitForm& o) {
    InputLines in;
    read_stdin(in);
    if (in.lines.empty()) {
        std::fprintf(stderr, "tend: submit: standard input has no commands; nothing submitted\n");
        if (ctx.json)
            ctx.print_json({{"ids", json::array()}, {"spooled", false}, {"direct", false}});
        return kExitOk;
    }
    const Caller caller = this_caller();
    json args = o.request_args(caller);
    std::optional<Connection> conn;
    try {
        conn.emplace(ctx);
    } catch (const DaemonNotRunning& down) {
        std::vector<jobs::JobSpec> specs(in.lines.size(), spool_spec(args, caller.now_us));
        for (size_t i = 0; i < in.lines.size(); ++i) {
            specs[i].shell = true;
            specs[i].argv = {std::string(in.lines[i])};
        }
        return when_down(ctx, o, args["env"].get<std::vector<std::string>>(), specs, down);
    }
    args["batch"] = true;
    std::string tail = args.dump(-1, ' ', false, json::error_handler_t::replace);
    tail.pop_back();  // the closing brace: "lines" is appended as text
    const std::string final_start = request_prefix("submit") + tail + ",\"lines\":[";
    const std::string buffer_start = request_prefix("submit_lines") + "{\"lines\":[";
    constexpr size_t kClose = 4;  // "]}}\n"
    // Lines are escaped straight into the request text, a chunk per submit_lines request.
    std::string items, item;
    for (size_t i = 0; i < in.lines.size(); ++i) {
        item.clear();
        if (!append_json_string(item, in.lines[i]))
            throw CliError(kExitInvalid,
                           "submit: line " + std::to_string(in.numbers[i]) +
                               " of standard input is not valid UTF-8",
                           "tendd's protocol carries text only");
        if (buffer_start.size() + item.size() + kClose > kMaxLineBytes)
            throw CliError(kExitInvalid,
                           "submit: line " + std::to_string(in.numbers[i]) +
                               " of standard input is too long (" +
                               std::to_string(in.lines[i].size()) + " bytes)",
                           "a command line may be at most about 47 KiB");
        if (buffer_start.size() + items.size() + 1 + item.size() + kClose > kMaxLineBytes) {
            conn->request_line("submit_lines", buffer_start + items + "]}}\n");
            items.clear();
        }
        if (!items.empty()) items += ',';
        items += item;
    }
    // The last lines travel with the submit itself when they fit.
    if (!items.empty() && final_start.size() + items.size() + kClose > kMaxLineBytes) {
        conn->request_line("submit_lines", buffer_start + items + "]}}\n");
        items.clear();
    }
    const json data = conn->request_line("submit", final_start + items + "]}}\n");
    const std::uint64_t first = data.value("first_id", std::uint64_t(0));
    const std::uint64_t count = data.value("count", std::uint64_t(0));
    std::vector<std::uint64_t> ids(count);
    for (std::uint64_t k = 0; k < count; ++k) ids[k] = first + k;
    // A shared queue (PostgreSQL) may interleave another host's jobs with the batch's: it
    // then lists the ids.
    if (auto listed = data.find("ids"); listed != data.end() && listed->is_array()) {
        ids.clear();
        for (const auto& id : *listed)
            if (id.is_number_unsigned()) ids.push_back(id.get<std::uint64_t>());
    }
    if (ctx.json) {
        ctx.print_json({{"ids", ids}, {"spooled", false}, {"direct", false}});
    } else {
        std::string out;
        out.reserve(ids.size() * 8);
        char num[24];
        for (auto id : ids) {
            auto r = std::to_chars(num, num + sizeof num, id);
            out.append(num, r.ptr);
            out += '\n';
        }
        std::fwrite(out.data(), 1, out.size(), stdout);
    }
    return o.wait ? wait_and_report(*conn, ids) : kExitOk;
}

}  // namespace

int run_submit(const CliContext& ctx, const SubmitForm& o) {
    if (o.from_stdin && !o.command.empty())
        throw CliError(kExitUsage, "submit: --stdin reads the commands from standard input",
                       "give no CMD with --stdin");
    if (!o.from_stdin && o.command.empty())
        throw CliError(kExitUsage, "submit: no command given",
                       "e.g. `tend submit -- echo hello`, or `tend submit --stdin < jobs.txt`");
    if (o.from_stdin && !o.key.empty())
        throw CliError(kExitUsage, "submit: --key cannot be used with --stdin",
                       "every line would share the one key, so all but the first would be "
                       "deduplicated");
    return o.from_stdin ? submit_batch(ctx, o) : submit_one(ctx, o);
}

void refuse_shell_line(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                       const std::string& cwd, const std::string& command,
                       const std::string& retry) {
    const auto executable = [](const std::string& path) {
        struct stat st {};
        return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
               access(path.c_str(), X_OK) == 0;
    };
    const std::string line = shell_line_suggestion(argv, env, cwd, executable, retry);
    if (line.empty()) return;
    // Run as a program it would fail with 127 only once it starts; say so now.
    throw CliError(kExitUsage,
                   command + ": " + shell_quote(argv[0]) +
                       " is not a program: it looks like a shell command line",
                   "run it with a shell: " + line);
}

std::vector<std::string> capture_env(const std::vector<std::string>& overrides,
                                     const std::string& command) {
    return env_with_overrides(environ, overrides, command);
}

}  // namespace tend::cli
