// The cron methods: the owner check of the entry, the operation, the outcome.
#include "queue/daemon/cron_methods.hpp"

#include "queue/daemon/cron_service.hpp"
#include "queue/daemon/job_methods.hpp"

namespace tend::jobs {

void cron_list(CronService& cron, const MethodCall& call) {
    JobReply r = cron.list();
    hide_others(r.data, call.caller, {"command", "shell"});
    call.respond(r);
}

void cron_add(CronService& cron, const MethodCall& call, CronAddRequest add) {
    add.def.uid = call.caller.uid;
    add.def.gid = call.caller.gid;
    add.def.groups = call.caller.groups;
    cron.add(std::move(add), call.respond);
}

void cron_act(CronService& cron, const MethodCall& call, std::string_view cmd,
              const CronNameArgs& a) {
    // A config entry is tendd's, a CLI entry its adder's. Unknown names are left to the
    // command, which says so.
    if (auto owner = cron.owner_of(a.name)) {
        auto ok = authz::authorize(call.caller, {owner->from_config ? authz::Subject::cron_config
                                                                    : authz::Subject::cron_entry,
                                                 owner->uid});
        if (!ok)
            return call.respond(JobReply::error(JobReply::Kind::forbidden,
                                                "cron entry " + a.name + ": " + ok.error()));
    }
    if (cmd == "cron_remove")
        cron.remove(a.name, call.respond);
    else
        cron.run(a.name, call.respond);
}

void cron_next(CronService& cron, const MethodCall& call, const CronNextArgs& a) {
    call.respond(cron.next(a.name, a.from_s, a.count));
}

}  // namespace tend::jobs
