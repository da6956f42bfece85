// tend jobs | show | wait | cancel | retry: looking at and acting on submitted jobs.
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <memory>
#include <optional>
#include <string_view>

#include "cmd/commands.hpp"
#include "cmd/job_view.hpp"
#include "cmd/job_wait.hpp"
#include "queue/core/job.hpp"

namespace tend::cli {

using json = nlohmann::json;

namespace {

struct JobsOptions {
    std::string queue;
    std::string state;
    long limit = 50;
};

std::string state_names() {
    std::string names;
    for (int i = 0; i < jobs::kJobStateCount; ++i)
        names += std::string(i ? ", " : "") + jobs::to_string(static_cast<jobs::JobState>(i));
    return names;
}

CLI::Option* add_ids(CLI::App* sub, std::vector<std::uint64_t>& ids, const char* help) {
    return sub->add_option("JOB", ids, help)->required()->check(job_id_validator())->type_name("");
}

// Writes a JSON array one page at a time, byte for byte what print_json prints for the whole
// array, so a listing of any length needs only one page in memory.
class JsonArrayWriter {
  public:
    JsonArrayWriter() : pretty_(isatty(1)) {}
    bool pretty() const { return pretty_; }
    void add(const json& page) {
        for (const json& j : page) {
            std::string text = j.dump(pretty_ ? 2 : -1, ' ', false, json::error_handler_t::replace);
            if (pretty_) {  // one level deeper inside the array
                std::string nested = "  ";
                for (char c : text) nested += c == '\n' ? std::string("\n  ") : std::string(1, c);
                text = std::move(nested);
            }
            separate();
            std::fwrite(text.data(), 1, text.size(), stdout);
        }
    }
    // Compact elements as tendd wrote them ("{...},{...}"), passed on without a parse.
    void add_raw(std::string_view elements) {
        if (elements.empty()) return;
        separate();
        std::fwrite(elements.data(), 1, elements.size(), stdout);
    }
    void finish() { std::fputs(count_ == 0 ? "[]\n" : (pretty_ ? "\n]\n" : "]\n"), stdout); }

