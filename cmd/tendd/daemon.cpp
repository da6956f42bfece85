// tendd's composition root: load, lock, listen, wire the supervisor, the job queue, cron and
// the method table, run the loop, stop cleanly.
#include "cmd/tendd/daemon.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <csignal>
#include <cstring>
#include <map>
#include <tuple>

#include "cmd/full_config_loader.hpp"
#include "cmd/tendd/daemon_http.hpp"
#include "cmd/tendd/daemon_queue.hpp"
#include "cmd/tendd/methods.hpp"
#include "cmd/tendd/metrics_render.hpp"
#include "queue/daemon/cron_service.hpp"
#include "supervisor/config/probe_pitfall.hpp"
#include "supervisor/core/http_diff.hpp"
#include "supervisor/daemon/child_reaper.hpp"
#include "supervisor/daemon/config_loader.hpp"
#include "supervisor/daemon/control_server.hpp"
#include "supervisor/daemon/control_socket.hpp"
#include "supervisor/daemon/daemon_sockets.hpp"
#include "supervisor/daemon/event_loop.hpp"
#include "supervisor/daemon/loop_lag.hpp"
#include "supervisor/daemon/program_commands.hpp"
#include "supervisor/daemon/reload.hpp"
#include "supervisor/daemon/socket_activation.hpp"
#include "supervisor/daemon/state_lock.hpp"
#include "supervisor/daemon/supervisor.hpp"
#include "supervisor/daemon/systemd_notify.hpp"

extern char** environ;

namespace tend {
namespace {

void setup_logging(const DaemonConfig& d, const std::string& level_override) {
    bool journal = d.log_target == LogTarget::journal ||
                   (d.log_target == LogTarget::automatic && running_under_systemd());
    std::shared_ptr<spdlog::logger> logger;
    if (journal)
        logger = std::make_shared<spdlog::logger>(
            "tendd", std::make_shared<spdlog::sinks::systemd_sink_st>("tendd"));
    else
        logger = std::make_shared<spdlog::logger>(
            "tendd", std::make_shared<spdlog::sinks::stderr_sink_st>());
    if (journal)
        logger->set_pattern("%v");
    else
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e tendd[%P] %l: %v");
    static constexpr spdlog::level::level_enum levels[] = {
        spdlog::level::trace, spdlog::level::debug, spdlog::level::info, spdlog::level::warn,
        spdlog::level::err};
    logger->set_level(levels[static_cast<int>(d.log_level)]);
    if (!level_override.empty()) logger->set_level(spdlog::level::from_str(level_override));
    spdlog::set_default_logger(logger);
}

// Who may use the socket, and as what (SPEC §8): the control server and the spool intake.
authz::AccessPolicy access_policy(const LoadedConfig& lc) {
    auto gid = [](std::optional<gid_t> g) {
        return g ? std::optional<std::uint32_t>(*g) : std::nullopt;
    };
    return {static_cast<std::uint32_t>(geteuid()), gid(lc.socket_gid), gid(lc.admin_gid)};
}

// Children must not see the variables systemd addressed to tendd itself.
std::vector<std::string> program_base_env() {
    static const char* drop[] = {
        "NOTIFY_SOCKET=", "LISTEN_FDS=",   "LISTEN_PID=",   "LISTEN_FDNAMES=",
        "WATCHDOG_USEC=", "WATCHDOG_PID=", "TEND_PROGRAM=", "TEND_INSTANCE="};
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        bool keep = true;
        for (const char* d : drop) keep = keep && std::strncmp(*e, d, std::strlen(d)) != 0;
        if (keep) env.emplace_back(*e);
    }
    return env;
}

// The daemon holds several fds per instance; raise the soft limit, remember the old one.
rlim_t raise_fd_limit() {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
    rlim_t old = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    return old;
}

struct Daemon {
    EventLoop loop;
    // Client connections and memory (SPEC §8): shared by the control server and the job queue,
    // so outlives both.
    std::unique_ptr<ClientBudget> budget;
    std::unique_ptr<ChildReaper> reaper;
    RunnerContext ctx;
    std::unique_ptr<Supervisor> supervisor;
    std::unique_ptr<jobs::JobQueue> jobs;  // its store chosen by open_job_queue
    std::unique_ptr<jobs::CronService> cron;
    std::function<void()> restart_cron;  // PostgreSQL: once the cron book is read
    std::unique_ptr<ControlServer> server;
    std::unique_ptr<LoopLag> loop_lag;  // before http: its sampler listens to it
    std::unique_ptr<DaemonHttp> http;   // [http]: the HTTP server, when configured
    DaemonControl control;
    EventSource sig_term, sig_int, sig_hup, shutdown_timer;
    bool shutting_down = false;
    bool draining = false;  // tend shutdown --drain: waiting for running jobs to finish
    std::vector<protocol::Respond> shutdown_waiters;  // `tend shutdown` clients
    Usec shutdown_timeout{};
    ReloadTarget reload_target;
    Config config;               // the config in force (its programs follow reloads)
    QueueSections queue_config;  // [queue.*] and [cron.*] in force (they follow reloads too)

