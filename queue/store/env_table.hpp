// Captured environments, each distinct one stored once in the job log (SPEC §6.2).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "queue/core/record_format.hpp"

namespace tend::jobs {

// Only where each environment sits in the log is kept in memory, not its variables: the
// daemon reads them back when it spawns a job. Environments no retained job uses any more are
// dropped when the log is compacted (retain_only), not counted job by job.
class EnvTable {
  public:
    struct Entry {
        std::uint64_t hash = 0;
        std::uint64_t offset = 0;  // of the ENV payload; 0 until committed
        std::uint32_t length = 0;
    };
    struct Interned {
        std::uint32_t env_id;
        bool is_new;  // the caller must write `payload` as an ENV record in the same batch
        std::string payload;
    };

    // The id of an environment equal to `vars`, or a new id with the record to write.
    Interned intern(const std::vector<std::string>& vars);
    // A new environment whose record could not be committed is forgotten again.
    void forget(std::uint32_t env_id);
    void set_location(std::uint32_t env_id, std::uint64_t offset, std::uint32_t length);
    // Replay of an ENV record.
    void restore(std::uint32_t env_id, std::string_view payload, std::uint64_t offset);
    // Forgets every environment not in `used` (sorted).
    void retain_only(const std::vector<std::uint32_t>& used);
    const Entry* find(std::uint32_t env_id) const;
    const std::unordered_map<std::uint32_t, Entry>& entries() const { return by_id_; }

  private:
    static std::uint64_t hash_of(const std::vector<std::string>& vars);
    std::unordered_map<std::uint32_t, Entry> by_id_;
    std::unordered_multimap<std::uint64_t, std::uint32_t> by_hash_;
    std::uint32_t next_id_ = 1;
};

}  // namespace tend::jobs
