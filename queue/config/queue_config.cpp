// The queue layer's sections as parse functions for the supervisor's walker, and the settings
// tendd's scheduler takes from them.
#include "queue/config/queue_config.hpp"

#include <algorithm>

#include "queue/config/section_parsers.hpp"

namespace tend {

std::vector<ExtraSection> queue_sections(QueueSections& out) {
    return {
        {"queue",
         [&out](const toml::node* n, config_detail::Walker& w) {
             queue_config::parse_queues(n, w, out.queues);
         }},
        {"cron",
         [&out](const toml::node* n, config_detail::Walker& w) {
             queue_config::parse_crons(n, w, out.queues, out.crons);
         }},
    };
}

std::vector<std::string> store_rule_errors(const QueueSections& q, const QueueStoreConfig& store) {
    std::vector<std::string> out;
    if (store.postgres()) return out;
    for (const QueueConfig& c : q.queues)
        if (c.global_concurrency > 0)
            out.push_back(c.pos.file + ":" + std::to_string(c.pos.line) + ":" +
                          std::to_string(c.pos.column) + ": [queue." + c.name +
                          "] global_concurrency needs the PostgreSQL store ([daemon] queue = "
                          "\"postgresql://...\"); with the file store, concurrency is the limit");
    return out;
}

namespace {

// Each key of [queue.NAME] and [cron.NAME], with how two configs' values compare; the names
// are the key tables' (test_config_diff checks that every key has a row here).
template <typename T>
struct KeyCompare {
    const char* name;
    bool (*same)(const T&, const T&);
};

#define TEND_SAME(T, expr) [](const T& a, const T& b) { return expr; }
const KeyCompare<jobs::QueueSettings> kQueueCompare[] = {
    {"concurrency", TEND_SAME(jobs::QueueSettings, a.concurrency == b.concurrency)},
    {"global_concurrency",
     TEND_SAME(jobs::QueueSettings, a.global_concurrency == b.global_concurrency)},
    {"max_pending", TEND_SAME(jobs::QueueSettings, a.max_pending == b.max_pending)},
    {"max_attempts", TEND_SAME(jobs::QueueSettings, a.max_attempts == b.max_attempts)},
    {"retry_delay", TEND_SAME(jobs::QueueSettings, a.retry_delay == b.retry_delay)},
    {"retry_delay_max", TEND_SAME(jobs::QueueSettings, a.retry_delay_max == b.retry_delay_max)},
    {"timeout", TEND_SAME(jobs::QueueSettings, a.timeout == b.timeout)},
    {"stop_timeout", TEND_SAME(jobs::QueueSettings, a.stop_timeout == b.stop_timeout)},
    {"weight", TEND_SAME(jobs::QueueSettings, a.weight == b.weight)},
    {"keep", TEND_SAME(jobs::QueueSettings, a.keep == b.keep)},
    {"output_max_size", TEND_SAME(jobs::QueueSettings, a.output_max == b.output_max)},
};
const KeyCompare<cron::CronDef> kCronCompare[] = {
    {"schedule", TEND_SAME(cron::CronDef, a.schedule == b.schedule)},
    {"timezone", TEND_SAME(cron::CronDef, a.timezone == b.timezone)},
    {"command", TEND_SAME(cron::CronDef, a.argv == b.argv && a.shell == b.shell)},
    {"queue", TEND_SAME(cron::CronDef, a.queue == b.queue)},
    {"overlap", TEND_SAME(cron::CronDef, a.overlap == b.overlap)},
    {"catch_up", TEND_SAME(cron::CronDef, a.catch_up == b.catch_up)},
    {"catch_up_window", TEND_SAME(cron::CronDef, a.catch_up_window_us == b.catch_up_window_us)},
    {"jitter", TEND_SAME(cron::CronDef, a.jitter_us == b.jitter_us)},
    {"directory", TEND_SAME(cron::CronDef, a.cwd == b.cwd)},
    {"environment", TEND_SAME(cron::CronDef, a.env == b.env)},
};
#undef TEND_SAME

template <typename T, std::size_t N>
std::vector<std::string> changed_keys(const KeyCompare<T> (&rows)[N], const T& a, const T& b) {
    std::vector<std::string> out;
    for (const auto& r : rows)
        if (!r.same(a, b)) out.emplace_back(r.name);
    return out;
}

}  // namespace

std::vector<std::string> queue_compared_keys() {
    std::vector<std::string> out;
    for (const auto& r : kQueueCompare) out.emplace_back(r.name);
    return out;
}
std::vector<std::string> cron_compared_keys() {
    std::vector<std::string> out;
    for (const auto& r : kCronCompare) out.emplace_back(r.name);
    return out;
}

std::vector<SectionDiff> diff_queue_sections(const QueueSections& before,
                                             const QueueSections& after) {
    auto queue_name = [](const QueueConfig& q) { return q.name; };
    auto cron_name = [](const CronConfig& c) { return c.def.name; };
    std::vector<SectionDiff> out;
    // Every key is compared (`pos` is not a setting); a changed section names its keys.
    diff_named(
        before.queues, after.queues, "queue.", queue_name,
        [](const QueueConfig& a, const QueueConfig& b) {
            return changed_keys<jobs::QueueSettings>(kQueueCompare, a, b).empty();
        },
        out);
    const std::size_t queues_end = out.size();
    diff_named(
        before.crons, after.crons, "cron.", cron_name,
        [](const CronConfig& a, const CronConfig& b) {
            return changed_keys(kCronCompare, a.def, b.def).empty();
        },
        out);
    for (std::size_t i = 0; i < out.size(); ++i) {
        SectionDiff& d = out[i];
        if (d.change != "changed") continue;
        if (i < queues_end) {
            const std::string name = d.section.substr(6);
            auto a = std::find_if(before.queues.begin(), before.queues.end(),
                                  [&](const QueueConfig& q) { return q.name == name; });
            auto b = std::find_if(after.queues.begin(), after.queues.end(),
                                  [&](const QueueConfig& q) { return q.name == name; });
            d.keys = changed_keys<jobs::QueueSettings>(kQueueCompare, *a, *b);
        } else {
            const std::string name = d.section.substr(5);
            auto a = std::find_if(before.crons.begin(), before.crons.end(),
                                  [&](const CronConfig& c) { return c.def.name == name; });
            auto b = std::find_if(after.crons.begin(), after.crons.end(),
                                  [&](const CronConfig& c) { return c.def.name == name; });
            d.keys = changed_keys(kCronCompare, a->def, b->def);
        }
    }
    return out;
}

std::vector<jobs::QueueSettings> queue_settings_for_cpus(const std::vector<QueueConfig>& queues,
                                                         int cpus) {
    auto convert = [cpus](const QueueConfig& q) {
        jobs::QueueSettings s = q;
        if (s.concurrency <= 0) s.concurrency = cpus;
        return s;
    };
    std::vector<jobs::QueueSettings> out;
    for (const auto& q : queues) out.push_back(convert(q));
    if (std::none_of(out.begin(), out.end(), [](const auto& q) { return q.name == "default"; })) {
        QueueConfig d;
        d.name = "default";
        out.insert(out.begin(), convert(d));
    }
    return out;
}

}  // namespace tend
