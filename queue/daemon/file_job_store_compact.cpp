// Compacting the job log in bounded steps: what the table still holds, written to a new file
// while the live one keeps taking commits, then switched over.
#include <algorithm>
#include <cstdlib>

#include "queue/daemon/file_job_store.hpp"
#include "supervisor/daemon/event_loop.hpp"

namespace tend::jobs {

namespace {
constexpr std::size_t kJobsPerCompactStep = 4096;
constexpr std::size_t kTailBytesPerStep = 4u << 20;

// Compaction starts once the log is both this large and twice what a compacted copy would be.
std::uint64_t compact_min_bytes() {
    // TEND_COMPACT_MIN_BYTES lets tests exercise compaction on small logs.
    if (const char* v = std::getenv("TEND_COMPACT_MIN_BYTES")) return std::strtoull(v, nullptr, 10);
    return 64ull << 20;
}
}  // namespace

void FileJobStore::maybe_checkpoint() {
    if (compaction_ || stopping_) return;
    const std::uint64_t size = log_->size();
    if (size < compact_min_bytes() || size < 2 * live_bytes_ + 4096) return;
    checkpoint();
}

void FileJobStore::checkpoint() {
    if (compaction_ || log_->compacting()) return;
    const Scheduler& sched = *opt_.table;
    // Head: the next id, queue states, every environment a retained job uses, and cron state.
    std::string head;
    append_frame(head, RecordType::meta, encode_meta({sched.next_id()}));
    for (std::uint16_t i = 0; i < sched.queues().size(); ++i)
        if (sched.paused(i))
            append_frame(head, RecordType::queue_state,
                         encode_queue_state({sched.queues()[i].name, true}));
    auto c = std::make_unique<Compaction>();
    auto all = sched.list(std::nullopt, std::nullopt, 0);
    std::vector<std::uint32_t> used;
    used.reserve(all.size());
    for (const JobEntry* e : all) used.push_back(e->env_id);
    std::sort(used.begin(), used.end());
    used.erase(std::unique(used.begin(), used.end()), used.end());
    // Environments of pruned jobs are left behind; uncommitted ones reach the new file in the tail.
    envs_.retain_only(used);
    for (const auto& [id, entry] : envs_.entries()) {
        if (entry.length == 0) continue;
        auto bytes = log_->read_at(entry.offset, entry.length);
        if (!bytes) {
            opt_.warn("compaction skipped: " + bytes.error());
            return;
        }
        append_frame(head, RecordType::env, *bytes);
        c->moved_envs.emplace_back(id, kFileHeaderSize + head.size() - bytes->size());
    }
    // Cron entries added by `tend cron add` and every entry's last tick (after the
    // environments, whose offsets were taken above).
    if (opt_.cron) head += opt_.cron->snapshot_frames();
    if (auto st = log_->begin_compaction(head); !st) {
        opt_.warn("compaction skipped: " + st.error());
        return;
    }
    c->ids.reserve(all.size());
    for (const JobEntry* e : all) c->ids.push_back(e->id);
    std::sort(c->ids.begin(), c->ids.end());
    compaction_ = std::move(c);
    constexpr const char* what = "schedule the compaction steps";
    auto s = ev::add_defer(opt_.loop, &FileJobStore::on_compact_step, this, what);
    Status st = s ? ev::set_priority(s->get(), ev::kBulkPriority, what) : make_error(s.error());
    if (st) st = ev::set_enabled(s->get(), SD_EVENT_ON, what);  // a step per turn until done
    if (!st) {
        // The old log stays in force; the next commit tries to compact again.
        log_->abort_compaction();
        compaction_.reset();
        opt_.warn("compaction abandoned: " + st.error());
        return;
    }
    compact_source_ = std::move(*s);
    opt_.info("compacting the job log (" + std::to_string(log_->size()) + " bytes, " +
              std::to_string(compaction_->ids.size()) + " jobs kept)");
}

int FileJobStore::on_compact_step(sd_event_source*, void* self) {
    static_cast<FileJobStore*>(self)->compact_step();
    return 0;
}

void FileJobStore::compact_step() {
    Compaction& c = *compaction_;
    const Scheduler& sched = *opt_.table;
    auto abort = [this](const std::string& why) {
        log_->abort_compaction();
        compaction_.reset();
        compact_source_.reset();
        opt_.warn("compaction abandoned: " + why);
    };
    std::string frames;
    std::vector<std::pair<JobId, std::size_t>> at;  // spec offset within `frames`
    const std::size_t end = std::min(c.ids.size(), c.next + kJobsPerCompactStep);
    for (; c.next < end; ++c.next) {
        const JobEntry* e = sched.find(c.ids[c.next]);
        if (!e || e->spec_length == 0 || e->spec_offset >= log_->compaction_start()) continue;
        auto bytes = log_->read_at(e->spec_offset, e->spec_length);
        if (!bytes) return abort(bytes.error());
        auto spec = decode_spec(*bytes);
        if (!spec) return abort("job " + std::to_string(e->id) + ": " + spec.error());
        std::vector<SpecSpan> spans;
        const std::string payload = encode_submit({*spec}, &spans);
        at.emplace_back(e->id, frames.size() + kFrameHeaderSize + spans[0].offset);
        append_frame(frames, RecordType::submit, payload);
        append_frame(frames, RecordType::status, encode_status({e->id, e->status}));
    }
    if (!frames.empty()) {
        auto base = log_->compact_append(frames);
        if (!base) return abort(base.error());
        for (auto [id, off] : at) c.moved.emplace_back(id, *base + off);
    }
    if (c.next < c.ids.size()) return;  // the defer source runs again next turn
    auto done = log_->compact_finish_step(kTailBytesPerStep);
    if (!done) return abort(done.error());
    if (*done) finish_compaction();
}

void FileJobStore::finish_compaction() {
    Compaction& c = *compaction_;
    Scheduler& sched = *opt_.table;
    const std::uint64_t start = log_->compaction_start();
    const std::int64_t delta = log_->tail_delta();
    // Records committed during the compaction moved by a fixed delta; copied ones are mapped.
    for (const JobEntry* e : sched.list(std::nullopt, std::nullopt, 0))
        if (e->spec_length && e->spec_offset >= start)
            sched.set_spec_location(e->id, e->spec_offset + delta, e->spec_length);
    for (auto [id, off] : c.moved)
        if (const JobEntry* e = sched.find(id)) sched.set_spec_location(id, off, e->spec_length);
    std::vector<std::pair<std::uint32_t, EnvTable::Entry>> envs(envs_.entries().begin(),
                                                                envs_.entries().end());
    for (auto& [id, entry] : envs)
        if (entry.length && entry.offset >= start)
            envs_.set_location(id, entry.offset + delta, entry.length);
    for (auto [id, off] : c.moved_envs)
        if (const EnvTable::Entry* e = envs_.find(id)) envs_.set_location(id, off, e->length);
    opt_.info("job log compacted to " + std::to_string(log_->size()) + " bytes");
    compaction_.reset();
    compact_source_.reset();
}

}  // namespace tend::jobs
