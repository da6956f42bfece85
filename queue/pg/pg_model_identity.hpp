// Which user runs a job claimed from the PostgreSQL store (design postgres.md §11): the rule
// as a pure function, so that "a direct submit never runs as root" is unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tend::pg {

struct RunAs {
    std::uint32_t uid = 0, gid = 0;
    std::vector<std::uint32_t> groups;  // supplementary
};

struct RunIdentity {
    std::optional<RunAs> as;  // nullopt: tendd's own identity (no switch)
    std::string refused;      // non-empty: the job must not start, and this says why
};

// `tendd_is_root`: geteuid() == 0. `uid`, `gid`, `groups`: the job's row; a job with no uid was
// submitted straight into the database (tend.submit_direct) and proves no submitter.
// `direct_user`: [daemon] direct_submit_user resolved (nullopt: not set).
//  - A tendd that is not root runs every job as itself: it can run nothing else.
//  - A root tendd runs a job with a uid as that uid (root's as itself), and a job without one
//    only as direct_submit_user; with none set it refuses to start it, never running it as
//    root. A uid or gid outside 0..2^31-1 (a damaged or hostile row) is refused too: -1 given
//    to setresuid would mean "unchanged", that is root.
RunIdentity run_identity(bool tendd_is_root, std::optional<int> uid, std::optional<int> gid,
                         const std::vector<std::uint32_t>& groups,
                         const std::optional<RunAs>& direct_user);

}  // namespace tend::pg
