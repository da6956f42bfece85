// The Prometheus text exposition format 0.0.4, written by hand (design observability.md §4):
// one HELP and TYPE per family, escaped label values, cumulative histogram buckets.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tend::prom {

enum class Type { counter, gauge, histogram };

// Label names are fixed by the code; values come from bounded sets (programs, queues, cron
// entries, enums) and are escaped.
using Labels = std::vector<std::pair<std::string_view, std::string>>;

// Observations in buckets with upper bounds `bounds` (ascending) and one for +Inf; kept
// per bucket, made cumulative when written.
class Histogram {
  public:
    explicit Histogram(std::vector<double> bounds);
    void observe(double v);
    const std::vector<double>& bounds() const { return bounds_; }
    const std::vector<std::uint64_t>& buckets() const { return counts_; }  // bounds + 1
    double sum() const { return sum_; }
    std::uint64_t count() const { return count_; }

  private:
    std::vector<double> bounds_;
    std::vector<std::uint64_t> counts_;
    double sum_ = 0;
    std::uint64_t count_ = 0;
};

// The standard bucket sets (seconds).
const std::vector<double>& wait_buckets();   // job wait: 0.001 … 600
const std::vector<double>& run_buckets();    // job run: 0.01 … 3600
const std::vector<double>& short_buckets();  // store commit, loop lag: 0.0005 … 1

// A label value with \\, \" and \n escaped.
std::string escape(std::string_view value);
// A sample value: integers without a fraction, NaN, +Inf, -Inf, else the shortest form.
std::string format_value(double v);

class Writer {
  public:
    // Starts a family (HELP and TYPE); each name once per exposition. A family with no sample
    // is written too (its HELP and TYPE say it exists).
    void family(std::string_view name, Type type, std::string_view help);
    // A sample of the current counter or gauge family.
    void sample(const Labels& labels, double value);
    // The _bucket (cumulative, +Inf last), _sum and _count lines of the current histogram
    // family.
    void histogram(const Labels& labels, const Histogram& h);
    const std::string& text() const { return out_; }
    std::string take() { return std::move(out_); }
    bool repeated() const { return repeated_; }  // a family was started twice (a bug)

  private:
    void line(std::string_view suffix, const Labels& labels, std::string_view extra_name,
              const std::string& extra_value, const std::string& value);
    std::string out_;
    std::string current_;
    std::set<std::string, std::less<>> seen_;
    bool repeated_ = false;
};

}  // namespace tend::prom
