// The host lease's arithmetic: renew times, the self-fence deadline, the watchdog rule.
#include "queue/pg/pg_model_lease.hpp"

namespace tend::pg {

std::string interval_param(Usec d) {
    return std::to_string(d.count()) + " microseconds";
}

std::string text_array_param(const std::vector<std::string>& items) {
    std::string out = "{";
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ',';
        out += '"';
        for (char c : items[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

void HostLease::registered(int64_t id, Usec sent) {
    id_ = id;
    state_ = State::live;
    last_ok_sent_ = sent;
    pending_sent_.reset();
    lost_ = false;
}

void HostLease::renew_sent(Usec at) {
    pending_sent_ = at;
}

void HostLease::renewed() {
    if (state_ != State::live || !pending_sent_) return;
    if (*pending_sent_ > last_ok_sent_) last_ok_sent_ = *pending_sent_;
    pending_sent_.reset();
}

void HostLease::lost() {
    pending_sent_.reset();
    if (state_ == State::live) lost_ = true;
}

bool HostLease::must_fence(Usec now) const {
    return state_ == State::live && (lost_ || now >= deadline());
}

std::optional<std::string> watchdog_conflict(Usec watchdog, const LeaseTiming& t) {
    if (watchdog.count() <= 0) return std::nullopt;
    const Usec left = watchdog + t.renew + Usec(1'000'000);
    const Usec right = t.lease + t.grace;
    if (left < right) return std::nullopt;
    return "the watchdog (WatchdogSec=" + format_duration(watchdog) +
           ") is too long for the queue's lease: WatchdogSec + queue_renew + 1s (" +
           format_duration(left) + ") must be under queue_lease + queue_rescue_grace (" +
           format_duration(right) +
           "), or a hung tendd's jobs could run on after another "
           "host re-ran them; lower WatchdogSec (10s suits the defaults) or raise queue_lease";
}

}  // namespace tend::pg
