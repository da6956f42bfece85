// [daemon]'s keys of the queue store (SPEC §9, design postgres.md §10; the type is
// QueueStoreConfig in config.hpp): their rows, and the rules between them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "supervisor/config/config.hpp"
#include "supervisor/config/section_keys.hpp"

namespace tend {

// Whether `s` is a value [daemon] queue accepts as a PostgreSQL connection string: a
// postgresql:// or postgres:// URL, or libpq key=value pairs.
bool is_pg_conninfo(const std::string& s);

// The rows of [daemon] that fill QueueStoreConfig (daemon_keys() includes them).
const std::vector<KeyRow<DaemonConfig>>& queue_store_keys();

// Rules between the keys, checked after the table is read: "2 × renew + 1 s ≤ lease", and
// the keys that mean nothing with the file store. Each message names the keys.
std::vector<std::string> queue_store_errors(const QueueStoreConfig& c);

}  // namespace tend
