// The Prometheus text writer: escaping, numbers, one HELP/TYPE per family, cumulative buckets.
#include <catch2/catch.hpp>

#include "supervisor/util/prom_text.hpp"

using namespace tend;

TEST_CASE("label values are escaped, numbers formatted", "[prom]") {
    CHECK(prom::escape("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
    CHECK(prom::format_value(3) == "3");
    CHECK(prom::format_value(0.25) == "0.25");
    CHECK(prom::format_value(-2) == "-2");
    CHECK(prom::format_value(1.0 / 0.0) == "+Inf");
    CHECK(prom::format_value(0.0 / 0.0) == "NaN");
    CHECK(prom::format_value(1733400000.5) == "1733400000.5");
}

TEST_CASE("families, samples and histograms", "[prom]") {
    prom::Writer w;
    w.family("tend_x_total", prom::Type::counter, "Things.\nMore \\ text.");
    w.sample({{"queue", "a\"b"}, {"state", "ok"}}, 2);
    w.sample({}, 1);
    prom::Histogram h({0.25, 1});
    h.observe(0.0625);
    h.observe(0.25);  // le: on the bound counts in it
    h.observe(0.5);
    h.observe(7);
    w.family("tend_job_run_seconds", prom::Type::histogram, "Run time.");
    w.histogram({{"queue", "q"}}, h);
    CHECK_FALSE(w.repeated());
    const std::string expected =
        "# HELP tend_x_total Things.\\nMore \\\\ text.\n"
        "# TYPE tend_x_total counter\n"
        "tend_x_total{queue=\"a\\\"b\",state=\"ok\"} 2\n"
        "tend_x_total 1\n"
        "# HELP tend_job_run_seconds Run time.\n"
        "# TYPE tend_job_run_seconds histogram\n"
        "tend_job_run_seconds_bucket{queue=\"q\",le=\"0.25\"} 2\n"
        "tend_job_run_seconds_bucket{queue=\"q\",le=\"1\"} 3\n"
        "tend_job_run_seconds_bucket{queue=\"q\",le=\"+Inf\"} 4\n"
        "tend_job_run_seconds_sum{queue=\"q\"} 7.8125\n"
        "tend_job_run_seconds_count{queue=\"q\"} 4\n";
    CHECK(w.text() == expected);
    w.family("tend_x_total", prom::Type::counter, "again");
    CHECK(w.repeated());
}

TEST_CASE("standard bucket sets ascend", "[prom]") {
    for (const auto* b : {&prom::wait_buckets(), &prom::run_buckets(), &prom::short_buckets()}) {
        CHECK(std::is_sorted(b->begin(), b->end()));
        CHECK(b->size() >= 10);
    }
}
