// The cron methods of the control protocol (cron_list, cron_add, cron_remove, cron_run,
// cron_next): the owner check of the entry, the operation, the answer. cmd/tendd's method
// table calls them.
#pragma once

#include <string_view>

#include "queue/core/job_request_args.hpp"
#include "supervisor/daemon/method_call.hpp"

namespace tend::jobs {

class CronService;

void cron_list(CronService& cron, const MethodCall& call);
// The entry is the caller's: it runs as the caller, and only it (or an admin) may run or
// remove it.
void cron_add(CronService& cron, const MethodCall& call, CronAddRequest request);
// cron_run and cron_remove (`cmd` says which; it names the method in a refusal).
void cron_act(CronService& cron, const MethodCall& call, std::string_view cmd,
              const CronNameArgs& args);
void cron_next(CronService& cron, const MethodCall& call, const CronNextArgs& args);

}  // namespace tend::jobs
