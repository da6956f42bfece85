// The cron commands: typed arguments, the owner check of the entry, the operation, the reply.
#include "queue/daemon/cron_requests.hpp"

#include "queue/daemon/cron_service.hpp"
#include "queue/daemon/request_args.hpp"

namespace tend::jobs {

namespace {
namespace code = protocol::code;

// cron run / remove / next act on one entry: a config entry is tendd's, a CLI entry its
// adder's. Unknown names are left to the command, which says so.
Status may_act_on(const CronService& cron, const authz::Caller& caller, const std::string& cmd,
                  const CronArgs& args) {
    Status ok = authz::authorize(caller, cmd);
    if (!ok || cmd == "cron_next") return ok;
    const auto* a = std::get_if<CronNameArgs>(&args);
    if (!a) return ok;
    auto owner = cron.owner_of(a->name);
    if (!owner) return ok;
    ok = authz::authorize(
        caller, cmd,
        {owner->from_config ? authz::Subject::cron_config : authz::Subject::cron_entry,
         owner->uid});
    if (!ok) return make_error("cron entry " + a->name + ": " + ok.error());
    return ok;
}
}  // namespace

bool handle_cron_request(DaemonControl& d, ControlServer::ClientId, const authz::Caller& caller,
                         const protocol::Request& req, const ControlServer::Replier& reply) {
    auto decoded = decode_cron_args(req.cmd, req.args);
    if (!decoded) return false;
    auto fail = [&reply](const char* c, const std::string& m) {
        reply(protocol::encode_error(c, m));
        return true;
    };
    if (!*decoded) return fail(code::bad_request, decoded->error());
    if (!d.cron) return fail(code::bad_request, "cron is not running in this tendd");
    CronService& cron = *d.cron;
    CronArgs& args = **decoded;
    if (auto ok = may_act_on(cron, caller, req.cmd, args); !ok)
        return fail(code::forbidden, ok.error());
    if (std::holds_alternative<CronListArgs>(args)) {
        JobReply r = cron.list();
        hide_others(r.data, caller, {"command", "shell"});
        replier(reply)(r);
    } else if (auto* add = std::get_if<CronAddRequest>(&args)) {
        // The entry is the caller's: it runs as the caller, and only it (or an admin) may run
        // or remove it.
        add->def.uid = caller.uid;
        add->def.gid = caller.gid;
        add->def.groups = caller.groups;
        cron.add(std::move(*add), replier(reply));
    } else if (const auto* n = std::get_if<CronNameArgs>(&args)) {
        if (req.cmd == "cron_remove")
            cron.remove(n->name, replier(reply));
        else
            cron.run(n->name, replier(reply));
    } else if (const auto* next = std::get_if<CronNextArgs>(&args)) {
        replier(reply)(cron.next(next->name, next->from_s, next->count));
    }
    return true;
}

}  // namespace tend::jobs
