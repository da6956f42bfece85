// What control-socket clients may hold: connections per uid with a reserved pool for privileged
// users, and one global bound on the bytes tendd keeps for all clients (SPEC §8).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace tend {

struct ClientLimits {
    // Connections of one unprivileged uid, and of all unprivileged uids together.
    std::size_t per_uid = 32;
    std::size_t unprivileged_total = 256;
    // The reserved pool of root, the daemon's uid and admin_group: no other user can fill it.
    std::size_t privileged_total = 256;
    // Bytes held for all clients (buffered --stdin batches, unread replies, partial requests).
    std::uint64_t memory_max = 256ull << 20;
    // Of memory_max, the part only privileged clients may use, so that they are never refused
    // because other users hold the rest.
    std::uint64_t memory_reserved = 64ull << 20;
};

// The result of an admission or a reservation: nullopt when granted, else why not (the text a
// client is sent with the error `busy`).
using Refusal = std::optional<std::string>;

class ClientBudget {
  public:
    explicit ClientBudget(ClientLimits limits = {});
    const ClientLimits& limits() const { return limits_; }

    // A new connection: counted when admitted; `leave` with the same arguments when it closes.
    Refusal admit(std::uint32_t uid, bool privileged);
    void leave(std::uint32_t uid, bool privileged);
    std::size_t connections(std::uint32_t uid) const;
    std::size_t unprivileged_connections() const { return unprivileged_; }
    std::size_t privileged_connections() const { return privileged_; }

    // Grows a client's share from `held` to `want` bytes; on a refusal nothing changes.
    // Shrinking always succeeds. `held` is the caller's record of that client's share.
    Refusal resize(std::uint64_t& held, std::uint64_t want, bool privileged);
    // Gives back a client's whole share (it went away, or its batch was dropped).
    void release(std::uint64_t& held);
    std::uint64_t bytes_held() const { return bytes_; }

  private:
    ClientLimits limits_;
    std::unordered_map<std::uint32_t, std::size_t> per_uid_;
    std::size_t unprivileged_ = 0, privileged_ = 0;
    std::uint64_t bytes_ = 0;
};

// "256 MiB", "1.5 GiB", "512 KiB", "12 bytes": sizes in messages.
std::string format_bytes(std::uint64_t n);

}  // namespace tend
