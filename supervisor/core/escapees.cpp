// Attribution of left-behind processes to an instance, from a snapshot of the process table.
#include "supervisor/core/escapees.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_map>

namespace tend {
namespace {

// Reads one unsigned/signed decimal field starting at `pos`; advances past its separator.
template <typename T>
bool field(std::string_view text, size_t& pos, T& out) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    const char* begin = text.data() + pos;
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(begin, end, out);
    if (ec != std::errc() || p == begin) return false;
    pos += static_cast<size_t>(p - begin);
    return true;
}

bool skip_field(std::string_view text, size_t& pos) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    const size_t start = pos;
    while (pos < text.size() && text[pos] != ' ') ++pos;
    return pos > start;
}

}  // namespace

std::optional<ProcEntry> parse_proc_stat(std::string_view text) {
    // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
    // stime cutime cstime priority nice threads itrealvalue starttime ...": comm may hold
    // spaces and parentheses, so the fields after it are found from the last ')'.
    ProcEntry e;
    size_t pos = 0;
    if (!field(text, pos, e.pid)) return std::nullopt;
    const size_t close = text.rfind(')');
    if (close == std::string_view::npos || close < pos) return std::nullopt;
    pos = close + 1;
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos >= text.size()) return std::nullopt;
    e.ended = text[pos] == 'Z' || text[pos] == 'X' || text[pos] == 'x';
    if (!skip_field(text, pos)) return std::nullopt;  // state
    if (!field(text, pos, e.ppid) || !field(text, pos, e.pgrp) || !field(text, pos, e.sid))
        return std::nullopt;
    for (int i = 0; i < 15; ++i)  // tty_nr .. itrealvalue
        if (!skip_field(text, pos)) return std::nullopt;
    if (!field(text, pos, e.start)) return std::nullopt;
    return e;
}

std::vector<pid_t> find_escapees(const std::vector<ProcEntry>& procs, const EscapeeQuery& q) {
    auto excluded = [&](pid_t pid) {
        return pid == q.self || q.leaders.count(pid) || q.spawned.count(pid);
    };
    // Who is linked to whom: a process's children and the members of the session and group
    // it leads, so the closure below is one breadth-first walk (linear in procs).
    std::unordered_map<pid_t, std::vector<pid_t>> linked;
    std::vector<pid_t> todo;
    std::unordered_set<pid_t> member;
    for (const auto& p : procs) {
        if (excluded(p.pid)) continue;
        linked[p.ppid].push_back(p.pid);
        if (p.sid != p.ppid) linked[p.sid].push_back(p.pid);
        if (p.pgrp != p.ppid && p.pgrp != p.sid) linked[p.pgrp].push_back(p.pid);
        const bool ours = q.leaders.count(p.sid) || q.leaders.count(p.pgrp) ||
                          (p.ppid != q.self && q.leaders.count(p.ppid));
        const bool orphan = q.orphans_since && p.ppid == q.self && p.start >= *q.orphans_since &&
                            !q.spawned.count(p.sid) && !q.spawned.count(p.pgrp);
        if ((ours || orphan) && member.insert(p.pid).second) todo.push_back(p.pid);
    }
    while (!todo.empty()) {
        const pid_t pid = todo.back();
        todo.pop_back();
        auto it = linked.find(pid);
        if (it == linked.end()) continue;
        for (pid_t other : it->second)
            if (member.insert(other).second) todo.push_back(other);
    }
    std::vector<pid_t> out;
    for (const auto& p : procs)
        if (!p.ended && member.count(p.pid)) out.push_back(p.pid);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace tend