    // A reload's queue layer: the scheduler's settings first (cron entries name queues).
    void apply_queue_sections(const QueueSections& q) {
        jobs->reconfigure(queue_settings(q));
        cron->reconfigure(q.crons);
        queue_config = q;
    }
    // [http] at a reload: the token file is re-read (rotation) even when nothing else changed.
    void apply_http(const HttpConfig& h) {
        if (auto st = http->apply(h); !st) spdlog::error("{}", st.error());
        http_config = h;
    }
    HttpConfig http_config;  // [http] in force

    Result<nlohmann::json> reload(bool dry_run) {
        if (!dry_run) notify_reloading();
        auto plan = reload_config(reload_target, dry_run);
        if (!dry_run)
            notify_ready(std::to_string(supervisor->programs().size()) + " programs (reloaded)");
        return plan;
    }

    void arm_shutdown_timer() {
        auto t = ev::add_time_relative(loop.get(), CLOCK_MONOTONIC,
                                       static_cast<uint64_t>(shutdown_timeout.count()), 1000,
                                       &Daemon::on_shutdown_timeout, this, "arm shutdown_timeout");
        if (t)
            shutdown_timer = std::move(*t);
        else  // the shutdown goes on; only its bound is lost (a second SIGTERM tries again)
            spdlog::error("{}: what has not stopped by then is not killed", t.error());
    }

    // `drain` (tend shutdown --drain): running jobs finish first, however long they take;
    // shutdown_timeout bounds what comes after. A shutdown without it (a SIGTERM, a plain
    // `tend shutdown`) during a drain sends them TERM at once.
    void begin_shutdown(const char* why, bool drain = false) {
        if (shutting_down) {
            if (draining && !drain) {
                draining = false;
                spdlog::info("shutting down ({}): no longer draining; TERM to {} running job(s)",
                             why, jobs->running_count());
                arm_shutdown_timer();
                jobs->stop_all(nullptr, false);
            }
            return;
        }
        shutting_down = true;
        draining = drain;
        if (drain)
            spdlog::info(
                "shutting down ({}): draining {} running job(s), then stopping {} "
                "instance(s)",
                why, jobs->running_count(), supervisor->running_count());
        else
            spdlog::info("shutting down ({}): stopping {} running job(s) and {} instance(s)", why,
                         jobs->running_count(), supervisor->running_count());
        notify_stopping();
        if (!drain) arm_shutdown_timer();
        // Jobs first: they get TERM and their queue's stop_timeout (or, draining, finish), and
        // the interrupted ones are written back as pending before the programs are stopped.
        jobs->stop_all(
            [this] {
                if (!shutdown_timer) arm_shutdown_timer();
                supervisor->stop_all([this] {
                    // Answered before the loop ends: the reply is small enough to go out at
                    // once.
                    for (auto& reply : shutdown_waiters)
                        reply(protocol::Outcome::ok({{"stopped", true}}));
                    if (int r = sd_event_exit(loop.get(), 0); r < 0)
                        spdlog::error("{}: tendd keeps running",
                                      ev::failure("end the event loop", r).message);
                });
            },
            drain);
    }

    static int on_shutdown_timeout(sd_event_source*, uint64_t, void* self) {
        auto* d = static_cast<Daemon*>(self);
        spdlog::warn("shutdown_timeout elapsed: killing {} remaining job(s) and {} instance(s)",
                     d->jobs->running_count(), d->supervisor->running_count());
        d->jobs->kill_all();
        d->supervisor->kill_all();
        return 0;
    }

