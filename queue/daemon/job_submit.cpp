// Submitting jobs: checks, one durable batch per request, and the spool taken in from `tend
// submit`.
#include <sys/inotify.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "queue/daemon/job_service.hpp"
#include "queue/store/spool.hpp"
#include "supervisor/daemon/state_lock.hpp"

namespace tend::jobs {

namespace {
using Kind = JobReply::Kind;
// A --stdin batch is held in memory until its `submit`; this bounds one client's share.
constexpr std::size_t kMaxBatchBytes = 256u << 20;
}  // namespace

std::optional<JobReply> JobService::check_shape(const SubmitRequest& r) const {
    if (stopping_) return JobReply::error(Kind::failed, "tendd is shutting down");
    const JobSpec& s = r.shape;
    if (r.batch) {
        if (!s.key.empty())
            return JobReply::error(Kind::bad_request, "--key cannot be used with a batch");
    } else if (s.argv.empty() || s.argv[0].empty()) {
        return JobReply::error(Kind::bad_request, "\"argv\" must name a command");
    }
    if (s.cwd.empty() || s.cwd[0] != '/')
        return JobReply::error(Kind::bad_request, "\"cwd\" must be an absolute path");
    // The keys of cron ticks prove, in the log, that a tick fired (SPEC §7).
    if (s.key.starts_with("cron:"))
        return JobReply::error(Kind::bad_request,
                               "keys starting with \"cron:\" are reserved for cron entries");
    if (s.max_attempts > 1000000)
        return JobReply::error(Kind::bad_request, "\"attempts\" must be at most 1000000");
    return std::nullopt;
}

void JobService::submit(SubmitRequest r, JobReplier reply) {
    if (auto bad = check_shape(r)) return reply(*bad);
    JobSpec& s = r.shape;
    if (!s.key.empty()) {
        if (auto id = sched_.find_key(r.peer_uid, s.key)) {
            JobId existing = *id;
            after_durable([reply, existing] {
                reply(JobReply::ok({{"id", existing}, {"deduplicated", true}}));
            });
            flush_changes();
            return;
        }
    }
    const std::size_t count = r.batch ? r.lines.size() : 1;
    if (r.batch && count == 0) return reply(JobReply::ok({{"first_id", nullptr}, {"count", 0}}));
    if (auto refusal = sched_.check_submit(s, count))
        return reply(JobReply::error(refusal->full      ? Kind::full
                                     : refusal->unknown ? Kind::invalid
                                                        : Kind::bad_request,
                                     refusal->message));
    s.submitted_at = now();
    s.uid = r.peer_uid;
    s.gid = r.peer_gid;
    s.groups = r.peer_groups;
    std::vector<JobSpec> specs;
    specs.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        JobSpec spec = s;
        spec.id = sched_.allocate_id();
        if (r.batch) {
            spec.shell = true;
            spec.argv = {std::move(r.lines[i])};
        }
        specs.push_back(std::move(spec));
    }
    const bool batch = r.batch;
    commit_submit(std::move(specs), r.env, [reply, batch](Result<std::vector<JobId>> ids) {
        if (!ids) return reply(JobReply::error(Kind::failed, "job not stored: " + ids.error()));
        if (batch)
            reply(JobReply::ok({{"first_id", ids->front()}, {"count", ids->size()}}));
        else
            reply(JobReply::ok({{"id", ids->front()}, {"deduplicated", false}}));
    });
}

JobReply JobService::buffer_lines(std::uint64_t client, std::vector<std::string> lines) {
    auto& bytes = batch_bytes_[client];
    auto& held = batches_[client];
    for (auto& l : lines) {
        bytes += l.size() + 32;
        if (bytes > kMaxBatchBytes) {
            batches_.erase(client);
            batch_bytes_.erase(client);
            return JobReply::error(Kind::bad_request, "batch larger than 256 MiB; split it");
        }
        if (!l.empty()) held.push_back(std::move(l));
    }
    return JobReply::ok({{"buffered", held.size()}});
}

