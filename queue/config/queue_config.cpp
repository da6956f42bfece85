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

std::vector<SectionDiff> diff_queue_sections(const QueueSections& before,
                                             const QueueSections& after) {
    std::vector<SectionDiff> out;
    // The settings compare whole; names match already and `pos` is not a setting.
    diff_named(
        before.queues, after.queues, "queue.", [](const QueueConfig& q) { return q.name; },
        [](const jobs::QueueSettings& a, const jobs::QueueSettings& b) { return a == b; }, out);
    diff_named(
        before.crons, after.crons, "cron.", [](const CronConfig& c) { return c.def.name; },
        [](const CronConfig& a, const CronConfig& b) { return a.def == b.def; }, out);
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