    static int on_signal(sd_event_source*, const struct signalfd_siginfo* si, void* self) {
        auto* d = static_cast<Daemon*>(self);
        if (si->ssi_signo == SIGHUP) {
            if (d->shutting_down) return 0;
            spdlog::info("SIGHUP received: reloading the config");
            if (auto plan = d->reload(false); !plan) spdlog::error("reload: {}", plan.error());
            return 0;
        }
        d->begin_shutdown(si->ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
        return 0;
    }
};

}  // namespace

int run_daemon(const DaemonOptions& options) {
    setup_logging(DaemonConfig{}, options.log_level_override);
    const Paths& paths = options.paths;
    FullLoadResult full = load_full_config(paths.config, paths.config_explicit);
    LoadResult& load = full.load;
    if (!load.loaded) {
        for (const auto& e : load.errors) spdlog::error("{}", e);
        spdlog::error("invalid configuration; tendd did not start");
        return kDaemonConfigInvalid;
    }
    LoadedConfig& lc = *load.loaded;
    setup_logging(lc.config.daemon, options.log_level_override);
    if (auto why = watchdog_too_long(lc.config.daemon.store)) {
        spdlog::error("{}", *why);
        spdlog::error("tendd did not start");
        return kDaemonUnsupported;
    }
    for (const auto& w : config_warnings(lc.config)) spdlog::warn("config: {}", w);
    if (!lc.file_found) spdlog::info("no config at {}: running with no programs", paths.config);
    if (lc.config.daemon.socket_group && geteuid() != 0)
        spdlog::warn("socket_group is ignored by a user instance: the socket stays private (0600)");
    if (lc.config.daemon.admin_group && geteuid() != 0)
        spdlog::warn("admin_group is ignored by a user instance: the socket stays private (0600)");
    auto lock = acquire_state_lock(paths.state_dir);
    if (!lock) {
        spdlog::error("{}", lock.error());
        return kDaemonFailure;
    }
    // Socket activation: the control socket and program sockets may come from systemd.
    std::map<std::string, UniqueFd> activated = take_activated_sockets();
    if (auto st = attach_program_sockets(lc.runtimes, activated); !st) {
        spdlog::error("{}", st.error());
        return kDaemonFailure;
    }

    prctl(PR_SET_CHILD_SUBREAPER, 1);
    const rlim_t nofile_soft = raise_fd_limit();

    sigset_t mask;
    sigemptyset(&mask);
    for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&mask, s);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    signal(SIGPIPE, SIG_IGN);

    Daemon d;
    sd_event* e = nullptr;
    if (int r = sd_event_new(&e); r < 0) {
        spdlog::error("cannot create the event loop: {}", std::strerror(-r));
        return kDaemonFailure;
    }
    d.loop.reset(e);
    // WATCHDOG=1 from the loop itself when WATCHDOG_USEC is set.
    if (int r = sd_event_set_watchdog(e, 1); r < 0) {
        spdlog::error("{}", ev::failure("send the systemd watchdog keep-alive", r).message);
        return kDaemonFailure;
    }
    d.shutdown_timeout = lc.config.daemon.shutdown_timeout;
    for (auto [sig, holder, what] : {std::tuple{SIGTERM, &d.sig_term, "watch SIGTERM"},
                                     std::tuple{SIGINT, &d.sig_int, "watch SIGINT"},
                                     std::tuple{SIGHUP, &d.sig_hup, "watch SIGHUP"}}) {
        auto s = ev::add_signal(e, sig, &Daemon::on_signal, &d, what);
        if (!s) {
            spdlog::error("{}", s.error());
            return kDaemonFailure;
        }
        *holder = std::move(*s);
    }

    // The socket file admits the one group it can name; when admin_group is another group, it
    // is open to all and tendd admits each peer by its credentials (SPEC §8).
    const std::optional<gid_t> socket_file_gid = lc.socket_gid ? lc.socket_gid : lc.admin_gid;
    const bool two_groups = lc.socket_gid && lc.admin_gid && *lc.socket_gid != *lc.admin_gid;
    auto listener =
        open_control_listener(activated, paths.socket, socket_file_gid, two_groups ? 0666 : 0660);
    if (!listener) {
        spdlog::error("{}", listener.error());
        return kDaemonFailure;
    }

