// The queue layer's sections of tend.toml: [queue.NAME] and [cron.NAME] (SPEC §3, §7).
#pragma once

#include <vector>

#include "queue/core/queue_settings.hpp"
#include "queue/cron/cron_entry.hpp"
#include "supervisor/config/config.hpp"
#include "supervisor/config/section_keys.hpp"
#include "supervisor/core/config_diff.hpp"

namespace tend {

struct ExtraSection;

// [queue.NAME]: the scheduler's settings as written, and where. In the file, concurrency 0 (the
// default) means "the number of CPUs", filled in by tendd (queue_settings_for_cpus).
struct QueueConfig : jobs::QueueSettings {
    QueueConfig() { concurrency = 0; }
    SourcePos pos;
};

// [cron.NAME] (SPEC §3, §7). def.env holds only the `environment` table here; tendd adds its
// own environment under it when the entry fires.
struct CronConfig {
    cron::CronDef def;
    SourcePos pos;
};

struct QueueSections {
    std::vector<QueueConfig> queues;  // in file order; "default" is added when absent
    std::vector<CronConfig> crons;    // in file order
};

// The key tables of [queue.NAME] (queue_section.cpp) and [cron.NAME] (cron_section.cpp).
const std::vector<KeyRow<QueueConfig>>& queue_keys();
const std::vector<KeyRow<CronConfig>>& cron_keys();

// The parse functions of [queue.*] and [cron.*], in that order (cron entries name queues),
// filling `out`; for parse_config's `extra`.
std::vector<ExtraSection> queue_sections(QueueSections& out);

// Rules between [daemon] and the queue sections, "FILE:LINE:COLUMN: message" each:
// global_concurrency needs the PostgreSQL store.
std::vector<std::string> store_rule_errors(const QueueSections& q, const QueueStoreConfig& store);

// What a reload changes in these sections (SPEC §5.6): "queue.NAME" / "cron.NAME" added,
// removed or changed (with the keys that differ), queues first. All of it applies live: tendd
// gives the new sections to the scheduler and to cron (JobQueue::reconfigure,
// CronService::reconfigure), and no program or running job is touched.
std::vector<SectionDiff> diff_queue_sections(const QueueSections& before,
                                             const QueueSections& after);
// The keys diff_queue_sections compares, for the test that every key of the tables is there.
std::vector<std::string> queue_compared_keys();
std::vector<std::string> cron_compared_keys();

// The settings the scheduler runs by: concurrency 0 becomes `cpus`, and a queue "default" is
// there even when `queues` has none.
std::vector<jobs::QueueSettings> queue_settings_for_cpus(const std::vector<QueueConfig>& queues,
                                                         int cpus);

}  // namespace tend
