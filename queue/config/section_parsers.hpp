// The parse functions of [queue.*] and [cron.*], given to the supervisor's walker.
#pragma once

#include <vector>

#include "queue/config/queue_config.hpp"
#include "supervisor/config/config_walker.hpp"

namespace tend::queue_config {

// [queue.*], in file order, with "default" added when the file has none (queue_section.cpp).
void parse_queues(const toml::node* node, config_detail::Walker& w, std::vector<QueueConfig>& out);
// [cron.*], in file order, checked against the queues already parsed (cron_section.cpp).
void parse_crons(const toml::node* node, config_detail::Walker& w,
                 const std::vector<QueueConfig>& queues, std::vector<CronConfig>& out);

}  // namespace tend::queue_config
