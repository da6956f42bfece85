// Which processes an instance left behind when its main process ended (SPEC §5.5): pure.
#pragma once

#include <sys/types.h>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace tend {

// One row of /proc/PID/stat, the fields attribution needs.
struct ProcEntry {
    pid_t pid = 0;
    pid_t ppid = 0;
    pid_t pgrp = 0;
    pid_t sid = 0;
    std::uint64_t start = 0;  // clock ticks since boot
    bool ended = false;       // a zombie (or dead): nothing left to stop
};

// Parses the text of /proc/PID/stat; nullopt when it is not in that format.
std::optional<ProcEntry> parse_proc_stat(std::string_view text);

struct EscapeeQuery {
    pid_t self = 0;  // tendd: the subreaper orphans are re-parented to
    // Processes (alive or ended) that are the instance's: the main process that just ended
    // (still a zombie), then what was already found. Their children, sessions and groups
    // are the instance's too.
    std::unordered_set<pid_t> leaders;
    // Set when the main process has just ended: its start time, in ProcEntry::start ticks.
    std::optional<std::uint64_t> orphans_since;
    // Processes tendd spawned and still tracks (instances, jobs, probes) or holds already:
    // never listed, and their sessions and groups belong to them.
    std::unordered_set<pid_t> spawned;
};

// The processes that belong to the instance, in ascending pid order:
//  1. children of the leaders, and members of their sessions or process groups (tendd made
//     the main process the leader of both, and no process can join another session);
//  2. with orphans_since: orphans re-parented to tendd that it did not spawn, started at or
//     after the main process, and not of the session or group of a process tendd spawned
//     (a daemon that forks and calls setsid(), as nginx does, leaves one of these);
//  3. every descendant of those, and every member of a session or group one of them leads.
// Leaders and processes that have ended already (zombies) are never listed: an exited child
// the main process did not reap is no process left running.
std::vector<pid_t> find_escapees(const std::vector<ProcEntry>& procs, const EscapeeQuery& q);

}  // namespace tend
