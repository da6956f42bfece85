// Recovery at start: replay the job log, then kill what survived of jobs that were running.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <cstring>
#include <map>

#include "queue/cron/cron_records.hpp"
#include "queue/daemon/job_service.hpp"
#include "supervisor/daemon/pidfd.hpp"

namespace tend::jobs {

namespace {
// How long start-up waits for killed survivors to be gone before re-queueing their jobs.
constexpr int kSurvivorWaitMs = 5000;

// The value of TEND_JOB_MARK in /proc/PID/environ, or empty.
std::string job_mark_of(pid_t pid) {
    std::string path = "/proc/" + std::to_string(pid) + "/environ";
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return {};
    std::string env;
    char buf[65536];
    ssize_t n;
    while (env.size() < (1u << 20) && (n = read(fd.get(), buf, sizeof buf)) > 0)
        env.append(buf, static_cast<size_t>(n));
    static const std::string key = "TEND_JOB_MARK=";
    for (size_t pos = 0; pos < env.size();) {
        size_t end = env.find('\0', pos);
        if (end == std::string::npos) end = env.size();
        if (env.compare(pos, key.size(), key) == 0)
            return env.substr(pos + key.size(), end - pos - key.size());
        pos = end + 1;
    }
    return {};
}
}  // namespace

Status JobService::recover() {
    std::map<std::string, bool> paused;
    std::size_t undecodable = 0;  // intact frames whose payload this build cannot read
    auto visit = [&](const ScannedRecord& r) {
        switch (r.type) {
            case RecordType::meta:
                if (auto m = decode_meta(r.payload); m && m->next_id > sched_.next_id())
                    sched_.set_next_id(m->next_id);
                break;
            case RecordType::env:
                if (auto e = decode_env(r.payload))
                    envs_.restore(e->env_id, r.payload, r.payload_offset);
                break;
            case RecordType::submit: {
                auto spans = decode_submit_spans(r.payload);
                if (!spans) {
                    ++undecodable;
                    break;
                }
                for (const SpecSpan& sp : *spans) {
                    auto spec = decode_spec(r.payload.substr(sp.offset, sp.length));
                    if (!spec) {
                        ++undecodable;
                        continue;
                    }
                    sched_.ensure_queue(spec->queue);
                    if (!spec->spool_token.empty()) spool_tokens_in_log_.insert(spec->spool_token);
                    // A committed tick job is the durable proof that its tick fired.
                    if (auto tick = cron::parse_tick_key(spec->key))
                        cron_book_.apply_tick_job(tick->name, tick->tick_s, spec->id);
                    sched_.restore_submit(*spec, r.payload_offset + sp.offset, sp.length);
                }
                break;
            }
            case RecordType::status:
                if (auto s = decode_status(r.payload))
                    sched_.restore_status(s->id, s->status);
                else
                    ++undecodable;
                break;
            case RecordType::queue_state:
                if (auto q = decode_queue_state(r.payload))
                    paused[q->queue] = q->paused;
                else
                    ++undecodable;
                break;
            case RecordType::cron_def:
                if (auto d = cron::decode_cron_def(r.payload))
                    cron_book_.apply(*d);
                else
                    ++undecodable;
                break;
            case RecordType::cron_state:
                if (auto c = cron::decode_cron_state(r.payload))
                    cron_book_.apply(*c);
                else
                    ++undecodable;
                break;
        }
    };
    auto opened = JobLog::open(opt_.state_dir, visit);
    if (!opened) return make_error(opened.error());
    log_ = std::move(opened->log);
    for (const auto& w : opened->warnings) opt_.warn("job log: " + w);
    if (undecodable > 0)
        opt_.warn("job log " + log_->path() + ": " + std::to_string(undecodable) +
                  " record(s) with a valid checksum could not be decoded and were skipped");
    started_at_ = now();
    sched_.finish_restore(started_at_);
    for (const auto& [name, p] : paused) {
        sched_.ensure_queue(name);
        if (auto st = sched_.set_paused(name, p); !st) opt_.warn("job log: " + st.error());
    }
    std::vector<std::uint32_t> used;
    for (const JobEntry* e : sched_.list(std::nullopt, std::nullopt, 0)) {
        used.push_back(e->env_id);
        live_bytes_ += e->spec_length + kLiveBytesPerJob;
    }
    std::sort(used.begin(), used.end());
    envs_.retain_only(used);
    if (sched_.job_count() > 0)
        opt_.info("job log " + log_->path() + ": " + std::to_string(sched_.job_count()) +
                  " job(s), " + std::to_string(sched_.live_count()) + " not finished");
    if (opened->needs_rewrite) compact_now();
    return ok_status();
}

void JobService::settle_survivors() {
    const std::vector<JobId> running = sched_.running_jobs();
    if (running.empty()) return;
    std::map<std::string, JobId> marks;
    std::vector<UniqueFd> dying;
    auto kill_group = [&dying](pid_t pid) {
        if (int fd = pidfd_open_fd(pid); fd >= 0) dying.emplace_back(fd);
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    };
    for (JobId id : running) {
        const JobStatus& st = sched_.find(id)->status;
        marks[opt_.state_dir + ":" + std::to_string(id) + ":" + std::to_string(st.runs)] = id;
        // The recorded process, if it is still the same one (same start time), and its group.
        if (st.pid > 0 && st.pid_start != 0 && process_start_time(st.pid) == st.pid_start)
            kill_group(st.pid);
    }
    // Processes the record does not name (spawned just before the crash, or children that left
    // the group) still carry the job's mark in their environment.
    if (DIR* d = opendir("/proc")) {
        while (dirent* ent = readdir(d)) {
            char* end = nullptr;
            long pid = std::strtol(ent->d_name, &end, 10);
            if (*end != '\0' || pid <= 1 || pid == getpid()) continue;
            if (marks.count(job_mark_of(static_cast<pid_t>(pid))))
                kill_group(static_cast<pid_t>(pid));
        }
        closedir(d);
    }
    // A job must never run twice at the same time: wait until the old processes are gone.
    for (auto& fd : dying) {
        pollfd p{fd.get(), POLLIN, 0};
        poll(&p, 1, kSurvivorWaitMs);
    }
    if (!dying.empty())
        opt_.warn("killed " + std::to_string(dying.size()) +
                  " process(es) left over from jobs that were running when tendd stopped");
    for (JobId id : running) {
        sched_.interrupt(id, "interrupted: tendd stopped while it ran; re-queued");
        note(id, "interrupted: tendd stopped while it ran; re-queued without using an attempt");
    }
}

}  // namespace tend::jobs
