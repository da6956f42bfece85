// What a reload changes in [http] (SPEC §5.6): the section's entry of the reload plan.
#pragma once

#include <vector>

#include "supervisor/config/http_config.hpp"
#include "supervisor/core/config_diff.hpp"

namespace tend {

// Nothing, or one SectionDiff "http" (added, removed, or changed with its keys). All of it
// applies live: the listener is rebuilt when `listen` changes (daemon_http.cpp).
std::vector<SectionDiff> diff_http(const HttpConfig& before, const HttpConfig& after);

}  // namespace tend
