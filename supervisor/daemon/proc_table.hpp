// A snapshot of the process table from /proc, for attributing left-behind processes.
#pragma once

#include <sys/types.h>
#include <optional>
#include <vector>

#include "supervisor/core/escapees.hpp"

namespace tend {

// Every process /proc lists now (a process that ends while it is read is skipped), at most
// `limit` of them: linear in the number of processes, read once per exit of a main process.
std::vector<ProcEntry> read_proc_table(size_t limit = 1 << 16);
// One process's entry; nullopt when it is gone or unreadable.
std::optional<ProcEntry> read_proc_entry(pid_t pid);

}  // namespace tend
