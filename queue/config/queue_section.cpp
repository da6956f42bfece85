// [queue.NAME] tables of tend.toml (SPEC §3): per-queue concurrency, limits, retries and pruning.
#include <algorithm>
#include <type_traits>

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
    parse_keys(w, t, section, queue_keys(), q, ParseOptions{});
    if (q.retry_delay > q.retry_delay_max)
        w.error_at(t.source(), "[" + section + "]: retry_delay is larger than retry_delay_max");
}

template <auto M>
void parse_duration(const KeyInput& in, QueueConfig& q) {
    if (auto v = in.w.duration(in.node, in.key)) q.*M = *v;
}
// An integer key, bounded by its row of kQueueIntKeys (the bounds `tend queue set` checks too).
void parse_int(const KeyInput& in, QueueConfig& q) {
    const jobs::QueueIntKey* k = jobs::find_queue_int_key(in.key);
    if (!k) return;  // every row that names parse_int has its row there (test_queue_config)
    if (auto v = in.w.as_int(in.node, in.key, k->min, k->max)) k->set(q, *v);
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

namespace tend {

const std::vector<KeyRow<QueueConfig>>& queue_keys() {
    using namespace queue_config;
    using Q = jobs::QueueSettings;
    static const std::vector<KeyRow<QueueConfig>> keys = {
        {"concurrency", parse_int},
        {"max_pending", parse_int},
        {"max_attempts", parse_int},
        {"retry_delay", parse_duration<&Q::retry_delay>},
        {"retry_delay_max", parse_duration<&Q::retry_delay_max>},
        {"timeout", parse_duration<&Q::timeout>},
        {"stop_timeout", parse_duration<&Q::stop_timeout>},
        {"weight", parse_int},
        {"keep", parse_duration<&Q::keep>},
        {"output_max_size",
         [](const KeyInput& in, QueueConfig& q) {
             if (auto v = in.w.parsed<std::uint64_t>(in.node, "output_max_size", parse_size))
                 q.output_max = *v;
         }},
        {"global_concurrency",
         [](const KeyInput& in, QueueConfig& q) {
             if (auto v = in.w.as_int(in.node, "global_concurrency", 1, 100000))
                 q.global_concurrency = int(*v);
         }},
    };
    return keys;
}

}  // namespace tend
