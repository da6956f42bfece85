// The pure parts of the wake-ups by LISTEN/NOTIFY (design postgres.md §6, §4.5): the channels
// and their payloads, the trailing-edge debounce of outgoing notifications, the self-test's
// nonce, and the fairness rule under global_concurrency. Time is a parameter (microseconds of
// CLOCK_MONOTONIC); nothing here touches the database.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tend::pg {

inline constexpr const char* kChannelJobs = "tend_jobs";      // payload: a queue name
inline constexpr const char* kChannelCancel = "tend_cancel";  // payload: <host id>:<job id>
inline constexpr const char* kChannelCtl = "tend_ctl";        // payload: selftest:<host>:<nonce>

// "<host id>:<job id>", and back (nullopt for anything else: payloads are not trusted).
std::string cancel_payload(std::int64_t host_id, std::int64_t job_id);
std::optional<std::pair<std::int64_t, std::int64_t>> parse_cancel_payload(const std::string& p);

// "selftest:<host id>:<nonce>": the self-test's notification, recognised only when it carries
// this host's id and the nonce it is waiting for.
std::string selftest_payload(std::int64_t host_id, std::uint64_t nonce);
bool is_selftest_reply(const std::string& payload, std::int64_t host_id, std::uint64_t nonce);

// One notification per (channel, payload) per window, trailing edge: the first request goes
// out at once; requests inside the window after it are merged into one that goes out when the
// window ends. Bounded: at most `max_keys` keys are remembered (the oldest idle ones are
// forgotten first; a request beyond the bound with every key pending is sent at once).
class NotifyDebounce {
  public:
    using Key = std::pair<std::string, std::string>;  // channel, payload
    explicit NotifyDebounce(std::uint64_t window_us = 20'000, std::size_t max_keys = 4096)
        : window_us_(window_us), max_keys_(max_keys) {}

    // true: send it now (and the window starts); false: it is merged into a pending one.
    bool request(const Key& key, std::uint64_t now_us);
    // The pending keys whose window has ended by `now_us`: send them now (their window
    // starts again at `now_us`).
    std::vector<Key> due(std::uint64_t now_us);
    // When the next pending key is due (nullopt: none pending).
    std::optional<std::uint64_t> next_due() const;
    std::size_t size() const { return keys_.size(); }

  private:
    struct Entry {
        std::uint64_t sent_us = 0;
        bool pending = false;
    };
    void forget_idle(std::uint64_t now_us);
    std::uint64_t window_us_;
    std::size_t max_keys_;
    std::map<Key, Entry> keys_;
};

// Fairness under global_concurrency (design §4.5): a host's share of a queue's global limit
// over the live hosts serving it, ceil(limit / hosts) (hosts below 1 count as 1).
int fair_share(int global_limit, int hosts);
// Whether a host that holds `held` of the queue's slots waits before it claims after a
// wake-up or its own finish: it does when it holds at least its share, so that hosts below
// their share (woken by the same notification) take the freed slot first. No limit: never.
bool claim_waits(int held, int global_limit, int hosts);
inline constexpr std::uint64_t kFairWaitUs = 50'000;  // how long such a host waits

}  // namespace tend::pg
