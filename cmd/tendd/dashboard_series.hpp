// One hour of figures per queue and per program, in memory, for the dashboard's charts: ring
// buffers that a 10 s sampler fills (dashboard_sampler.*) and /api/series answers from. Pure:
// the caller passes the time and the data of `tend queues --json` and `tend status --json`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tend::web {

inline constexpr int kSeriesStepS = 10;
inline constexpr std::size_t kSeriesPoints = 360;  // one hour of 10 s steps
// The most names (or patterns) one /api/series request may ask for.
inline constexpr std::size_t kMaxSeriesNames = 64;

// Series names (queue and program names hold no ':'):
//   queue:Q:pending   jobs waiting (scheduled, blocked and pending), as `tend queues`
//   queue:Q:running   jobs running
//   queue:Q:ok        jobs that succeeded during the step
//   queue:Q:failed    jobs that failed or went dead during the step
//   queue:Q:wait_s    age of the oldest pending job at the sample (0 when none)
//   program:P:ready   ready instances
//   program:P:up      instances with a running process
// A queue or program that disappears (reload) loses its series: memory stays bounded by what
// the config names.
class SeriesBook {
  public:
    explicit SeriesBook(std::size_t points = kSeriesPoints) : points_(points) {}

    // One sample at wall time `now_s` (seconds since the epoch). `queues` is the data of
    // `tend queues --json`, `instances` that of `tend status --json`; entries of an unexpected
    // shape are skipped. O(queues + instances). Whole steps since the previous sample that
    // nobody sampled (the sampler sleeps while tendd is idle) are filled first: nothing changed
    // in them, so they repeat the previous sample, with no finished jobs, and the oldest
    // pending job older by one step each.
    void sample(double now_s, const nlohmann::json& queues, const nlohmann::json& instances);
    // Whether the last sample differs from the one before (a series appeared or went, a gauge
    // moved, jobs finished); the age of the oldest pending job does not count, as it grows by
    // itself. False lets the sampler sleep until tendd does something.
    bool last_sample_changed() const { return changed_; }

    // {"step_s": 10, "end": TIME of the newest sample or null, "series": {NAME: [v, ...]}}:
    // each array holds one value per sample, oldest first, the same length for every series
    // (null before the series existed, or for a step with no previous sample to count from).
    // `names` selects series by exact name or by a pattern with one '*' (any run of characters,
    // "queue:*:ok"); empty selects all.
    nlohmann::json answer(const std::vector<std::string>& names) const;

    std::size_t series_count() const { return series_.size(); }
    std::uint64_t samples() const { return samples_; }

  private:
    struct Series {
        std::uint64_t born = 0;    // index of the first sample it has a value for
        std::vector<double> ring;  // by sample index % points_; NaN: no value
        std::uint64_t seen = 0;    // index of the last sample that named it
    };
    void put(const std::string& name, double value);
    void fill_idle_steps(double now_s);
    // A counter's increase since the previous sample (NaN the first time it is seen).
    double delta(const std::string& name, double total);

    std::size_t points_;
    std::uint64_t samples_ = 0;  // samples taken; the current one is samples_ - 1
    double end_s_ = 0;
    bool changed_ = true;
    std::map<std::string, Series, std::less<>> series_;
    std::map<std::string, double, std::less<>> totals_;  // counters at the previous sample
};

// The names of a /api/series request: its `names` parameter split at commas (empty items
// dropped); more than kMaxSeriesNames is an error (400).
struct SeriesQuery {
    std::vector<std::string> names;
    std::string error;  // non-empty: the request is refused (400)
};
SeriesQuery parse_series_names(std::string_view param);

}  // namespace tend::web
