// The file store's writes, commit and recovery: one write and one fdatasync per loop turn for
// every request ready in it (group commit), and nothing acted on before it is on disk.
#include "queue/daemon/file_job_store.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <map>

#include "queue/store/log_replay.hpp"
#include "supervisor/daemon/event_loop.hpp"
#include "supervisor/util/duration.hpp"

namespace tend::jobs {

namespace {
constexpr Usec kCommitRetry = std::chrono::seconds(1);
constexpr Usec kLazyFlush = std::chrono::milliseconds(200);
// The commit waits behind requests (group commit), but never longer than this: clients that
// keep the socket ready without pause (a flood from socket_group) cannot hold it back.
constexpr Usec kCommitGuard = std::chrono::milliseconds(5);

void append_cron(std::string& frames, const CronRecords& cron) {
    for (const auto& d : cron.defs)
        append_frame(frames, RecordType::cron_def, cron::encode_cron_def(d));
    for (const auto& s : cron.states)
        append_frame(frames, RecordType::cron_state, cron::encode_cron_state(s));
}
}  // namespace

FileJobStore::~FileJobStore() = default;

Result<std::unique_ptr<FileJobStore>> FileJobStore::open(FileJobStoreOptions options) {
    std::unique_ptr<FileJobStore> s(new FileJobStore(std::move(options)));
    s->path_ = s->opt_.state_dir + "/jobs.log";
    auto src =
        ev::add_defer(s->opt_.loop, &FileJobStore::on_commit, s.get(), "create the commit event");
    if (!src) return make_error(src.error());
    s->commit_source_ = std::move(*src);
    if (auto st = ev::set_priority(s->commit_source_.get(), ev::kCommitPriority,
                                   "order the commit event");
        !st)
        return make_error(st.error());
    if (auto st = ev::set_enabled(s->commit_source_.get(), SD_EVENT_OFF, "pause the commit event");
        !st)
        return make_error(st.error());
    return s;
}

Status FileJobStore::recover(RecoverySink& sink) {
    std::size_t undecodable = 0;  // intact frames whose payload this build cannot read
    auto visit = [&](const ScannedRecord& r) {
        replay_record(r, sink, undecodable, [this](const EnvRecord& e, const ScannedRecord& at) {
            envs_.restore(e.env_id, at.payload, at.payload_offset);
        });
    };
    auto opened = JobLog::open(opt_.state_dir, visit);
    if (!opened) return make_error(opened.error());
    log_ = std::move(opened->log);
    for (const auto& w : opened->warnings) opt_.warn("job log: " + w);
    if (undecodable > 0)
        opt_.warn("job log " + log_->path() + ": " + std::to_string(undecodable) +
                  " record(s) with a valid checksum could not be decoded and were skipped");
    needs_rewrite_ = opened->needs_rewrite;
    return ok_status();
}

void FileJobStore::recovered() {
    std::vector<std::uint32_t> used;
    for (const JobEntry* e : opt_.table->list(std::nullopt, std::nullopt, 0)) {
        used.push_back(e->env_id);
        live_bytes_ += e->spec_length + kLiveBytesPerJob;
    }
    std::sort(used.begin(), used.end());
    envs_.retain_only(used);
    if (needs_rewrite_) checkpoint();
    needs_rewrite_ = false;
}

void FileJobStore::enqueue(std::string frames, bool droppable, JobLog::Done done) {
    log_->enqueue(std::move(frames), droppable, std::move(done));
}

std::vector<SpecRef> FileJobStore::submit(std::vector<JobSpec>& specs,
                                          const std::vector<std::string>& env, CronRecords cron,
                                          SubmitDone done) {
    auto interned = envs_.intern(env);
    std::string frames;
    const std::size_t env_payload = interned.payload.size();
    if (interned.is_new) append_frame(frames, RecordType::env, interned.payload);
    for (auto& s : specs) s.env_id = interned.env_id;
    std::vector<SpecSpan> spans;
    const std::string payload = encode_submit(specs, &spans);
    const std::size_t submit_at = frames.size();
    append_frame(frames, RecordType::submit, payload);
    append_cron(frames, cron);
    std::vector<SpecRef> refs;
    refs.reserve(spans.size());
    for (const SpecSpan& sp : spans) {
        refs.push_back(SpecRef{0, sp.length});
        live_bytes_ += sp.length + kLiveBytesPerJob;
    }
    const bool env_new = interned.is_new;
    const std::uint32_t env_id = interned.env_id;
    enqueue(std::move(frames), true,
            [this, spans = std::move(spans), submit_at, env_new, env_id, env_payload,
             done = std::move(done)](Result<uint64_t> at) {
                if (!at) {
                    for (const SpecSpan& sp : spans) live_bytes_ -= sp.length + kLiveBytesPerJob;
                    if (env_new) envs_.forget(env_id);
                    return done(make_error(at.error()));
                }
                if (env_new)
                    envs_.set_location(env_id, *at + kFrameHeaderSize,
                                       static_cast<std::uint32_t>(env_payload));
                const std::uint64_t base = *at + submit_at + kFrameHeaderSize;
                std::vector<SpecRef> placed;
                placed.reserve(spans.size());
                for (const SpecSpan& sp : spans) placed.push_back({base + sp.offset, sp.length});
                done(std::move(placed));
            });
    request_commit();
    return refs;
}

void FileJobStore::record_status(std::vector<StatusRecord> changes, bool urgent,
                                 std::function<void()> durable) {
    std::string frames;
    for (const StatusRecord& c : changes)
        append_frame(frames, RecordType::status, encode_status(c));
    if (frames.empty() && !durable) return;
    if (frames.empty() && !log_->has_pending()) {
        // Nothing to write and nothing in flight: what the caller reports is already durable.
        durable();
        return;
    }
    urgent = urgent || durable != nullptr;
    enqueue(std::move(frames), false, [durable = std::move(durable)](Result<uint64_t>) {
        if (durable) durable();
    });
    if (urgent) return request_commit();
    arm_lazy_flush();
}

void FileJobStore::arm_lazy_flush() {
    constexpr const char* what = "arm the lazy flush of the job log";
    Status armed = ok_status();
    if (!lazy_timer_) {
        auto t = ev::add_time_relative(opt_.loop, CLOCK_MONOTONIC,
                                       static_cast<uint64_t>(kLazyFlush.count()), 10000,
                                       &FileJobStore::on_lazy_flush, this, what);
        if (t)
            lazy_timer_ = std::move(*t);
        else
            armed = make_error(t.error());
    } else if (sd_event_source_get_enabled(lazy_timer_.get(), nullptr) == 0) {
        armed = ev::rearm_after(lazy_timer_.get(), static_cast<uint64_t>(kLazyFlush.count()), what);
    }
    if (!armed) {
        // Committed now instead: sooner than needed, never later.
        opt_.warn(armed.error() + "; committing at once");
        request_commit();
    }
}

void FileJobStore::set_paused(const std::string& queue, bool paused,
                              std::function<void(Status)> done) {
    std::string frames;
    append_frame(frames, RecordType::queue_state, encode_queue_state({queue, paused}));
    enqueue(std::move(frames), true, [done = std::move(done)](Result<std::uint64_t> at) {
        if (!at) return done(make_error(at.error()));
        done(ok_status());
    });
    request_commit();
}

void FileJobStore::write_cron(CronRecords records, bool droppable,
                              std::function<void(Status)> done) {
    std::string frames;
    append_cron(frames, records);
    enqueue(std::move(frames), droppable, [done = std::move(done)](Result<uint64_t> at) {
        if (!at) return done(make_error(at.error()));
        done(ok_status());
    });
    request_commit();
}

int FileJobStore::on_lazy_flush(sd_event_source*, uint64_t, void* self) {
    auto* s = static_cast<FileJobStore*>(self);
    if (s->log_->has_pending()) s->request_commit();
    return 0;
}

void FileJobStore::request_commit() {
    // Enabling an existing source allocates nothing; should it fail, the next request (every
    // change and the commit retry make one) tries again.
    if (auto st = ev::set_enabled(commit_source_.get(), SD_EVENT_ONESHOT,
                                  "schedule a commit of the job log");
        !st)
        opt_.warn(st.error() + "; changes wait for the next commit");
    arm_commit_guard();
}

void FileJobStore::arm_commit_guard() {
    constexpr const char* what = "bound the wait of a commit";
    const auto after = static_cast<uint64_t>(kCommitGuard.count());
    if (!commit_guard_) {
        auto t = ev::add_time_relative(opt_.loop, CLOCK_MONOTONIC, after, 1000,
                                       &FileJobStore::on_commit_guard, this, what);
        // Without the guard the commit still runs once the requests ready before it are done.
        if (!t) return opt_.warn(t.error());
        commit_guard_ = std::move(*t);
        return;
    }
    // Counted from the oldest change waiting, so later requests do not push it back.
    if (sd_event_source_get_enabled(commit_guard_.get(), nullptr) > 0) return;
    if (auto st = ev::rearm_after(commit_guard_.get(), after, what); !st) opt_.warn(st.error());
}

int FileJobStore::on_commit_guard(sd_event_source*, uint64_t, void* self) {
    auto* s = static_cast<FileJobStore*>(self);
    if (sd_event_source_get_enabled(s->commit_source_.get(), nullptr) <= 0) return 0;
    (void)ev::set_enabled(s->commit_source_.get(), SD_EVENT_OFF, "run a held-back commit now");
    return on_commit(nullptr, self);
}

int FileJobStore::on_commit(sd_event_source*, void* self) {
    auto* s = static_cast<FileJobStore*>(self);
    if (s->commit_guard_)
        (void)ev::set_enabled(s->commit_guard_.get(), SD_EVENT_OFF, "disarm the commit guard");
    const bool writes = s->log_->has_pending();
    timespec t0{}, t1{};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    auto st = s->log_->commit();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (writes && st)
        s->commit_seconds_.observe(double(t1.tv_sec - t0.tv_sec) +
                                   double(t1.tv_nsec - t0.tv_nsec) / 1e9);
    if (!st) {
        ++s->commit_errors_;
        if (!s->commit_failing_) s->opt_.warn(st.error() + "; retrying every second");
        s->commit_failing_ = true;
        if (s->log_->has_pending() && !s->commit_retry_) {
            auto t = ev::add_time_relative(
                s->opt_.loop, CLOCK_MONOTONIC, static_cast<uint64_t>(kCommitRetry.count()), 100000,
                &FileJobStore::on_commit_retry, s, "time the next commit retry");
            if (t)
                s->commit_retry_ = std::move(*t);
            else  // the next change retries instead
                s->opt_.warn(t.error() + "; the next change retries the commit");
        }
    } else if (s->commit_failing_) {
        s->commit_failing_ = false;
        s->opt_.info("the job log is writable again: " + s->log_->path());
    }
    if (s->turn_hook_) s->turn_hook_();
    s->maybe_checkpoint();
    return 0;
}

int FileJobStore::on_commit_retry(sd_event_source*, uint64_t, void* self) {
    auto* s = static_cast<FileJobStore*>(self);
    s->commit_retry_.reset();
    s->request_commit();
    return 0;
}

JobStore::Figures FileJobStore::figures() const {
    Figures f;
    f.commit = &commit_seconds_;
    f.commit_errors = commit_errors_;
    if (log_) f.log_bytes = log_->size();
    return f;
}

Result<JobSpec> FileJobStore::read_spec(SpecRef where) const {
    auto bytes = log_->read_at(where.offset, where.length);
    if (!bytes) return make_error("cannot read its record: " + bytes.error());
    auto spec = decode_spec(*bytes);
    if (!spec) return make_error("its record is damaged: " + spec.error());
    return spec;
}

Result<std::vector<std::string>> FileJobStore::read_env(std::uint32_t env_id) const {
    const EnvTable::Entry* env = envs_.find(env_id);
    // Running with an empty environment instead would be a surprise of its own.
    if (!env) return make_error("its environment record is missing (a damaged job log)");
    auto env_bytes = log_->read_at(env->offset, env->length);
    auto rec =
        env_bytes ? decode_env(*env_bytes) : Result<EnvRecord>(make_error(env_bytes.error()));
    if (!rec) return make_error("cannot read its environment: " + rec.error());
    return std::move(rec->vars);
}

void FileJobStore::forget_jobs(const std::vector<JobId>& ids, std::uint64_t spec_bytes) {
    // What a compacted log would hold shrinks by exactly what they took: with an average
    // instead, pruning large jobs could leave the estimate too high for compaction ever to
    // start on an idle daemon.
    live_bytes_ -= std::min(live_bytes_, spec_bytes + kLiveBytesPerJob * ids.size());
}

}  // namespace tend::jobs
