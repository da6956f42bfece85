// The job methods of the control protocol (submit, jobs, show, wait, cancel, retry, queues,
// pause, resume, compact) and the job side of `tend logs`: each checks that the caller owns the
// jobs it names, runs the operation and answers. cmd/tendd's method table calls them.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "queue/core/job_request_args.hpp"
#include "supervisor/daemon/method_call.hpp"

namespace tend::jobs {

class JobService;

void submit(JobService& jobs, const MethodCall& call, SubmitRequest request);
void submit_lines(JobService& jobs, const MethodCall& call, SubmitLinesArgs lines);
void list(JobService& jobs, const MethodCall& call, ListArgs args);
void show(JobService& jobs, const MethodCall& call, const ShowArgs& args);
// wait, cancel and retry (`cmd` says which).
void act_on_jobs(JobService& jobs, const MethodCall& call, std::string_view cmd, JobIdsArgs args);
void queues(JobService& jobs, const MethodCall& call);
// pause and resume.
void set_paused(JobService& jobs, const MethodCall& call, const QueueArgs& args, bool paused);
// `tend queue set` (admins: the method table says so).
void queue_set(JobService& jobs, const MethodCall& call, const QueueSetArgs& args);
void compact(JobService& jobs, const MethodCall& call);

// `tend logs` targets that name jobs ("17"): the job's owner, or nullopt when the target is
// not a job id the daemon knows.
std::optional<std::uint32_t> job_owner(const JobService& jobs, const std::string& target);

// The reply element for a job target, or nullopt when the target is not a job id the daemon
// knows.
std::optional<nlohmann::json> job_logs_entry(JobService& jobs, const std::string& target);

// A listing shows a user other users' jobs and cron entries without what they run: command,
// cwd, name, key, output (SPEC §8). `items` is a JSON array of objects with a "uid".
void hide_others(nlohmann::json& items, const authz::Caller& caller,
                 std::initializer_list<const char*> fields);

}  // namespace tend::jobs