    auto reaper = ChildReaper::start(e);
    if (!reaper) {
        spdlog::error("{}", reaper.error());
        return kDaemonFailure;
    }
    d.reaper = std::move(*reaper);
    d.ctx.loop = e;
    d.ctx.reaper = d.reaper.get();
    d.ctx.state_dir = paths.state_dir;
    d.ctx.under_systemd = running_under_systemd();
    d.ctx.base_env = program_base_env();
    // Unique per tendd: a second tendd (another user, another state dir) has its own names.
    d.ctx.notify_prefix = "tend/" + std::to_string(getpid()) + "/";
    d.ctx.nofile_soft = nofile_soft;
    d.ctx.warn = [](const std::string& m) { spdlog::warn("{}", m); };
    d.ctx.info = [](const std::string& m) { spdlog::info("{}", m); };
    d.supervisor = std::make_unique<Supervisor>(d.ctx);
    d.supervisor->load(lc.runtimes);

    d.budget = std::make_unique<ClientBudget>(options.client_limits);
    QueueEnv qe;
    qe.loop = e;
    qe.reaper = d.reaper.get();
    qe.budget = d.budget.get();
    qe.paths = &paths;
    qe.config = &lc;
    qe.queue = &full.queue;
    qe.version = options.version;
    qe.nofile_soft = nofile_soft;
    // Whoever may use the socket may submit (SPEC §8): socket_group and admin_group members.
    qe.may_submit = [policy = access_policy(lc)](uid_t uid, gid_t gid,
                                                 const std::vector<gid_t>& groups) {
        return authz::role_of(policy, uid, gid,
                              std::vector<std::uint32_t>(groups.begin(), groups.end()))
            .has_value();
    };
    qe.on_cron_loaded = [&d] {
        if (d.restart_cron) d.restart_cron();
    };
    auto job_queue = open_job_queue(qe);
    if (!job_queue) {
        spdlog::error("cannot open the job queue: {}", job_queue.error());
        return kDaemonFailure;
    }
    d.jobs = std::move(*job_queue);

    const jobs::CronServiceOptions co =
        cron_options(e, d.jobs.get(), full.queue, lc.config.file, d.ctx.base_env);
    auto cron_service = jobs::CronService::start(co);  // a copy: restart_cron starts it again
    if (!cron_service) {
        spdlog::error("cannot start cron: {}", cron_service.error());
        return kDaemonFailure;
    }
    d.cron = std::move(cron_service.value());
    // The PostgreSQL store reads its cron book once the database answers: cron then starts
    // anew on it (its entries' last ticks), as the file store's cron starts on the recovered
    // book.
    d.restart_cron = [&d, co] {
        jobs::CronServiceOptions o = co;
        o.config = d.queue_config.crons;
        auto c = jobs::CronService::start(std::move(o));
        if (!c) return spdlog::error("cannot start cron on the database's entries: {}", c.error());
        d.cron = std::move(*c);
        d.control.cron = d.cron.get();
    };

