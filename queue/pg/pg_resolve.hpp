// Host name lookups off the event loop (design postgres.md §8): glibc's getaddrinfo_a with
// GAI_NOWAIT and SIGEV_NONE, polled by the caller (sd-resolve is not public API on Debian 12).
// glibc resolves on its own helper thread, which touches nothing of tendd's.
#pragma once

#include <netdb.h>
#include <memory>
#include <string>
#include <vector>

#include "supervisor/util/result.hpp"

namespace tend::pg {

class HostLookup {
  public:
    struct Answer {
        std::vector<std::string> addrs;  // numeric addresses, in getaddrinfo's order
        std::string error;               // why there are none
    };

    // Starts looking up every name at once.
    static Result<std::unique_ptr<HostLookup>> start(std::vector<std::string> names);
    // Whether every lookup has finished (never blocks).
    bool done();
    // One answer per name, in order; call once done() is true.
    std::vector<Answer> answers();
    // Gives up on the lookups: cancels what it can and keeps the rest alive until glibc lets
    // go of them (a gaicb must outlive its lookup), freeing them on a later reap().
    static void abandon(std::unique_ptr<HostLookup> l);
    // Frees abandoned lookups that have finished since.
    static void reap();
    ~HostLookup();
    HostLookup(const HostLookup&) = delete;
    HostLookup& operator=(const HostLookup&) = delete;

  private:
    explicit HostLookup(std::vector<std::string> names);
    std::vector<std::string> names_;
    std::vector<gaicb> cbs_;
    std::vector<gaicb*> list_;
    addrinfo hints_{};
};

}  // namespace tend::pg