void JobService::submit_buffered(std::uint64_t client, SubmitRequest r, JobReplier reply) {
    auto it = batches_.find(client);
    if (it != batches_.end()) {
        std::vector<std::string> lines = std::move(it->second);
        batches_.erase(it);
        batch_bytes_.erase(client);
        for (auto& l : r.lines)
            if (!l.empty()) lines.push_back(std::move(l));
        r.lines = std::move(lines);
    }
    submit(std::move(r), std::move(reply));
}

void JobService::client_gone(std::uint64_t client) {
    batches_.erase(client);
    batch_bytes_.erase(client);
    std::erase_if(waiters_, [client](const Waiter& w) { return w.client == client; });
}

void JobService::commit_submit(std::vector<JobSpec> specs, const std::vector<std::string>& env,
                               std::function<void(Result<std::vector<JobId>>)> done,
                               std::string extra_frames) {
    auto interned = envs_.intern(env);
    std::string frames;
    const std::size_t env_payload = interned.payload.size();
    if (interned.is_new) append_frame(frames, RecordType::env, interned.payload);
    for (auto& s : specs) s.env_id = interned.env_id;
    std::vector<SpecSpan> spans;
    const std::string payload = encode_submit(specs, &spans);
    const std::size_t submit_at = frames.size();
    append_frame(frames, RecordType::submit, payload);
    frames += extra_frames;
    // In the table at once, so dispatch in this same turn can choose them; nothing starts before
    // the commit that makes the submit durable.
    const WallUs t = now();
    std::vector<JobId> ids;
    ids.reserve(specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
        sched_.add(specs[i], spans[i].length, t);
        live_bytes_ += spans[i].length + kLiveBytesPerJob;
        ids.push_back(specs[i].id);
    }
    const bool env_new = interned.is_new;
    const std::uint32_t env_id = interned.env_id;
    log_->enqueue(std::move(frames), true,
                  [this, ids, spans = std::move(spans), submit_at, env_new, env_id, env_payload,
                   done = std::move(done)](Result<uint64_t> at) {
                      if (!at) {
                          for (std::size_t i = 0; i < ids.size(); ++i) {
                              sched_.remove_uncommitted(ids[i]);
                              live_bytes_ -= spans[i].length + kLiveBytesPerJob;
                          }
                          if (env_new) envs_.forget(env_id);
                          return done(make_error(at.error()));
                      }
                      if (env_new)
                          envs_.set_location(env_id, *at + kFrameHeaderSize,
                                             static_cast<std::uint32_t>(env_payload));
                      const std::uint64_t base = *at + submit_at + kFrameHeaderSize;
                      for (std::size_t i = 0; i < ids.size(); ++i)
                          sched_.set_spec_location(ids[i], base + spans[i].offset, spans[i].length);
                      done(ids);
                  });
    request_commit();
    pump();
}

void JobService::submit_internal(std::vector<JobSpec> specs, const std::vector<std::string>& env,
                                 std::string extra_frames,
                                 std::function<void(Result<std::vector<JobId>>)> done) {
    if (stopping_) return done(make_error("tendd is shutting down"));
    if (specs.empty()) return done(std::vector<JobId>{});
    if (auto refusal = sched_.check_submit(specs.front(), specs.size()))
        return done(make_error(refusal->message));
    const WallUs t = now();
    for (auto& s : specs) {
        s.id = sched_.allocate_id();
        s.submitted_at = t;
    }
    commit_submit(std::move(specs), env, std::move(done), std::move(extra_frames));
}

void JobService::write_records(std::string frames, bool droppable,
                               std::function<void(Status)> done) {
    log_->enqueue(std::move(frames), droppable, [done = std::move(done)](Result<uint64_t> at) {
        if (!at) return done(make_error(at.error()));
        done(ok_status());
    });
    request_commit();
}

