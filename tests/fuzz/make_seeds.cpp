// Writes the binary seeds of the records, log_scan and spool corpora with tend's own encoders.
// Run after a format change: build-fuzz/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "queue/core/record_format.hpp"
#include "queue/cron/cron_records.hpp"

namespace {

using namespace tend::jobs;

void write(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

JobSpec spec(JobId id, std::vector<std::string> argv) {
    JobSpec s;
    s.id = id;
    s.queue = "batch";
    s.name = "nightly";
    s.priority = -3;
    s.max_attempts = 3;
    s.timeout_us = 60'000'000;
    s.key = "report:2026-12-05";
    s.after = {1, 2};
    s.argv = std::move(argv);
    s.cwd = "/srv/app";
    s.env_id = 0;
    s.uid = 1000;
    s.gid = 1000;
    s.groups = {1000, 27};
    s.submitted_at = 1'764'900'000'000'000;
    s.run_at = 1'764'903'600'000'000;
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_make_seeds CORPUS_DIR\n");
        return 2;
    }
    const std::string dir = argv[1];
    const JobSpec one = spec(0, {"/bin/sh", "-c", "echo hello"});
    const JobSpec two = spec(0, {"backup", "--all"});
    const EnvRecord env{0, {"PATH=/usr/bin:/bin", "HOME=/root", "LANG=C.UTF-8"}};
    StatusRecord status;
    status.id = 7;
    status.status.state = JobState::failed;
    status.status.attempt = 2;
    status.status.max_attempts = 3;
    status.status.runs = 2;
    status.status.last_exit = ExitStatus{1, 0};
    status.status.pid = 4242;
    status.status.reason = "exit 1";
    tend::cron::CronDefRecord def;
    def.def.name = "nightly";
    def.def.schedule = "0 3 * * *";
    def.def.timezone = "Europe/Berlin";
    def.def.argv = {"/bin/report"};
    tend::cron::CronStateRecord cron_state{"nightly", 1'764'900'000, 7};

    // records: byte 0 picks the decoder (fuzz_records.cpp), the rest is the payload.
    const std::vector<std::pair<char, std::string>> payloads = {
        {0, encode_meta({42})},
        {1, encode_env(env)},
        {2, encode_status(status)},
        {3, encode_queue_state({"batch", true})},
        {4, encode_spec(spec(7, {"/bin/true"}))},
        {5, encode_submit({one, two})},
        {6, tend::cron::encode_cron_def(def)},
        {7, tend::cron::encode_cron_state(cron_state)},
    };
    const char* names[] = {"meta", "env",    "status",   "queue_state",
                           "spec", "submit", "cron_def", "cron_state"};
    for (const auto& [type, p] : payloads)
        write(dir + "/records/" + names[int(type)], std::string(1, type) + p);

    // log_scan: "\1xx" + a whole log (raw mode), as tendd writes one.
    std::string log = encode_file_header();
    append_frame(log, RecordType::meta, payloads[0].second);
    append_frame(log, RecordType::env, payloads[1].second);
    append_frame(log, RecordType::submit, payloads[5].second);
    append_frame(log, RecordType::status, payloads[2].second);
    append_frame(log, RecordType::queue_state, payloads[3].second);
    append_frame(log, RecordType::cron_def, payloads[6].second);
    append_frame(log, RecordType::cron_state, payloads[7].second);
    write(dir + "/log_scan/log", std::string("\1\0\0", 3) + log);
    // Structured mode: (type, length, payload) triples.
    std::string frames("\0\0\x20", 3);
    for (const auto& [type, p] : payloads)
        if (p.size() < 256) frames += std::string{char(type), char(p.size())} + p;
    write(dir + "/log_scan/frames", frames);

    // spool: "\1" + a spool file as `tend submit` writes it; "\x2a" + ENV and SUBMIT payloads.
    std::string spool = encode_file_header();
    append_frame(spool, RecordType::env, payloads[1].second);
    append_frame(spool, RecordType::submit, encode_submit({one, two}));
    write(dir + "/spool/spool_file", "\1" + spool);
    const std::string env_p = payloads[1].second;
    write(dir + "/spool/payloads",
          std::string(1, char(env_p.size() << 1)) + env_p + encode_submit({one}));
    return 0;
}
