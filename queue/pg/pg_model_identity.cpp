// The identity a claimed job runs as (pg_model_identity.hpp).
#include "queue/pg/pg_model_identity.hpp"

namespace tend::pg {

RunIdentity run_identity(bool tendd_is_root, std::optional<int> uid, std::optional<int> gid,
                         const std::vector<std::uint32_t>& groups,
                         const std::optional<RunAs>& direct_user) {
    RunIdentity out;
    if (!tendd_is_root) return out;
    if (!uid) {
        if (!direct_user) {
            out.refused =
                "it was submitted straight into the database (tend.submit_direct), which proves "
                "no user, and this tendd runs as root with no [daemon] direct_submit_user to "
                "run it as (set it, then `tend retry` the job)";
            return out;
        }
        if (direct_user->uid == 0) {
            out.refused =
                "[daemon] direct_submit_user is root: a job submitted straight into "
                "the database never runs as root";
            return out;
        }
        out.as = direct_user;
        return out;
    }
    if (*uid < 0 || (gid && *gid < 0)) {
        out.refused = "its row has an invalid uid or gid (" + std::to_string(*uid) + ", " +
                      (gid ? std::to_string(*gid) : std::string("none")) + ")";
        return out;
    }
    if (*uid == 0) return out;  // root's job on a root tendd: no switch
    RunAs as;
    as.uid = static_cast<std::uint32_t>(*uid);
    as.gid = static_cast<std::uint32_t>(gid.value_or(*uid));
    as.groups = groups;
    out.as = std::move(as);
    return out;
}

}  // namespace tend::pg
