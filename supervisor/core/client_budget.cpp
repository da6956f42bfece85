// Pure bookkeeping of client connections and client memory; the control server and the job
// service ask it before they take on more.
#include "supervisor/core/client_budget.hpp"

#include <cstdio>

namespace tend {

ClientBudget::ClientBudget(ClientLimits limits) : limits_(limits) {
    if (limits_.memory_reserved > limits_.memory_max) limits_.memory_reserved = limits_.memory_max;
}

Refusal ClientBudget::admit(std::uint32_t uid, bool privileged) {
    if (privileged) {
        if (privileged_ >= limits_.privileged_total)
            return "too many privileged clients connected (" +
                   std::to_string(limits_.privileged_total) + "); try again later";
        ++privileged_;
        return std::nullopt;
    }
    auto& mine = per_uid_[uid];
    if (mine >= limits_.per_uid) {
        if (mine == 0) per_uid_.erase(uid);
        return "too many connections from this user (" + std::to_string(limits_.per_uid) +
               "); close some and try again";
    }
    if (unprivileged_ >= limits_.unprivileged_total) {
        if (mine == 0) per_uid_.erase(uid);
        return "too many clients connected (" + std::to_string(limits_.unprivileged_total) +
               "); try again later";
    }
    ++mine;
    ++unprivileged_;
    return std::nullopt;
}

void ClientBudget::leave(std::uint32_t uid, bool privileged) {
    if (privileged) {
        if (privileged_ > 0) --privileged_;
        return;
    }
    auto it = per_uid_.find(uid);
    if (it == per_uid_.end()) return;
    if (--it->second == 0) per_uid_.erase(it);
    if (unprivileged_ > 0) --unprivileged_;
}

std::size_t ClientBudget::connections(std::uint32_t uid) const {
    auto it = per_uid_.find(uid);
    return it == per_uid_.end() ? 0 : it->second;
}

Refusal ClientBudget::resize(std::uint64_t& held, std::uint64_t want, bool privileged) {
    if (want <= held) {
        bytes_ -= held - want;
        held = want;
        return std::nullopt;
    }
    const std::uint64_t more = want - held;
    const std::uint64_t cap =
        privileged ? limits_.memory_max : limits_.memory_max - limits_.memory_reserved;
    if (bytes_ + more > cap)
        return "tendd holds as much data for its clients as it may (" + format_bytes(cap) +
               (privileged ? "" : " for users without privileges") + "); try again later";
    bytes_ += more;
    held = want;
    return std::nullopt;
}

void ClientBudget::release(std::uint64_t& held) {
    bytes_ -= held < bytes_ ? held : bytes_;
    held = 0;
}

std::string format_bytes(std::uint64_t n) {
    static const char* const units[] = {"KiB", "MiB", "GiB", "TiB"};
    if (n < 1024) return std::to_string(n) + (n == 1 ? " byte" : " bytes");
    double v = static_cast<double>(n) / 1024;
    int u = 0;
    while (v >= 1024 && u < 3) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    if (v == static_cast<double>(static_cast<std::uint64_t>(v)))
        std::snprintf(buf, sizeof buf, "%llu %s", static_cast<unsigned long long>(v), units[u]);
    else
        std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

}  // namespace tend