void JobService::start_spool_intake() {
    const std::string dir = spool_dir(opt_.state_dir);
    if (auto st = make_dirs(dir, 0700); !st) {
        opt_.warn("the spool is not watched: " + st.error());
    } else {
        spool_inotify_.reset(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
        if (!spool_inotify_ || inotify_add_watch(spool_inotify_.get(), dir.c_str(),
                                                 IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
            opt_.warn("the spool " + dir + " is not watched: " + std::strerror(errno) +
                      "; spooled jobs are taken in when tendd starts");
        } else {
            sd_event_source* s = nullptr;
            sd_event_add_io(opt_.loop, &s, spool_inotify_.get(), EPOLLIN,
                            &JobService::on_spool_event, this);
            spool_source_.reset(s);
        }
    }
    // Watch first, then scan: a file spooled in between is seen by one or the other, and a
    // file seen by both is taken in once (spool_in_flight_).
    for (const auto& token : list_spool(opt_.state_dir)) import_spool(token);
    spool_tokens_in_log_.clear();
}

int JobService::on_spool_event(sd_event_source*, int fd, uint32_t, void* self) {
    auto* s = static_cast<JobService*>(self);
    alignas(inotify_event) char buf[16384];
    // Bounded: one read per event; more events make the fd readable again.
    ssize_t n = read(fd, buf, sizeof buf);
    for (ssize_t off = 0; n > 0 && off < n;) {
        auto* ev = reinterpret_cast<inotify_event*>(buf + off);
        off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        if (ev->len == 0) continue;
        std::string name(ev->name);
        // Temporary files, and damaged ones set aside (their rename is an event too).
        if (name.empty() || name[0] == '.' || name.ends_with(".damaged")) continue;
        s->import_spool(name);
    }
    return 0;
}

void JobService::import_spool(const std::string& token) {
    if (stopping_ || spool_in_flight_.count(token)) return;
    if (spool_tokens_in_log_.count(token)) {
        // Committed before a crash that came before the file was removed.
        remove_spool_file(opt_.state_dir, token);
        return;
    }
    auto entry = read_spool_file(opt_.state_dir, token);
    if (!entry) {
        // Gone already (taken in through another event) is not damage.
        if (access((spool_dir(opt_.state_dir) + "/" + token).c_str(), F_OK) != 0) return;
        opt_.warn("spool: " + entry.error() + "; the file is set aside as " + token + ".damaged");
        set_aside_spool_file(opt_.state_dir, token);
        return;
    }
    std::vector<JobSpec> specs;
    std::vector<std::string> refused;
    for (auto& spec : entry->specs) {
        if (!spec.key.empty() && sched_.find_key(spec.uid, spec.key)) continue;  // deduplicated
        spec.id = sched_.allocate_id();
        spec.spool_token = token;
        sched_.ensure_queue(spec.queue);
        specs.push_back(std::move(spec));
    }
    if (specs.empty()) {
        remove_spool_file(opt_.state_dir, token);
        return;
    }
    spool_in_flight_.insert(token);
    std::vector<JobId> unconfigured;
    for (const auto& s : specs) {
        auto q = sched_.queue_index(s.queue);
        if (q && !sched_.queues()[*q].configured) unconfigured.push_back(s.id);
    }
    const std::size_t n = specs.size();
    commit_submit(std::move(specs), entry->env, [this, token, n](Result<std::vector<JobId>> ids) {
        spool_in_flight_.erase(token);
        if (!ids) {
            opt_.warn("spool: cannot take in " + token + ": " + ids.error() +
                      "; it stays in the spool until tendd restarts");
            return;
        }
        remove_spool_file(opt_.state_dir, token);
        opt_.info("took " + std::to_string(n) + " spooled job(s) from " + token);
    });
    // Acknowledged by `tend submit` already, so they are kept, but a queue that is not
    // configured would hold them forever: they are cancelled with the reason.
    for (JobId id : unconfigured)
        sched_.cancel(id, now(), "its queue is not configured in tend.toml");
    pump();
}

}  // namespace tend::jobs
