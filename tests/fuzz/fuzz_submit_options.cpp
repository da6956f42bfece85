// Fuzzes how `tend` reads a `tend submit` command line: command_word, CLI11 with tend's global
// options and submit's table of options (cmd/submit_options.cpp), and the request the table
// writes, with a fixed caller. Nothing connects, reads the clock or runs a command.
#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cmd/command_word.hpp"
#include "cmd/commands.hpp"
#include "cmd/submit_options.hpp"
#include "queue/core/job_request_args.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

const char* const kEnviron[] = {"HOME=/root", "PATH=/usr/bin:/bin", "X=1", nullptr};

tend::cli::Caller fixed_caller() {
    tend::cli::Caller c;
    c.now_us = 1'800'000'000'000'000;
    c.utc_offset_at = [](std::int64_t utc_s) { return utc_s % 2 ? 3600L : -16200L; };
    c.cwd = "/home/user/dir";
    c.environ = kEnviron;
    return c;
}

// A refusal of the typed request is only for a value beyond what tendd accepts, which the
// command line's checks leave to tendd: a large --attempts, an --after id above 2^63, a time
// before 1970.
bool beyond_range(const std::string& error) {
    for (const char* field : {"\"attempts\"", "\"after\"", "\"run_at_us\"", "\"timeout_us\""})
        if (error.starts_with(field)) return true;
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    // The input is argv after "tend", NUL-separated (as /proc/PID/cmdline shows it).
    std::vector<std::string> args{"tend"};
    std::string cur;
    for (size_t i = 0; i < size; ++i) {
        if (bytes[i] == 0) {
            args.push_back(cur);
            cur.clear();
        } else {
            cur += static_cast<char>(bytes[i]);
        }
    }
    if (!cur.empty()) args.push_back(cur);
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    const int argc = static_cast<int>(argv.size());
    argv.push_back(nullptr);

    const std::string_view word = tend::cli::command_word(argc, argv.data());
    // The word is one of the arguments, never a piece of one.
    bool found = word.empty();
    for (const auto& a : args) found = found || a == word;
    FUZZ_CHECK(found);

    // What `tend` builds for `submit` (cmd/tend_main.cpp): global options and the one command.
    CLI::App app;
    tend::cli::CliContext ctx;
    tend::cli::SubmitForm form;
    app.require_subcommand(1);
    tend::cli::add_global_options(app, ctx);
    tend::cli::add_submit_command(app, ctx.json, form)->fallthrough();
    try {
        app.parse(argc, argv.data());
    } catch (const CLI::ParseError&) {
        return 0;
    }
    // CLI11 and command_word agree on what the command is.
    FUZZ_CHECK(word == "submit");

    nlohmann::json request;
    try {
        request = form.request_args(fixed_caller());
    } catch (const tend::cli::CliError& e) {
        FUZZ_CHECK(e.status == tend::cli::kExitUsage || e.status == tend::cli::kExitInvalid);
        return 0;
    }
    request["argv"] = form.command;
    request["shell"] = form.shell;
    // The request is one tendd's typed request reads, field for field.
    auto decoded = tend::jobs::decode_job_args("submit", request);
    FUZZ_CHECK(decoded.has_value());
    if (!*decoded) {
        FUZZ_CHECK(beyond_range(decoded->error()));
        return 0;
    }
    const auto& shape = std::get<tend::jobs::SubmitRequest>(**decoded).shape;
    FUZZ_CHECK(shape.queue == request["queue"].get<std::string>());
    FUZZ_CHECK(shape.key == form.key);
    FUZZ_CHECK(shape.argv == form.command);
    FUZZ_CHECK(shape.cwd == request["cwd"].get<std::string>());
    FUZZ_CHECK(!shape.cwd.empty() && shape.cwd[0] == '/');
    return 0;
}
