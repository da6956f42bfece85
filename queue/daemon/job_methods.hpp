// The job methods of the control protocol (submit, jobs, show, wait, cancel, retry, queues,
// pause, resume, compact) and the job side of `tend logs`: each checks that the caller owns the
// jobs it names, runs the operation and answers. cmd/tendd's method table calls them.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "queue/core/job_request_args.hpp"
#include "supervisor/daemon/method_call.hpp"
#include "supervisor/protocol/outcome.hpp"

namespace tend::jobs {

class JobQueue;

void submit(JobQueue& jobs, const MethodCall& call, SubmitRequest request);
void submit_lines(JobQueue& jobs, const MethodCall& call, SubmitLinesArgs lines);
void list(JobQueue& jobs, const MethodCall& call, ListArgs args);
void show(JobQueue& jobs, const MethodCall& call, const ShowArgs& args);
// wait, cancel and retry (`cmd` says which).
void act_on_jobs(JobQueue& jobs, const MethodCall& call, std::string_view cmd, JobIdsArgs args);
void queues(JobQueue& jobs, const MethodCall& call);
// pause and resume.
void set_paused(JobQueue& jobs, const MethodCall& call, const QueueArgs& args, bool paused);
// `tend queue set` (admins: the method table says so).
void queue_set(JobQueue& jobs, const MethodCall& call, const QueueSetArgs& args);
void compact(JobQueue& jobs, const MethodCall& call);

// The job side of `tend logs`: for each target (none a program's name), the job's reply
// element, or nullopt when the target is not a job the queue knows (it may name a program).
// `refusal` instead when a job is the caller's no business (forbidden) or a number names no
// job (not_found): the answer to the whole request. `done` may run later.
struct JobLogEntries {
    std::optional<protocol::Outcome> refusal;
    std::vector<std::optional<nlohmann::json>> entries;
};
void job_logs_entries(const JobQueue& jobs, const MethodCall& call,
                      std::vector<std::string> targets, std::function<void(JobLogEntries)> done);

// A listing shows a user other users' jobs and cron entries without what they run: command,
// cwd, name, key, output (SPEC §8). `items` is a JSON array of objects with a "uid".
void hide_others(nlohmann::json& items, const authz::Caller& caller,
                 std::initializer_list<const char*> fields);

}  // namespace tend::jobs
