// A stopped daemon's job log, read-only, answering `jobs`, `show` and `logs` (job_log_view.hpp).
#include "queue/store/job_log_view.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "queue/core/job_render.hpp"
#include "queue/core/typed_request.hpp"
#include "queue/store/log_replay.hpp"
#include "supervisor/protocol/outcome.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend::jobs {

namespace {
using Outcome = protocol::Outcome;
using Kind = Outcome::Kind;

// The whole file, read through `fd` (a log being written meanwhile is read up to where the
// read ends: scan_log stops at the last intact record).
Result<std::string> read_all(int fd) {
    std::string out;
    char buf[1 << 16];
    while (true) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return make_error(std::strerror(errno));
        if (n == 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

std::optional<JobId> job_id_of(const std::string& target) {
    if (target.empty() || target.size() > 19 ||
        target.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    const JobId id = std::stoull(target);
    return id == 0 ? std::nullopt : std::optional<JobId>(id);
}
}  // namespace

JobLogView::JobLogView(const JobLogViewOptions& o, std::string image)
    : opt_(o), image_(std::move(image)), table_(o.queues, 0) {}

std::unique_ptr<JobLogView> JobLogView::open(const JobLogViewOptions& o, OpenError& error) {
    const std::string& dir = o.state_dir;
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd) {
        error = {"cannot read " + dir + ": " + std::strerror(errno), errno == EACCES,
                 errno == ENOENT};
        return nullptr;
    }
    struct stat st {};
    if (fstat(dfd.get(), &st) != 0) {
        error = {"cannot read " + dir + ": " + std::strerror(errno), false, false};
        return nullptr;
    }
    std::string image;
    // O_NOFOLLOW: the log is tendd's own file, never a link (tend-state(5)).
    UniqueFd fd(openat(dfd.get(), "jobs.log", O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd && errno != ENOENT) {
        error = {"cannot read " + dir + "/jobs.log: " + std::strerror(errno), errno == EACCES,
                 false};
        return nullptr;
    }
    if (fd) {
        auto bytes = read_all(fd.get());
        if (!bytes) {
            error = {"cannot read " + dir + "/jobs.log: " + bytes.error(), false, false};
            return nullptr;
        }
        image = std::move(*bytes);
    }
    std::unique_ptr<JobLogView> v(new JobLogView(o, std::move(image)));
    const bool admin = o.uid == 0 || o.uid == st.st_uid;
    v->caller_ = authz::Caller{o.uid, o.gid, {}, admin ? authz::Role::admin : authz::Role::user};
    if (v->image_.empty()) return v;  // no log yet: no jobs
    TableRestoreSink sink(v->table_);
    std::size_t undecodable = 0;
    auto scanned = scan_log(
        v->image_, [&](const ScannedRecord& r) { replay_record(r, sink, undecodable, nullptr); });
    if (!scanned) {
        error = {dir + "/jobs.log: " + scanned.error(), false, false};
        return nullptr;
    }
    if (scanned->tail_problem)
        v->warnings_.push_back("jobs.log ends in a torn or damaged record (" +
                               *scanned->tail_problem + "); tendd cuts it when it starts");
    for (const auto& s : scanned->skipped) v->warnings_.push_back("jobs.log: " + s);
    if (undecodable > 0)
        v->warnings_.push_back("jobs.log: " + std::to_string(undecodable) +
                               " record(s) could not be decoded and were skipped");
    sink.finish(o.now, [&](const std::string& m) { v->warnings_.push_back(m); });
    return v;
}

Result<JobSpec> JobLogView::read_spec(std::uint64_t offset, std::uint32_t length) const {
    if (offset > image_.size() || length > image_.size() - offset)
        return make_error("spec outside the job log");
    return decode_spec(std::string_view(image_).substr(offset, length));
}

std::string JobLogView::answer(std::string_view line) const {
    auto req = decode_request_typed(line);
    if (!req) return protocol::encode_outcome(Outcome::error(Kind::bad_request, req.error()));
    JobReadContext c{table_, [this](SpecRef r) { return read_spec(r.offset, r.length); },
                     opt_.state_dir, opt_.now};
    auto may_see = [&](JobId id) -> std::optional<Outcome> {
        const JobEntry* e = table_.find(id);
        if (!e) return std::nullopt;
        if (auto ok = authz::authorize(caller_, {authz::Subject::job, e->uid}); !ok)
            return Outcome::error(Kind::forbidden, "job " + std::to_string(id) + ": " + ok.error());
        return std::nullopt;
    };
    if (const auto* a = std::get_if<JobArgs>(&req->args)) {
        if (const auto* l = std::get_if<ListArgs>(a)) {
            JobListQuery q = l->query;
            if (!caller_.is_admin()) q.viewer_uid = caller_.uid;
            return protocol::encode_outcome(list_jobs(c, q));
        }
        if (const auto* s = std::get_if<ShowArgs>(a)) {
            if (auto refused = may_see(s->id)) return protocol::encode_outcome(*refused);
            return protocol::encode_outcome(show_job(c, s->id));
        }
    }
    if (const auto* a = std::get_if<protocol::SupervisorArgs>(&req->args)) {
        if (const auto* l = std::get_if<protocol::LogsArgs>(a)) {
            nlohmann::json arr = nlohmann::json::array();
            for (const auto& t : l->targets) {
                auto id = job_id_of(t);
                if (!id)
                    return protocol::encode_outcome(
                        Outcome::error(Kind::failed,
                                       "tendd is not running: only jobs' output can be read "
                                       "from disk, and \"" +
                                           t + "\" is not a job id"));
                if (auto refused = may_see(*id)) return protocol::encode_outcome(*refused);
                Outcome one = job_logs(c, *id);
                if (!one.is_ok()) return protocol::encode_outcome(one);
                arr.push_back(std::move(one.data));
            }
            return protocol::encode_outcome(Outcome::ok(std::move(arr)));
        }
    }
    return protocol::encode_outcome(
        Outcome::error(Kind::failed, req->cmd + " needs tendd, which is not running"));
}

}  // namespace tend::jobs
