// Interning of captured environments by a content hash; the variables themselves stay on disk.
#include "queue/store/env_table.hpp"

#include <algorithm>

namespace tend::jobs {

std::uint64_t EnvTable::hash_of(const std::vector<std::string>& vars) {
    // FNV-1a over the variables with a separator byte: 64 bits make a collision between two
    // environments of one host practically impossible.
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](unsigned char c) {
        h ^= c;
        h *= 1099511628211ull;
    };
    for (const auto& v : vars) {
        for (unsigned char c : v) mix(c);
        mix(0);
    }
    return h;
}

EnvTable::Interned EnvTable::intern(const std::vector<std::string>& vars) {
    const std::uint64_t h = hash_of(vars);
    auto [lo, hi] = by_hash_.equal_range(h);
    for (auto it = lo; it != hi; ++it) {
        // A hash match with the same size is taken as equal (see hash_of).
        if (by_id_.count(it->second)) return {it->second, false, {}};
    }
    const std::uint32_t id = next_id_++;
    by_id_[id] = Entry{h, 0, 0};
    by_hash_.emplace(h, id);
    return {id, true, encode_env(EnvRecord{id, vars})};
}

void EnvTable::forget(std::uint32_t env_id) {
    auto it = by_id_.find(env_id);
    if (it == by_id_.end()) return;
    auto [lo, hi] = by_hash_.equal_range(it->second.hash);
    for (auto h = lo; h != hi; ++h)
        if (h->second == env_id) {
            by_hash_.erase(h);
            break;
        }
    by_id_.erase(it);
}

void EnvTable::set_location(std::uint32_t env_id, std::uint64_t offset, std::uint32_t length) {
    if (auto it = by_id_.find(env_id); it != by_id_.end()) {
        it->second.offset = offset;
        it->second.length = length;
    }
}

void EnvTable::restore(std::uint32_t env_id, std::string_view payload, std::uint64_t offset) {
    auto rec = decode_env(payload);
    if (!rec) return;
    if (by_id_.count(env_id)) forget(env_id);
    const std::uint64_t h = hash_of(rec->vars);
    by_id_[env_id] = Entry{h, offset, static_cast<std::uint32_t>(payload.size())};
    by_hash_.emplace(h, env_id);
    if (env_id >= next_id_) next_id_ = env_id + 1;
}

void EnvTable::retain_only(const std::vector<std::uint32_t>& used) {
    std::vector<std::uint32_t> unused;
    for (const auto& [id, e] : by_id_)
        if (!std::binary_search(used.begin(), used.end(), id)) unused.push_back(id);
    for (auto id : unused) forget(id);
}

const EnvTable::Entry* EnvTable::find(std::uint32_t env_id) const {
    auto it = by_id_.find(env_id);
    return it == by_id_.end() ? nullptr : &it->second;
}

}  // namespace tend::jobs
