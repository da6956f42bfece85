// A snapshot of the process table from /proc, for attributing left-behind processes.
#pragma once

#include <sys/types.h>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "supervisor/core/escapees.hpp"

namespace tend {

// Every process /proc lists now (a process that ends while it is read is skipped), at most
// `limit` of them: linear in the number of processes, read once per exit of a main process.
std::vector<ProcEntry> read_proc_table(size_t limit = 1 << 16);
// The processes below `root` (its children, theirs, and so on), from
// /proc/PID/task/TID/children, not descending into `skip`: for tendd (a subreaper) every
// process an instance left is in there, and reading it costs far less than the whole table.
// The whole table when the kernel lacks those files.
std::vector<ProcEntry> read_proc_tree(pid_t root, const std::unordered_set<pid_t>& skip,
                                      size_t limit = 1 << 16);
// One process's entry; nullopt when it is gone or unreadable.
std::optional<ProcEntry> read_proc_entry(pid_t pid);
// Whether the environment `pid` started with (the first 64 KiB of /proc/PID/environ) sets
// `name`; false when it is unreadable.
bool started_with_env(pid_t pid, std::string_view name);

}  // namespace tend
