// The pure parts of LISTEN/NOTIFY wake-ups: payloads, the debounce, the fairness rule.
#include "queue/pg/pg_model_listen.hpp"

#include <algorithm>
#include <charconv>

namespace tend::pg {

namespace {
// A decimal integer filling [b, e) exactly, no sign, no leading junk.
std::optional<std::int64_t> whole_int(const char* b, const char* e) {
    if (b == e || *b < '0' || *b > '9') return std::nullopt;
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec != std::errc{} || p != e) return std::nullopt;
    return v;
}
}  // namespace

std::string cancel_payload(std::int64_t host_id, std::int64_t job_id) {
    return std::to_string(host_id) + ":" + std::to_string(job_id);
}

std::optional<std::pair<std::int64_t, std::int64_t>> parse_cancel_payload(const std::string& p) {
    const auto colon = p.find(':');
    if (colon == std::string::npos || p.size() > 64) return std::nullopt;
    auto host = whole_int(p.data(), p.data() + colon);
    auto job = whole_int(p.data() + colon + 1, p.data() + p.size());
    if (!host || !job) return std::nullopt;
    return std::make_pair(*host, *job);
}

std::string selftest_payload(std::int64_t host_id, std::uint64_t nonce) {
    return "selftest:" + std::to_string(host_id) + ":" + std::to_string(nonce);
}

bool is_selftest_reply(const std::string& payload, std::int64_t host_id, std::uint64_t nonce) {
    return payload == selftest_payload(host_id, nonce);
}

bool NotifyDebounce::request(const Key& key, std::uint64_t now_us) {
    auto it = keys_.find(key);
    if (it != keys_.end()) {
        if (now_us - it->second.sent_us < window_us_) {
            it->second.pending = true;
            return false;
        }
        it->second.sent_us = now_us;
        it->second.pending = false;
        return true;
    }
    if (keys_.size() >= max_keys_) forget_idle(now_us);
    if (keys_.size() < max_keys_) keys_.emplace(key, Entry{now_us, false});
    return true;
}

std::vector<NotifyDebounce::Key> NotifyDebounce::due(std::uint64_t now_us) {
    std::vector<Key> out;
    for (auto& [key, e] : keys_)
        if (e.pending && now_us - e.sent_us >= window_us_) {
            e.pending = false;
            e.sent_us = now_us;
            out.push_back(key);
        }
    return out;
}

std::optional<std::uint64_t> NotifyDebounce::next_due() const {
    std::optional<std::uint64_t> next;
    for (const auto& [key, e] : keys_)
        if (e.pending) next = std::min(next.value_or(UINT64_MAX), e.sent_us + window_us_);
    return next;
}

void NotifyDebounce::forget_idle(std::uint64_t now_us) {
    // Keys whose window has ended and that wait for nothing carry no state worth keeping.
    for (auto it = keys_.begin(); it != keys_.end();)
        if (!it->second.pending && now_us - it->second.sent_us >= window_us_)
            it = keys_.erase(it);
        else
            ++it;
}

int fair_share(int global_limit, int hosts) {
    if (global_limit <= 0) return 0;
    const int h = std::max(1, hosts);
    return (global_limit + h - 1) / h;
}

bool claim_waits(int held, int global_limit, int hosts) {
    if (global_limit <= 0) return false;
    return held >= fair_share(global_limit, hosts);
}

}  // namespace tend::pg
