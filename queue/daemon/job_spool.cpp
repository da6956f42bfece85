// The spool taken in: files `tend submit` stored while tendd was down, run as their owner.
#include <grp.h>
#include <pwd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "queue/daemon/job_spool.hpp"
#include "queue/store/spool.hpp"
#include "queue/store/spool_pairing.hpp"
#include "supervisor/daemon/event_loop.hpp"

namespace tend::jobs {

namespace {

// The submitter of a spool file: its owner, with the primary group and groups of that user's
// passwd and group entries (what a login as that user would have).
struct Submitter {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
};

Result<Submitter> look_up_owner(uid_t uid) {
    std::vector<char> buf(16384);
    passwd pw{}, *found = nullptr;
    int err;
    while ((err = getpwuid_r(uid, &pw, buf.data(), buf.size(), &found)) == ERANGE &&
           buf.size() < (1u << 20))
        buf.resize(buf.size() * 2);
    if (err != 0 || !found)
        return make_error("its owner, uid " + std::to_string(uid) + ", has no passwd entry" +
                          (err ? std::string(" (") + std::strerror(err) + ")" : ""));
    Submitter s{pw.pw_uid, pw.pw_gid, {}};
    int n = 64;
    std::vector<gid_t> groups(static_cast<std::size_t>(n));
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &n) < 0) {
        groups.resize(static_cast<std::size_t>(n));
        if (getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &n) < 0) n = 0;
    }
    groups.resize(static_cast<std::size_t>(std::max(n, 0)));
    s.groups = std::move(groups);
    return s;
}

std::optional<std::string> spool_spec_problem(const JobSpec& s) {
    if (s.argv.empty() || s.argv[0].empty()) return "a job names no command";
    if (s.cwd.empty() || s.cwd[0] != '/') return "a job's cwd is not an absolute path";
    if (s.key.starts_with("cron:")) return "a job uses a key reserved for cron entries";
    if (s.max_attempts > 1000000) return "a job asks for more than 1000000 attempts";
    return std::nullopt;
}

}  // namespace

Status SpoolIntake::open() {
    if (c_.opt.spool_dir.empty()) return ok_status();
    auto fd = open_spool_dir(c_.opt.spool_dir, c_.opt.spool_policy);
    if (!fd) return make_error(fd.error());
    spool_fd_ = std::move(*fd);
    return ok_status();
}

