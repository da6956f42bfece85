// Cron inside tendd (SPEC §7): entries from the config and `tend cron add`, a realtime timer
// that wakes only when a tick is due (and when the wall clock is set), and each tick enqueued
// as a job with its last tick in the same durable write.
#pragma once

#include <systemd/sd-event.h>
#include <array>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "queue/config/queue_config.hpp"
#include "queue/cron/cron_book.hpp"
#include "queue/cron/cron_plan.hpp"
#include "queue/daemon/job_queue.hpp"
#include "supervisor/config/config.hpp"
#include "supervisor/daemon/event_source.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend::jobs {

struct CronServiceOptions {
    sd_event* loop = nullptr;
    JobQueue* jobs = nullptr;  // the store seam: ticks go through JobQueue::fire
    std::vector<CronConfig> config;
    std::string config_file;
    std::vector<std::string> base_env;  // tendd's environment, under config entries' own
    std::uint32_t uid = 0, gid = 0;     // tendd's user: config entries run as it
    std::vector<std::uint32_t> groups;
    std::function<void(const std::string&)> info, warn;
};

class CronService {
  public:
    // Loads the entries (a config entry whose zone the tz library cannot load is an error),
    // applies the catch-up policy to ticks missed while tendd was down, and arms the timer.
    static Result<std::unique_ptr<CronService>> start(CronServiceOptions options);

    JobReply list() const;
    void add(CronAddRequest request, JobReplier reply);
    void remove(const std::string& name, JobReplier reply);
    // Who owns an entry, for authorization: nullopt for an unknown name.
    struct Owner {
        std::uint32_t uid = 0;
        bool from_config = false;
    };
    std::optional<Owner> owner_of(const std::string& name) const;
    // Enqueues a run now, outside the schedule (no tick is consumed).
    void run(const std::string& name, JobReplier reply);
    JobReply next(const std::string& name, std::int64_t from_s, std::size_t n) const;
    // A reload's [cron.*] (SPEC §5.6, cron_reload.cpp): added entries start now (like `tend
    // cron add`), removed ones stop firing and their state is forgotten, changed ones keep
    // their last tick and take the next fire of the new schedule after it (or after now).
    // Ticks due under the old schedules fire first, so none is lost and none fires twice.
    void reconfigure(const std::vector<CronConfig>& config);

    // ---- for /metrics (tend_cron_*)
    enum class Fire { enqueued, skipped_overlap, replaced, caught_up, dropped_full };
    static constexpr const char* kFireResults[] = {"enqueued", "skipped_overlap", "replaced",
                                                   "caught_up", "dropped_full"};
    struct EntryFigures {
        std::string name;
        std::int64_t last_fire_s = 0;  // 0: never
        std::int64_t next_s = 0;       // 0: none
    };
    std::vector<EntryFigures> figures() const;
    // Ticks by result since tendd started, per entry name (kept after an entry is removed).
    const std::map<std::string, std::array<std::uint64_t, 5>>& fires() const { return fires_; }

  private:
    struct Entry {
        cron::CronDef def;
        cron::CronExpr expr;
        const date::time_zone* zone = nullptr;
        cron::CronState state;
        std::int64_t next_s = 0;       // the next tick, 0 when none
        int in_flight = 0;             // tick jobs being committed
        std::int64_t last_fire_s = 0;  // the last tick that enqueued a job (for listing)
    };
    explicit CronService(CronServiceOptions options);
    Result<Entry> make_entry(cron::CronDef def) const;
    // A config entry's definition as it runs: tendd's environment under its own, tendd's user.
    cron::CronDef config_def(const CronConfig& cc) const;
    // Sets next_s to the first tick after the last one (or after now, if later).
    void plan_next(Entry& e, std::int64_t now);
    void adopt(Entry entry, bool is_new);

    static int on_timer(sd_event_source*, int fd, uint32_t, void* self);
    // Decides and fires every entry whose tick is due. `all_missed`: at start and after the
    // clock was set, every due tick was missed and the catch-up policy decides.
    void evaluate(bool all_missed);
    void apply_plan(Entry& e, const cron::TickPlan& plan, std::int64_t now_s);
    void enqueue_ticks(Entry& e, const std::vector<std::int64_t>& ticks, std::int64_t now_s);
    void save_state(const Entry& e);
    void arm();
    std::vector<std::string> job_env(const Entry& e, const std::string& tick_iso) const;
    JobSpec job_spec(const Entry& e) const;
    nlohmann::json entry_json(const Entry& e) const;
    std::int64_t now_s() const;

    CronServiceOptions opt_;
    std::map<std::string, Entry> entries_;
    UniqueFd timer_fd_;
    EventSource timer_source_;
    std::mt19937_64 rng_{std::random_device{}()};
    std::map<std::string, std::array<std::uint64_t, 5>> fires_;
    void count(const std::string& name, Fire f, std::uint64_t n = 1) {
        fires_[name][static_cast<std::size_t>(f)] += n;
    }
};

}  // namespace tend::jobs
