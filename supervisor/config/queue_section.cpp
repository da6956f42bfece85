// [queue.NAME] tables of tend.toml (SPEC §3): per-queue concurrency, limits, retries and pruning.
#include <algorithm>

#include "supervisor/config/config_walker.hpp"
#include "supervisor/config/value_parsers.hpp"

namespace tend::config_detail {

void Walker::queues(const toml::table& t, std::vector<QueueConfig>& out) {
    for (auto [k, v] : in_file_order(t)) {
        std::string name(k->str());
        if (auto table = v->as_table()) {
            QueueConfig q;
            queue(name, *table, q);
            out.push_back(std::move(q));
        } else {
            error_at(v->source(), "\"queue." + name + "\" must be a table");
        }
    }
}

void Walker::queue(const std::string& name, const toml::table& t, QueueConfig& q) {
    const std::string section = "queue." + name;
    q.name = name;
    q.pos = pos_of(t);
    // Queue names appear in `tend` arguments, job listings and the job log.
    if (!valid_program_name(name))
        error_at(t.source(), "invalid queue name \"" + name +
                                 "\": use letters, digits, '-', '_' and '.', at most 64");
    check_keys(t, section,
               {"concurrency", "max_pending", "max_attempts", "retry_delay", "retry_delay_max",
                "timeout", "stop_timeout", "weight", "keep", "output_max_size"});
    if (auto n = t.get("concurrency"))
        if (auto v = as_int(*n, "concurrency", 1, 100000)) q.concurrency = int(*v);
    if (auto n = t.get("max_pending"))
        if (auto v = as_int(*n, "max_pending", 1, 100000000)) q.max_pending = std::uint64_t(*v);
    if (auto n = t.get("max_attempts"))
        if (auto v = as_int(*n, "max_attempts", 1, 1000000)) q.max_attempts = int(*v);
    if (auto n = t.get("weight"))
        if (auto v = as_int(*n, "weight", 1, 1000)) q.weight = int(*v);
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
            if (auto v = duration(*n, key)) *field = *v;
    }
    if (q.retry_delay > q.retry_delay_max)
        error_at(t.source(), "[" + section + "]: retry_delay is larger than retry_delay_max");
    if (auto n = t.get("output_max_size"))
        if (auto v = parsed<std::uint64_t>(*n, "output_max_size", parse_size)) q.output_max = *v;
}

}  // namespace tend::config_detail