void SpoolIntake::start() {
    const std::string& dir = c_.opt.spool_dir;
    if (!spool_fd_) return;  // no spool (SpoolIntake::open opened and checked it)
    // tend submit finds this spool by the socket it was given while tendd is down (SPEC §8).
    if (!c_.opt.socket.empty())
        if (auto st = write_pairing_file(c_.opt.socket, dir); !st)
            c_.opt.warn("tend submit cannot learn the spool from the socket: " + st.error() +
                        "; while tendd is down it needs --spool " + dir);
    spool_inotify_.reset(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    // Watched through the open directory: the path could be replaced after the checks.
    const std::string watched = "/proc/self/fd/" + std::to_string(spool_fd_.get());
    if (!spool_inotify_ || inotify_add_watch(spool_inotify_.get(), watched.c_str(),
                                             IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR) < 0) {
        c_.opt.warn("the spool " + dir + " is not watched: " + std::strerror(errno) +
                    "; spooled jobs are taken in when tendd starts");
    } else if (auto s = ev::add_io(c_.opt.loop, spool_inotify_.get(), EPOLLIN,
                                   &SpoolIntake::on_spool_event, this, "watch the spool " + dir);
               !s) {
        // As when inotify itself fails: degraded, not fatal (the scan below still runs).
        c_.opt.warn(s.error() + "; spooled jobs are taken in when tendd starts");
    } else {
        spool_source_ = std::move(*s);
    }
    // Watch first, then scan: a file spooled in between is seen by one or the other, and a
    // file seen by both is taken in once (spool_in_flight_).
    for (const auto& token : list_spool(spool_fd_.get())) import_spool(token);
    tokens_in_store_.clear();
}

int SpoolIntake::on_spool_event(sd_event_source*, int fd, uint32_t, void* self) {
    auto* s = static_cast<SpoolIntake*>(self);
    alignas(inotify_event) char buf[16384];
    // Bounded: one read per event; more events make the fd readable again.
    ssize_t n = read(fd, buf, sizeof buf);
    for (ssize_t off = 0; n > 0 && off < n;) {
        auto* ev = reinterpret_cast<inotify_event*>(buf + off);
        off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        if (ev->len == 0) continue;
        std::string name(ev->name);
        // Temporary files, and damaged or refused ones set aside (their rename is an event too).
        if (!is_spool_token(name)) continue;
        s->import_spool(name);
    }
    return 0;
}

void SpoolIntake::refuse_spool_file(const std::string& token, const std::string& why) {
    c_.opt.warn("spool: ignored " + why + "; it is set aside as " + token +
                std::string(kSpoolRefusedSuffix));
    if (auto st =
            set_aside_spool_file(spool_fd_.get(), c_.opt.spool_dir, token, kSpoolRefusedSuffix);
        !st)
        c_.opt.warn("spool: " + st.error());
}

void SpoolIntake::forget_spool_file(const std::string& token) {
    // Its jobs are in the store: a file left behind is removed at the next start, not re-run.
    if (auto st = remove_spool_file(spool_fd_.get(), c_.opt.spool_dir, token); !st)
        c_.opt.warn("spool: " + st.error() + "; it is removed when tendd restarts");
}

void SpoolIntake::import_spool(const std::string& token) {
    if (c_.stopping || !spool_fd_ || spool_in_flight_.count(token)) return;
    const int dfd = spool_fd_.get();
    const std::string& dir = c_.opt.spool_dir;
    if (tokens_in_store_.count(token)) {
        // Committed before a crash that came before the file was removed.
        return forget_spool_file(token);
    }
    SpoolRead read = read_spool_file(dfd, dir, token);
    switch (read.outcome) {
        case SpoolRead::Outcome::gone:
            return;  // taken in through another event
        case SpoolRead::Outcome::refused:
            return refuse_spool_file(token, read.problem);
        case SpoolRead::Outcome::damaged:
            c_.opt.warn("spool: " + read.problem + "; the file is set aside as " + token +
                        std::string(kSpoolDamagedSuffix));
            if (auto st = set_aside_spool_file(dfd, dir, token, kSpoolDamagedSuffix); !st)
                c_.opt.warn("spool: " + st.error());
            return;
        case SpoolRead::Outcome::ok:
            break;
    }
    // The submitter is the file's owner, never what the file says (SPEC §8).
    const std::string path = dir + "/" + token;
    auto owner = look_up_owner(read.owner);
    if (!owner) return refuse_spool_file(token, path + ": " + owner.error());
    const bool trusted =
        owner->uid == 0 || owner->uid == geteuid() ||
        (c_.opt.may_submit && c_.opt.may_submit(owner->uid, owner->gid, owner->groups));
    if (!trusted)
        return refuse_spool_file(token, path + ": its owner, uid " + std::to_string(owner->uid) +
                                            ", may not submit jobs to this tendd");
    SpoolEntry& entry = read.entry;
    // What a submit over the socket would refuse is refused here too (the file is the user's).
    for (const auto& spec : entry.specs)
        if (auto bad = spool_spec_problem(spec))
            return refuse_spool_file(token, path + ": " + *bad);
    std::vector<JobSpec> specs;
    for (auto& spec : entry.specs) {
        // Keys are per user (SPEC §8): the owner's, whatever the file claims.
        if (!spec.key.empty() && c_.sched.find_key(owner->uid, spec.key)) continue;  // deduplicated
        spec.id = c_.sched.allocate_id();
        spec.spool_token = token;
        spec.uid = owner->uid;
        spec.gid = owner->gid;
        spec.groups.assign(owner->groups.begin(), owner->groups.end());
        c_.sched.ensure_queue(spec.queue);
        specs.push_back(std::move(spec));
    }
    if (specs.empty()) return forget_spool_file(token);
    spool_in_flight_.insert(token);
    std::vector<JobId> unconfigured;
    for (const auto& s : specs) {
        auto q = c_.sched.queue_index(s.queue);
        if (q && !c_.sched.queues()[*q].configured) unconfigured.push_back(s.id);
    }
    const std::size_t n = specs.size();
    const uid_t uid = owner->uid;
    submit_.commit_submit(
        std::move(specs), entry.env,
        [this, token, n, uid](Result<std::vector<JobId>> ids) {
            spool_in_flight_.erase(token);
            if (!ids) {
                c_.opt.warn("spool: cannot take in " + token + ": " + ids.error() +
                            "; it stays in the spool until tendd restarts");
                return;
            }
            forget_spool_file(token);
            c_.opt.info("took " + std::to_string(n) + " spooled job(s) of uid " +
                        std::to_string(uid) + " from " + token);
        },
        {}, SubmitSource::spool);
    // Acknowledged by `tend submit` already, so they are kept, but a queue that is not
    // configured would hold them forever: they are cancelled with the reason.
    for (JobId id : unconfigured)
        if (auto st = c_.sched.cancel(id, c_.now(), "its queue is not configured in tend.toml");
            !st)
            c_.opt.warn("spool: job " + std::to_string(id) + ": " + st.error());
    d_.pump();
}

}  // namespace tend::jobs