    d.control.supervisor = d.supervisor.get();
    d.control.version = options.version;
    d.control.shutdown = [&d](protocol::Respond reply, bool drain) {
        d.shutdown_waiters.push_back(std::move(reply));
        d.begin_shutdown(drain ? "request, --drain" : "request", drain);
    };
    d.control.shutting_down = [&d] { return d.shutting_down; };
    d.config = lc.config;
    d.queue_config = full.queue;
    // [queue.*] and [cron.*] apply live (SPEC §5.6): the queue layer's diff for the plan, and
    // the new sections for the scheduler and cron once the programs' plan is applied.
    d.reload_target = ReloadTarget{
        paths.config, paths.config_explicit, &d.config, d.supervisor.get(),
        [&d, path = paths.config, must_exist = paths.config_explicit](OtherSections& other) {
            FullLoadResult r = load_full_config(path, must_exist);
            if (!r.load.loaded) return std::move(r.load);
            other.live = diff_queue_sections(d.queue_config, r.queue);
            for (auto& h : diff_http(d.http_config, r.http)) other.live.push_back(std::move(h));
            // Always applied: it also ends what `tend queue set` changed (until the reload).
            other.apply = [&d, q = std::move(r.queue), h = std::move(r.http)] {
                d.apply_queue_sections(q);
                d.apply_http(h);
            };
            return std::move(r.load);
        }};
    d.control.reload = [&d](bool dry_run) { return d.reload(dry_run); };
    d.control.jobs = d.jobs.get();
    d.control.cron = d.cron.get();
    d.control.caller = [&d](ControlServer::ClientId c) { return d.server->caller(c); };
    ServerLimits server_limits;
    server_limits.idle_timeout = options.client_idle_timeout;
    auto server = ControlServer::start(
        e, std::move(listener->fd),
        [&d](ControlServer::ClientId c, const protocol::Request& r, ControlServer::Replier reply) {
            handle_request(d.control, c, r, reply);
        },
        access_policy(lc), *d.budget, server_limits);
    if (!server) {
        spdlog::error("{}", server.error());
        return kDaemonFailure;
    }
    d.server = std::move(*server);
    d.server->set_on_disconnect([&d](ControlServer::ClientId c) {
        d.supervisor->cancel_waits(c);
        d.jobs->client_gone(c);
    });
    d.jobs->start_spool_intake();

    DaemonHttpEnv http_env;
    http_env.loop = e;
    http_env.policy = access_policy(lc);
    http_env.socket_gid = lc.socket_gid;
    http_env.config_file = lc.config.file.empty() ? paths.config : lc.config.file;
    http_env.info = [](const std::string& m) { spdlog::info("{}", m); };
    http_env.warn = [](const std::string& m) { spdlog::warn("{}", m); };
    if (auto lag = LoopLag::start(e); lag)
        d.loop_lag = std::move(*lag);
    else  // only a metric is lost
        spdlog::warn("{}: tend_event_loop_lag_seconds stays empty", lag.error());
    auto data = [](const protocol::Outcome& o) {
        if (!o.is_ok()) return nlohmann::json();
        return o.text.empty() ? o.data : nlohmann::json::parse(o.text, nullptr, false);
    };
    http_env.queues_json = [&d] { return jobs::queues_json(*d.jobs); };
    http_env.status_json = [&d, data] { return data(programs::status(*d.supervisor, {})); };
    http_env.activity = d.loop_lag.get();
    d.http = std::make_unique<DaemonHttp>(std::move(http_env), &d.control);
    const double started_s = double(ev::now(e, CLOCK_REALTIME)) / 1e6;
    d.http->context().metrics = [&d, started_s, version = options.version] {
        MetricsSources m;
        m.version = version;
        m.supervisor = d.supervisor.get();
        m.jobs = d.jobs.get();
        m.cron = d.cron.get();
        m.control = &d.control;
        m.control_connections = d.server ? d.server->client_count() : 0;
        m.http = &d.http->context();
        m.http_connections = d.http->server() ? d.http->server()->connections() : 0;
        m.loop_lag = d.loop_lag ? &d.loop_lag->histogram() : nullptr;
        m.process_start_time_s = started_s;
        m.wall_now_us = static_cast<std::int64_t>(ev::now(d.loop.get(), CLOCK_REALTIME));
        m.mono_now_us = static_cast<std::int64_t>(ev::now(d.loop.get(), CLOCK_MONOTONIC));
        return render_metrics(m);
    };
    if (auto st = d.http->apply(full.http); !st) {
        spdlog::error("{}", st.error());
        return kDaemonFailure;
    }
    d.http_config = full.http;

    d.supervisor->start_autostart();
    const std::string summary = std::to_string(d.supervisor->programs().size()) + " programs, " +
                                std::to_string(d.supervisor->running_count()) +
                                " instances started";
    spdlog::info("tendd {} ready on {} (state {}, spool {}): {}", options.version, paths.socket,
                 paths.state_dir, paths.spool, summary);
    notify_ready(summary);

    int r = sd_event_loop(e);
    d.http.reset();
    d.server.reset();
    d.cron.reset();
    d.jobs.reset();
    // An activated socket belongs to systemd, which keeps it for the next start.
    if (!listener->activated) unlink(paths.socket.c_str());
    spdlog::info("tendd stopped");
    return r < 0 ? kDaemonFailure : kDaemonOk;
}

}  // namespace tend
