// [queue.NAME] tables of tend.toml (SPEC §3): per-queue concurrency, limits, retries and pruning.
#include <algorithm>

#include "queue/config/queue_config.hpp"
#include "queue/config/section_parsers.hpp"
#include "supervisor/config/config_walker.hpp"
#include "supervisor/config/value_parsers.hpp"
#include "supervisor/util/names.hpp"

namespace tend::queue_config {
namespace {

using config_detail::Walker;

void queue(Walker& w, const std::string& name, const toml::table& t, QueueConfig& q) {
    const std::string section = "queue." + name;
    q.name = name;
    q.pos = w.pos_of(t);
    // Queue names appear in `tend` arguments, job listings and the job log.
    if (auto e = name_error(name, NameKind::queue)) w.error_at(t.source(), *e);
    w.check_keys(t, section,
                 {"concurrency", "max_pending", "max_attempts", "retry_delay", "retry_delay_max",
                  "timeout", "stop_timeout", "weight", "keep", "output_max_size"});
    if (auto n = t.get("concurrency"))
        if (auto v = w.as_int(*n, "concurrency", 1, 100000)) q.concurrency = int(*v);
    if (auto n = t.get("max_pending"))
        if (auto v = w.as_int(*n, "max_pending", 1, 100000000)) q.max_pending = std::uint64_t(*v);
    if (auto n = t.get("max_attempts"))
        if (auto v = w.as_int(*n, "max_attempts", 1, 1000000))
            q.max_attempts = static_cast<std::uint32_t>(*v);
    if (auto n = t.get("weight"))
        if (auto v = w.as_int(*n, "weight", 1, 1000)) q.weight = int(*v);
    struct DurationKey {
        const char* key;
        Usec* field;
    };
    for (auto [key, field] : {DurationKey{"retry_delay", &q.retry_delay},
                              {"retry_delay_max", &q.retry_delay_max},
                              {"timeout", &q.timeout},
                              {"stop_timeout", &q.stop_timeout},
                              {"keep", &q.keep}}) {
        if (auto n = t.get(key))
            if (auto v = w.duration(*n, key)) *field = *v;
    }
    if (q.retry_delay > q.retry_delay_max)
        w.error_at(t.source(), "[" + section + "]: retry_delay is larger than retry_delay_max");
    if (auto n = t.get("output_max_size"))
        if (auto v = w.parsed<std::uint64_t>(*n, "output_max_size", parse_size)) q.output_max = *v;
}

}  // namespace

void parse_queues(const toml::node* node, Walker& w, std::vector<QueueConfig>& out) {
    if (node) {
        if (auto t = node->as_table()) {
            for (auto [k, v] : Walker::in_file_order(*t)) {
                std::string name(k->str());
                if (auto table = v->as_table()) {
                    QueueConfig q;
                    queue(w, name, *table, q);
                    out.push_back(std::move(q));
                } else {
                    w.error_at(v->source(), "\"queue." + name + "\" must be a table");
                }
            }
        } else {
            w.error_at(node->source(), "\"queue\" must be a table of [queue.NAME] tables");
        }
    }
    // A queue "default" always exists (SPEC §3): plain `tend submit` goes there.
    if (std::none_of(out.begin(), out.end(),
                     [](const QueueConfig& q) { return q.name == "default"; })) {
        QueueConfig d;
        d.name = "default";
        out.insert(out.begin(), d);
    }
}

}  // namespace tend::queue_config
