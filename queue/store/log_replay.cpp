// Replaying a job log's records into a table (log_replay.hpp).
#include "queue/store/log_replay.hpp"

#include "queue/cron/cron_records.hpp"

namespace tend::jobs {

void replay_record(const ScannedRecord& r, RecoverySink& sink, std::size_t& undecodable,
                   const std::function<void(const EnvRecord&, const ScannedRecord&)>& on_env) {
    switch (r.type) {
        case RecordType::meta:
            if (auto m = decode_meta(r.payload)) sink.next_id(m->next_id);
            break;
        case RecordType::env:
            if (auto e = decode_env(r.payload); e && on_env) on_env(*e, r);
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
                sink.job(*spec, SpecRef{r.payload_offset + sp.offset, sp.length});
            }
            break;
        }
        case RecordType::status:
            if (auto s = decode_status(r.payload))
                sink.status(*s);
            else
                ++undecodable;
            break;
        case RecordType::queue_state:
            if (auto q = decode_queue_state(r.payload))
                sink.queue_paused(q->queue, q->paused);
            else
                ++undecodable;
            break;
        case RecordType::cron_def:
            if (auto d = cron::decode_cron_def(r.payload))
                sink.cron_def(*d);
            else
                ++undecodable;
            break;
        case RecordType::cron_state:
            if (auto c = cron::decode_cron_state(r.payload))
                sink.cron_state(*c);
            else
                ++undecodable;
            break;
    }
}

void TableRestoreSink::next_id(JobId id) {
    if (id > table_.next_id()) table_.set_next_id(id);
}

void TableRestoreSink::job(const JobSpec& spec, SpecRef where) {
    table_.ensure_queue(spec.queue);
    table_.restore_submit(spec, where.offset, where.length);
}

void TableRestoreSink::finish(WallUs now, const std::function<void(const std::string&)>& warn) {
    table_.finish_restore(now);
    for (const auto& [name, p] : paused_) {
        table_.ensure_queue(name);
        if (auto st = table_.set_paused(name, p); !st && warn) warn(st.error());
    }
}

}  // namespace tend::jobs
