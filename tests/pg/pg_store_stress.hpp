// The lock-order stress of the job statements (pg_store_stress.cpp), run by tend_pg_store_probe.
#pragma once

#include <cstdint>
#include <string>

namespace probe {

// `clients` connections run random job operations at once for `duration_us`, then the
// invariants are checked; fails the probe on a deadlock or a broken invariant.
void stress(const std::string& url, int clients, uint64_t duration_us);

}  // namespace probe
