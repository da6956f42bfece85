// The Prometheus text format writer: families, samples, histograms, escaping, numbers.
#include "supervisor/util/prom_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace tend::prom {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double v) {
    if (std::isnan(v)) return;
    auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);  // le: v <= bound
    ++counts_[static_cast<std::size_t>(it - bounds_.begin())];
    sum_ += v;
    ++count_;
}

const std::vector<double>& wait_buckets() {
    static const std::vector<double> b = {0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 30, 60, 300, 600};
    return b;
}
const std::vector<double>& run_buckets() {
    static const std::vector<double> b = {0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600};
    return b;
}
const std::vector<double>& short_buckets() {
    static const std::vector<double> b = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                          0.025,  0.05,  0.1,    0.25,  1};
    return b;
}

std::string escape(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    if (v == std::trunc(v) && std::fabs(v) < 1e15) {
        auto r = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v));
        return std::string(buf, r.ptr);
    }
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

void Writer::family(std::string_view name, Type type, std::string_view help) {
    if (!seen_.emplace(name).second) repeated_ = true;
    current_ = std::string(name);
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    for (char c : help) {  // HELP escapes \\ and \n only
        if (c == '\\')
            out_ += "\\\\";
        else if (c == '\n')
            out_ += "\\n";
        else
            out_ += c;
    }
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += type == Type::counter ? " counter\n"
            : type == Type::gauge ? " gauge\n"
                                  : " histogram\n";
}

void Writer::line(std::string_view suffix, const Labels& labels, std::string_view extra_name,
                  const std::string& extra_value, const std::string& value) {
    out_ += current_;
    out_ += suffix;
    if (!labels.empty() || !extra_name.empty()) {
        out_ += '{';
        bool first = true;
        for (const auto& [k, v] : labels) {
            if (!first) out_ += ',';
            first = false;
            out_ += k;
            out_ += "=\"";
            out_ += escape(v);
            out_ += '"';
        }
        if (!extra_name.empty()) {
            if (!first) out_ += ',';
            out_ += extra_name;
            out_ += "=\"";
            out_ += extra_value;
            out_ += '"';
        }
        out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
}

void Writer::sample(const Labels& labels, double value) {
    line("", labels, "", "", format_value(value));
}

void Writer::histogram(const Labels& labels, const Histogram& h) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.buckets().size(); ++i) {
        cumulative += h.buckets()[i];
        const std::string le = i < h.bounds().size() ? format_value(h.bounds()[i]) : "+Inf";
        line("_bucket", labels, "le", le, format_value(static_cast<double>(cumulative)));
    }
    line("_sum", labels, "", "", format_value(h.sum()));
    line("_count", labels, "", "", format_value(static_cast<double>(h.count())));
}

}  // namespace tend::prom
