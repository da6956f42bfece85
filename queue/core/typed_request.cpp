// decode_request_typed: the protocol envelope and every command's argument decoder in one call.
#include "queue/core/typed_request.hpp"

#include "supervisor/protocol/protocol.hpp"

namespace tend::jobs {

Result<TypedRequest> decode_request_typed(std::string_view line) {
    auto req = protocol::decode_request(line);
    if (!req) return make_error(req.error());
    TypedRequest out;
    out.cmd = req->cmd;
    if (auto s = protocol::decode_supervisor_args(req->cmd, req->args)) {
        if (!*s) return make_error(s->error());
        out.args = std::move(**s);
    } else if (auto j = decode_job_args(req->cmd, req->args)) {
        if (!*j) return make_error(j->error());
        out.args = std::move(**j);
    } else if (auto c = decode_cron_args(req->cmd, req->args)) {
        if (!*c) return make_error(c->error());
        out.args = std::move(**c);
    } else {
        return make_error("unknown command \"" + req->cmd + "\"");
    }
    return out;
}

}  // namespace tend::jobs