  private:
    void separate() {
        std::fputs(count_++ == 0 ? (pretty_ ? "[\n" : "[") : (pretty_ ? ",\n" : ","), stdout);
    }
    bool pretty_;
    std::size_t count_ = 0;
};

// A page as tendd's encoder writes it, {"data":[JOBS],"ok":true,"v":1}: how many jobs, the
// last id and the elements' text, found without parsing. In JSON text `"id":` can only be a
// key (a quote inside a string is escaped), and only job objects have an "id" key.
struct RawPage {
    std::size_t jobs = 0;
    std::uint64_t last_id = 0;
    std::string_view elements;
};
std::optional<RawPage> raw_page(std::string_view line) {
    constexpr std::string_view head = "{\"data\":[", tail = "],\"ok\":true,\"v\":1}";
    if (line.size() < head.size() + tail.size() || line.substr(0, head.size()) != head ||
        line.substr(line.size() - tail.size()) != tail)
        return std::nullopt;
    RawPage p;
    p.elements = line.substr(head.size(), line.size() - head.size() - tail.size());
    constexpr std::string_view key = "\"id\":";
    std::size_t last = std::string_view::npos;
    for (std::size_t at = p.elements.find(key); at != std::string_view::npos;
         at = p.elements.find(key, at + key.size())) {
        ++p.jobs;
        last = at;
    }
    if (last != std::string_view::npos) {
        const char* digits = p.elements.data() + last + key.size();
        auto [end, ec] = std::from_chars(digits, p.elements.data() + p.elements.size(), p.last_id);
        if (ec != std::errc()) return std::nullopt;
    }
    return p;
}

// tendd answers at most kMaxListPage jobs per request (SPEC §8), so a longer listing is asked
// for page by page, each page starting below the last id of the one before; other clients
// are served between pages. The next page is asked for before this one is printed, so tendd
// and the CLI work at the same time, and compact --json output is passed on as tendd wrote it.
int run_jobs(const CliContext& ctx, const JobsOptions& o) {
    Connection conn(ctx, true);  // tendd down: the state dir answers (offline_jobs.hpp)
    JsonArrayWriter array;
    std::vector<std::vector<Cell>> rows;
    const std::int64_t now = wall_now_us();
    const std::size_t wanted = o.limit > 0 ? static_cast<std::size_t>(o.limit) : 0;
    std::size_t listed = 0;
    auto ask_page = [&](std::uint64_t before) {
        const std::size_t ask =
            wanted == 0 ? jobs::kMaxListPage : std::min(wanted - listed, jobs::kMaxListPage);
        json args = {{"limit", ask}};
        if (!o.queue.empty()) args["queue"] = o.queue;
        if (!o.state.empty()) args["state"] = o.state;
        if (before != 0) args["before"] = before;
        conn.send(protocol::encode_request({"jobs", args}));
        return ask;
    };
    std::size_t asked = ask_page(0);
    while (true) {
        const std::string line = conn.read_line("jobs");
        const std::optional<RawPage> raw = raw_page(line);
        json page;
        std::size_t count = 0;
        std::uint64_t last_id = 0;
        if (raw) {
            count = raw->jobs;
            last_id = raw->last_id;
        } else {  // an error, or another encoder: parse it
            page = reply_data("jobs", line);
            if (!page.is_array()) break;
            count = page.size();
            if (count > 0) {
                auto id = page.back().find("id");
                if (id != page.back().end() && id->is_number_unsigned())
                    last_id = id->get<std::uint64_t>();
            }
        }
        listed += count;
        // A short page is the last one; so is one without a usable id to go on from.
        const bool more = count >= asked && (wanted == 0 || listed < wanted) && last_id > 1;
        if (more) asked = ask_page(last_id);
        if (ctx.json && raw && !array.pretty()) {
            array.add_raw(raw->elements);
        } else {
            if (raw) page = reply_data("jobs", line);
            if (ctx.json)
                array.add(page);
            else
                append_job_rows(page, now, rows);
        }
        if (!more) break;
    }
    if (ctx.json) {
        array.finish();
    } else {
        print_job_table(rows, ctx.colour());
        if (wanted != 0 && listed >= wanted)
            std::fprintf(stderr, "(the newest %ld shown; --limit 0 shows all)\n", o.limit);
    }
    return kExitOk;
}

int run_wait(const CliContext& ctx, const std::vector<std::uint64_t>& ids) {
    const Deadline deadline = ctx.deadline();  // before connecting: a bad --timeout is usage
    Connection conn(ctx);
    const json done = wait_for_jobs(conn, ids, deadline);
    if (ctx.json) ctx.print_json(done);
    return jobs_exit_status(done, ids, !ctx.json);
}

// cancel and retry answer per job; any refusal makes the command fail.
int run_each(const CliContext& ctx, const std::string& cmd, const std::vector<std::uint64_t>& ids) {
    const json data = ctx.call(cmd, {{"ids", ids}});
    if (ctx.json) ctx.print_json(data);
    int status = kExitOk;
    const json results = data.is_object() ? data.value("results", json::array()) : json::array();
    for (const auto& r : results) {
        const std::string id = r.contains("id") ? r["id"].dump() : "?";
        if (r.value("ok", false)) {
            if (!ctx.json) {
                const json state = r.value("state", json());
                std::printf("job %s: %s\n", id.c_str(),
                            state.is_string() ? state.get<std::string>().c_str() : "done");
            }
        } else {
            const json e = r.value("error", json());
            std::fflush(stdout);
            std::fprintf(
                stderr, "tend: %s: %s\n", cmd.c_str(),
                e.is_string() ? e.get<std::string>().c_str() : ("job " + id + " failed").c_str());
            status = kExitFailed;
        }
    }
    return status;
}

}  // namespace

void register_job_commands(CLI::App& app, CliContext& ctx, Action& action) {
    auto o = std::make_shared<JobsOptions>();
    CLI::App* list = app.add_subcommand("jobs", "list jobs, newest first");
    list->add_option("-q,--queue", o->queue, "only jobs of this queue")->type_name("Q");
    list->add_option("-s,--state", o->state, "only jobs in this state: " + state_names())
        ->check(CLI::Validator(
            [](std::string& s) {
                return jobs::parse_job_state(s)
                           ? std::string()
                           : "unknown state \"" + s + "\"; the states are " + state_names();
            },
            ""))
        ->type_name("STATE");
    list->add_option("-n,--limit", o->limit, "show at most N jobs (default 50; 0: all)")
        ->check(CLI::Validator(
            [](std::string& n) {
                return n.find_first_not_of("0123456789") == std::string::npos && !n.empty()
                           ? std::string()
                           : "expected a number, 0 or more, not \"" + n + "\"";
            },
            ""))
        ->type_name("N");
    add_json_flag(list, ctx);
    list->callback([&ctx, &action, o] { action = [&ctx, o] { return run_jobs(ctx, *o); }; });

    auto show_id = std::make_shared<std::uint64_t>(0);
    CLI::App* show = app.add_subcommand(
        "show", "everything about one job: command, times, attempts, why it is not running");
    show->add_option("JOB", *show_id, "job id")
        ->required()
        ->check(job_id_validator())
        ->type_name("");
    add_json_flag(show, ctx);
    show->callback([&ctx, &action, show_id] {
        action = [&ctx, show_id] {
            print_job(ctx, ctx.call("show", {{"id", *show_id}}));
            return kExitOk;
        };
    });

    auto wait_ids = std::make_shared<std::vector<std::uint64_t>>();
    CLI::App* wait = app.add_subcommand("wait", "block until jobs finish; exit with their status");
    add_ids(wait, *wait_ids, "job ids");
    add_timeout_option(wait, ctx, "give up after this long (exit 124)");
    add_json_flag(wait, ctx);
    wait->footer(
        "Exit status: for each job in the order given, the first non-zero of: succeeded 0; "
        "failed or dead: its exit code, or 128+N if signal N killed it; cancelled: 128+N if a "
        "signal killed it, else its exit code if not 0, else 1. 124: --timeout elapsed.");
    wait->callback([&ctx, &action, wait_ids] {
        action = [&ctx, wait_ids] { return run_wait(ctx, *wait_ids); };
    });

    for (auto [name, help] : {std::pair{"cancel",
                                        "cancel pending or running jobs (running ones "
                                        "get TERM, then KILL after stop_timeout)"},
                              std::pair{"retry", "re-enqueue failed or dead jobs"}}) {
        auto ids = std::make_shared<std::vector<std::uint64_t>>();
        CLI::App* sub = app.add_subcommand(name, help);
        add_ids(sub, *ids, "job ids");
        add_json_flag(sub, ctx);
        std::string cmd = name;
        sub->callback([&ctx, &action, ids, cmd] {
            action = [&ctx, ids, cmd] { return run_each(ctx, cmd, *ids); };
        });
    }
}

}  // namespace tend::cli
