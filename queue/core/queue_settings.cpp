// The integer keys of a queue's settings, their bounds, and `tend queue set` (queue_settings.hpp).
#include "queue/core/queue_settings.hpp"

#include <type_traits>

namespace tend::jobs {

namespace {
// Which member each row of kQueueIntKeys names, by its name (the rows stay constexpr).
template <typename F>
void with_member(std::string_view name, QueueSettings& q, F f) {
    if (name == "concurrency")
        f(q.concurrency);
    else if (name == "max_pending")
        f(q.max_pending);
    else if (name == "max_attempts")
        f(q.max_attempts);
    else if (name == "weight")
        f(q.weight);
}
}  // namespace

std::int64_t QueueIntKey::get(const QueueSettings& q) const {
    std::int64_t out = 0;
    QueueSettings copy = q;
    with_member(name, copy, [&](auto& m) { out = static_cast<std::int64_t>(m); });
    return out;
}

void QueueIntKey::set(QueueSettings& q, std::int64_t v) const {
    with_member(name, q,
                [&](auto& m) { m = static_cast<std::remove_reference_t<decltype(m)>>(v); });
}

const QueueIntKey* find_queue_int_key(std::string_view name) {
    for (const auto& k : kQueueIntKeys)
        if (name == k.name) return &k;
    return nullptr;
}

std::optional<std::string> set_runtime_key(QueueSettings& q, std::string_view key,
                                           std::int64_t value) {
    const QueueIntKey* k = find_queue_int_key(key);
    if (!k || !k->runtime)
        return "\"" + std::string(key) +
               "\" cannot be set at run time (concurrency, weight or max_pending)";
    if (value < k->min || value > k->max)
        return "\"" + std::string(key) + "\" must be between " + std::to_string(k->min) + " and " +
               std::to_string(k->max);
    k->set(q, value);
    return std::nullopt;
}

}  // namespace tend::jobs
