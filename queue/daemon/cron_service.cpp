// Cron firing in tendd: loading entries, the realtime timer, catch-up and overlap, and each tick
// written as a job together with the entry's last tick.
#include "queue/daemon/cron_service.hpp"

#include <sys/timerfd.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "queue/cron/cron_records.hpp"
#include "supervisor/core/environment.hpp"
#include "supervisor/daemon/event_loop.hpp"

namespace tend::jobs {

namespace {
CronRecords records_of(const std::string& name, const cron::CronState& s) {
    return CronRecords{{}, {cron::CronStateRecord{name, s.last_tick_s, s.last_job}}};
}
}  // namespace

CronService::CronService(CronServiceOptions options) : opt_(std::move(options)) {}

std::int64_t CronService::now_s() const {
    // The wall clock itself, not the loop's cached time: the timer is on the wall clock.
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec;
}

Result<CronService::Entry> CronService::make_entry(cron::CronDef def) const {
    Entry e;
    auto expr = cron::parse_cron(def.schedule);
    if (!expr) return make_error("schedule \"" + def.schedule + "\": " + expr.error());
    auto zone = cron::find_zone(def.timezone);
    if (!zone) return make_error(zone.error());
    e.expr = std::move(*expr);
    e.zone = *zone;
    e.def = std::move(def);
    return e;
}

cron::CronDef CronService::config_def(const CronConfig& cc) const {
    cron::CronDef def = cc.def;
    std::vector<std::pair<std::string, std::string>> own;
    for (const auto& kv : cc.def.env) {
        auto eq = kv.find('=');
        own.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    def.env = merge_environment(opt_.base_env, own);
    def.uid = opt_.uid;
    def.gid = opt_.gid;
    def.groups = opt_.groups;
    return def;
}

Result<std::unique_ptr<CronService>> CronService::start(CronServiceOptions options) {
    std::unique_ptr<CronService> c(new CronService(std::move(options)));
    cron::CronBook& book = c->opt_.jobs->cron_book();
    for (auto& cc : c->opt_.config) {
        auto e = c->make_entry(c->config_def(cc));
        if (!e)
            return make_error(cc.pos.file + ":" + std::to_string(cc.pos.line) + ": [cron." +
                              cc.def.name + "]: " + e.error());
        c->adopt(std::move(*e), book.states().count(cc.def.name) == 0);
    }
    for (const auto& [name, def] : book.cli_defs()) {
        if (c->entries_.count(name)) {
            c->opt_.warn("cron entry " + name + " added with `tend cron add` is ignored: " +
                         "the config defines an entry of the same name");
            continue;
        }
        auto e = c->make_entry(def);
        if (!e) {
            c->opt_.warn("cron entry " + name + " is not loaded: " + e.error());
            continue;
        }
        c->adopt(std::move(*e), book.states().count(name) == 0);
    }
    // State of entries that are gone is dropped at the next compaction.
    std::vector<std::string> gone;
    for (const auto& [name, s] : book.states())
        if (!c->entries_.count(name) && !book.cli_defs().count(name)) gone.push_back(name);
    for (const auto& name : gone) book.forget(name);

    c->timer_fd_.reset(timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC));
    if (!c->timer_fd_) return make_error(std::string("timerfd_create: ") + std::strerror(errno));
    auto s = ev::add_io(c->opt_.loop, c->timer_fd_.get(), EPOLLIN, &CronService::on_timer, c.get(),
                        "watch the cron timer");
    if (!s) return make_error(s.error());
    c->timer_source_ = std::move(*s);
    c->evaluate(true);
    return c;
}

void CronService::adopt(Entry e, bool is_new) {
    cron::CronBook& book = opt_.jobs->cron_book();
    const std::string name = e.def.name;
    if (is_new) {
        // A new entry starts now: ticks before it existed are not "missed".
        e.state.last_tick_s = now_s();
        book.set_state(name, e.state);
        save_state(e);
    } else {
        e.state = book.state(name);
        e.last_fire_s = e.state.last_job ? e.state.last_tick_s : 0;
    }
    e.next_s = 0;
    entries_.insert_or_assign(name, std::move(e));
}

int CronService::on_timer(sd_event_source*, int fd, uint32_t, void* self) {
    auto* c = static_cast<CronService*>(self);
    std::uint64_t expirations = 0;
    ssize_t n = read(fd, &expirations, sizeof expirations);
    // ECANCELED: the wall clock was set (TFD_TIMER_CANCEL_ON_SET). Ticks it jumped over are
    // missed ticks, for the catch-up policy.
    const bool clock_set = n < 0 && errno == ECANCELED;
    if (n < 0 && !clock_set && errno == EAGAIN) return 0;
    if (clock_set) c->opt_.info("cron: the wall clock was set; re-evaluating every entry");
    c->evaluate(clock_set);
    return 0;
}

void CronService::evaluate(bool all_missed) {
    // While tendd stops, ticks are left for the catch-up policy of the next start.
    if (opt_.jobs->stopping()) return;
    const std::int64_t now = now_s();
    for (auto& [name, e] : entries_) {
        if (!all_missed && e.next_s != 0 && e.next_s > now) continue;
        cron::PlanInput in;
        in.expr = &e.expr;
        in.zone = e.zone;
        in.catch_up = e.def.catch_up;
        in.window_s = e.def.catch_up_window_us / 1000000;
        in.last_tick_s = e.state.last_tick_s;
        in.now_s = now;
        in.all_missed = all_missed;
        apply_plan(e, cron::plan_ticks(in), now);
    }
    arm();
}

void CronService::apply_plan(Entry& e, const cron::TickPlan& plan, std::int64_t now) {
    for (const auto& n : plan.notes) opt_.info("cron " + e.def.name + ": " + n);
    const bool moved = plan.last_tick_s != e.state.last_tick_s;
    e.state.last_tick_s = plan.last_tick_s;
    if (moved) opt_.jobs->cron_book().set_state(e.def.name, e.state);
    auto next = cron::next_fire(e.expr, e.zone, cron::sys_at(std::max(now, e.state.last_tick_s)));
    e.next_s = next ? next->time_since_epoch().count() : 0;
    if (!plan.fire.empty())
        enqueue_ticks(e, plan.fire, now);
    else if (moved)
        save_state(e);
}

void CronService::enqueue_ticks(Entry& e, const std::vector<std::int64_t>& ticks,
                                std::int64_t now) {
    const std::string last_iso = cron::format_iso(cron::sys_at(ticks.back()), e.zone);
    const std::optional<JobBrief> last =
        e.state.last_job ? opt_.jobs->job_brief(e.state.last_job) : std::nullopt;
    const bool busy = e.in_flight > 0 || (last && !is_finished(last->state));
    if (busy && e.def.overlap == cron::Overlap::skip) {
        opt_.info("cron " + e.def.name + ": tick " + last_iso + " skipped: job " +
                  std::to_string(e.state.last_job) + " is still " +
                  (e.in_flight > 0 ? "being stored" : to_string(last->state)) +
                  " (overlap = skip)");
        count(e.def.name, Fire::skipped_overlap, ticks.size());
        save_state(e);
        return;
    }
    if (busy && last && e.def.overlap == cron::Overlap::replace) {
        count(e.def.name, Fire::replaced);
        auto r = opt_.jobs->cancel_job(
            e.state.last_job, "replaced by the tick at " + last_iso + " (overlap = replace)");
        if (!r)
            opt_.warn("cron " + e.def.name + ": cannot replace job " +
                      std::to_string(e.state.last_job) + ": " + r.error());
    }
    const std::string name = e.def.name;
    for (std::size_t i = 0; i < ticks.size(); ++i) {
        const std::string iso = cron::format_iso(cron::sys_at(ticks[i]), e.zone);
        JobSpec spec = job_spec(e);
        spec.key = cron::tick_key(name, iso);
        if (e.def.jitter_us > 0) {
            const auto j = static_cast<std::int64_t>(std::uniform_int_distribution<std::uint64_t>(
                0, static_cast<std::uint64_t>(e.def.jitter_us - 1))(rng_));
            spec.run_at = std::max(now, ticks[i]) * 1000000 + j;
        }
        const bool last_one = i + 1 == ticks.size();
        CronTick tick{name, ticks[i], std::move(spec), job_env(e, iso), {}, e.def.overlap};
        // The entry's state rides with the last tick's job.
        if (last_one) tick.state = records_of(name, e.state);
        ++e.in_flight;
        opt_.jobs->fire(std::move(tick), [this, name, iso, tick_s = ticks[i],
                                          last_one](Result<CronFired> fired) {
            auto it = entries_.find(name);
            if (it == entries_.end()) return;
            Entry& en = it->second;
            if (en.in_flight > 0) --en.in_flight;
            if (!fired) {
                count(name, Fire::dropped_full);
                opt_.warn("cron " + name + ": tick " + iso + " dropped: " + fired.error());
                if (last_one) save_state(en);
                return;
            }
            if (fired->job == 0) return;  // enqueued before a restart
            count(name, last_one ? Fire::enqueued : Fire::caught_up);
            en.state.last_job = fired->job;
            en.last_fire_s = tick_s;
            opt_.jobs->cron_book().apply_tick_job(name, tick_s, fired->job);
            opt_.info("cron " + name + ": tick " + iso + " enqueued job " +
                      std::to_string(fired->job));
        });
    }
}

std::vector<CronService::EntryFigures> CronService::figures() const {
    std::vector<EntryFigures> out;
    out.reserve(entries_.size());
    for (const auto& [name, e] : entries_) out.push_back({name, e.last_fire_s, e.next_s});
    return out;
}

void CronService::save_state(const Entry& e) {
    opt_.jobs->write_cron(records_of(e.def.name, e.state), false, [](Status) {});
}

JobSpec CronService::job_spec(const Entry& e) const {
    JobSpec s;
    s.queue = e.def.queue;
    s.name = e.def.name;
    s.shell = e.def.shell;
    s.argv = e.def.argv;
    s.cwd = e.def.cwd;
    s.uid = e.def.uid;
    s.gid = e.def.gid;
    s.groups = e.def.groups;
    return s;
}

std::vector<std::string> CronService::job_env(const Entry& e, const std::string& tick_iso) const {
    return merge_environment(e.def.env,
                             {{"TEND_CRON_NAME", e.def.name}, {"TEND_CRON_TIME", tick_iso}});
}

void CronService::arm() {
    std::int64_t earliest = 0;
    for (const auto& [name, e] : entries_)
        if (e.next_s != 0 && (earliest == 0 || e.next_s < earliest)) earliest = e.next_s;
    itimerspec its{};
    // Nothing due: a far-off expiry still reports clock changes (TFD_TIMER_CANCEL_ON_SET).
    its.it_value.tv_sec = earliest != 0 ? earliest : now_s() + 365 * 86400;
    if (timerfd_settime(timer_fd_.get(), TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its,
                        nullptr) != 0)
        opt_.warn(std::string("cron: cannot arm the timer: ") + std::strerror(errno));
}

}  // namespace tend::jobs
