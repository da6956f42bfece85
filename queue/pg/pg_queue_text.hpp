// Small text helpers shared by PgQueue's request files: a server error as users read it, and
// an id list as a bigint[] parameter.
#pragma once

#include <string>
#include <vector>

#include "queue/core/job.hpp"

namespace tend::pg {

// "ERROR:  queue default is full" -> "queue default is full".
inline std::string server_text(const std::string& m) {
    std::string s = m;
    if (s.rfind("ERROR:", 0) == 0) s.erase(0, 6);
    while (!s.empty() && s.front() == ' ') s.erase(0, 1);
    return s;
}

// {1,2,3}
inline std::string id_array(const std::vector<jobs::JobId>& ids) {
    std::string s = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
    return s + "}";
}

}  // namespace tend::pg
