// Messages of direct submits (submit_direct_text.hpp).
#include "cmd/submit_direct_text.hpp"

namespace tend::cli {

DirectRefusal direct_refusal(std::string_view sqlstate, std::string_view message) {
    const std::string m(message);
    if (sqlstate == "TE075") return {75, m, "the queue is at its max_pending: try again later"};
    if (sqlstate == "TE404")
        return {65, m, "queues are the ones tendd has written to the database"};
    if (sqlstate == "TE065") return {65, m, ""};
    if (sqlstate == "42501")
        return {1, "the database refused the direct submit: " + m,
                "an administrator grants the role: GRANT tend_submit TO <role> (tendd(8) "
                "MULTI-HOST)"};
    if (sqlstate == "42883" || sqlstate == "3F000")
        return {1, "the database has no tend.submit_direct (schema older than 2): " + m,
                "run `tend migrate` (tendd migrates it at start with queue_migrate = \"auto\")"};
    return {1, "the direct submit to PostgreSQL failed: " + m, ""};
}

std::string direct_note(const std::vector<std::int64_t>& ids) {
    std::string out = "tendd is not running: submitted directly to PostgreSQL as ";
    if (ids.size() == 1) return out + "job " + std::to_string(ids[0]);
    out += std::to_string(ids.size()) + " jobs";
    if (ids.empty()) return out;
    bool consecutive = true;
    for (std::size_t i = 1; i < ids.size(); ++i)
        consecutive = consecutive && ids[i] == ids[0] + std::int64_t(i);
    if (consecutive)
        return out + ": " + std::to_string(ids.front()) + "-" + std::to_string(ids.back());
    out += ": ";
    for (std::size_t i = 0; i < ids.size() && i < 10; ++i)
        out += (i ? ", " : "") + std::to_string(ids[i]);
    return ids.size() > 10 ? out + ", ..." : out;
}

}  // namespace tend::cli
