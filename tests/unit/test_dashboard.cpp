// The dashboard's pure parts: which path serves which embedded file, that the files obey the
// CSP (no inline script or style, no innerHTML), the in-memory series and the overview's data.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "cmd/tendd/dashboard_series.hpp"
#include "cmd/tendd/dashboard_summary.hpp"
#include "cmd/tendd/web_assets.hpp"

using namespace tend::web;
using json = nlohmann::json;

namespace {

std::string body_of(std::string_view path) {
    auto a = find_web_asset(path);
    REQUIRE(a);
    return std::string(a->body);
}

json queue(const std::string& name, int pending, int running, int ok, int failed) {
    return {{"name", name},       {"pending", pending},
            {"running", running}, {"succeeded", ok},
            {"failed", failed},   {"oldest_pending_age_s", pending ? json(5.0) : json()},
            {"concurrency", 2}};
}

json instance(const std::string& program, int n, const std::string& state, bool ready,
              bool down = false) {
    return {{"program", program},
            {"instance", n},
            {"state", state},
            {"ready", ready},
            {"down", down},
            {"generation", 1},
            {"pid", state == "running" ? json(100 + n) : json()}};
}

}  // namespace

TEST_CASE("dashboard: page paths serve the shell, /static/ the embedded files", "[dashboard]") {
    for (const char* page : {"/", "/programs", "/programs/web", "/queues", "/queues/default",
                             "/jobs", "/jobs/12", "/cron"}) {
        INFO(page);
        auto a = find_web_asset(page);
        REQUIRE(a);
        CHECK(a->name == kShellFile);
        CHECK(a->content_type == "text/html; charset=utf-8");
    }
    for (const char* no : {"", "/nope", "/cron/x", "/jobs/", "/jobs/1/2", "/programsx", "/static/",
                           "/static/index.html", "/static/../app.js", "/static/nope.js",
                           "/api/status", "/metrics", "//"}) {
        INFO(no);
        CHECK_FALSE(find_web_asset(no));
    }
    auto js = find_web_asset("/static/app.js");
    REQUIRE(js);
    CHECK(js->content_type == "text/javascript; charset=utf-8");
    CHECK(js->etag.size() == 18);
    CHECK(find_web_asset("/static/app.css")->content_type == "text/css; charset=utf-8");
    CHECK(find_web_asset("/favicon.ico")->content_type == "image/svg+xml");
}

TEST_CASE("dashboard: the shell's links resolve and nothing inline needs the CSP relaxed",
          "[dashboard]") {
    const std::string html = body_of("/");
    // Every local reference of the shell is an embedded file (the favicon 404 lesson).
    const std::regex ref(R"re((?:src|href)="(/static/[^"]+)")re");
    int refs = 0;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), ref);
         it != std::sregex_iterator(); ++it, ++refs) {
        INFO((*it)[1].str());
        CHECK(find_web_asset((*it)[1].str()));
    }
    CHECK(refs >= 3);
    CHECK(html.find("rel=\"icon\"") != std::string::npos);
    // CSP default-src 'self': no inline script, no style attribute or element, no handlers,
    // nothing from another origin.
    CHECK_FALSE(std::regex_search(html, std::regex(R"(<script(?![^>]*\bsrc=)[^>]*>)")));
    CHECK_FALSE(std::regex_search(html, std::regex(R"(\sstyle=|<style|\son[a-z]+=)")));
    CHECK_FALSE(std::regex_search(html, std::regex(R"((src|href)="(https?:)?//)")));
    // The script renders data with DOM APIs only.
    std::string js = body_of("/static/app.js");
    // The SVG namespace is a name, not a resource.
    const std::string svg_ns = "\"http://www.w3.org/2000/svg\"";
    REQUIRE(js.find(svg_ns) != std::string::npos);
    js.erase(js.find(svg_ns), svg_ns.size());
    for (const char* banned :
         {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
          "setAttribute(\"style\"", "http://", "https://"}) {
        INFO(banned);
        CHECK(js.find(banned) == std::string::npos);
    }
}

TEST_CASE("dashboard: series keep one hour per queue and program, bounded", "[dashboard]") {
    SeriesBook book(4);
    CHECK(book.answer({})["end"].is_null());
    book.sample(
        1000, json::array({queue("default", 3, 1, 10, 2)}),
        json::array({instance("web", 0, "running", true), instance("web", 1, "backoff", false)}));
    book.sample(
        1010, json::array({queue("default", 1, 2, 14, 3)}),
        json::array({instance("web", 0, "running", true), instance("web", 1, "running", true)}));
    json a = book.answer({});
    CHECK(a["step_s"] == 10);
    CHECK(a["end"] == 1010.0);
    CHECK(a["series"]["queue:default:pending"] == json::array({3.0, 1.0}));
    CHECK(a["series"]["queue:default:running"] == json::array({1.0, 2.0}));
    // Counters become increases per step; the first step has nothing to count from.
    CHECK(a["series"]["queue:default:ok"] == json::array({nullptr, 4.0}));
    CHECK(a["series"]["queue:default:failed"] == json::array({nullptr, 1.0}));
    CHECK(a["series"]["queue:default:wait_s"] == json::array({5.0, 5.0}));
    CHECK(a["series"]["program:web:ready"] == json::array({1.0, 2.0}));
    CHECK(a["series"]["program:web:up"] == json::array({1.0, 2.0}));

    SECTION("selection by name and by pattern") {
        CHECK(book.answer({"queue:default:ok"})["series"].size() == 1);
        CHECK(book.answer({"queue:*:ok", "queue:*:failed"})["series"].size() == 2);
        CHECK(book.answer({"program:web:*"})["series"].size() == 2);
        CHECK(book.answer({"queue:nope:ok"})["series"].empty());
    }
    SECTION("a new queue is null before it existed; a removed one is dropped") {
        book.sample(1020, json::array({queue("default", 0, 0, 14, 3), queue("batch", 7, 0, 0, 0)}),
                    json::array());
        a = book.answer({});
        CHECK(a["series"]["queue:batch:pending"] == json::array({nullptr, nullptr, 7.0}));
        CHECK_FALSE(a["series"].contains("program:web:ready"));
        CHECK(book.series_count() == 10);
    }
    SECTION("the ring keeps the newest points only") {
        for (int i = 0; i < 10; ++i)
            book.sample(1020 + 10 * i, json::array({queue("default", i, 0, 20 + i, 3)}),
                        json::array());
        a = book.answer({"queue:default:pending", "queue:default:ok"});
        CHECK(a["series"]["queue:default:pending"] == json::array({6.0, 7.0, 8.0, 9.0}));
        CHECK(a["series"]["queue:default:ok"] == json::array({1.0, 1.0, 1.0, 1.0}));
        CHECK(a["end"] == 1110.0);
    }
    SECTION("garbage is skipped, not thrown on") {
        book.sample(1020, json::array({1, "x", json::object(), {{"name", 5}}}), json::object());
        CHECK(book.series_count() == 0);
    }
}

TEST_CASE("dashboard: steps the sampler slept through repeat the last sample", "[dashboard]") {
    SeriesBook book(8);
    const json queues = json::array({queue("default", 2, 1, 10, 0)});
    const json web = json::array({instance("web", 0, "running", true)});
    book.sample(1000, queues, web);
    CHECK(book.last_sample_changed());  // everything is new
    book.sample(1010, queues, web);
    CHECK_FALSE(book.last_sample_changed());  // the sampler may sleep now
    book.sample(1020, queues, web);
    CHECK_FALSE(book.last_sample_changed());
    // Woken 40 s later by activity: the three steps in between are filled, unchanged except the
    // age of the oldest pending job (5 s at the last sample), and no job finished in them.
    book.sample(1060.4, json::array({queue("default", 0, 1, 12, 0)}), web);
    CHECK(book.last_sample_changed());
    const json a = book.answer({});
    CHECK(a["series"]["queue:default:pending"] == json::array({2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 0.0}));
    CHECK(a["series"]["queue:default:ok"] == json::array({nullptr, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0}));
    CHECK(a["series"]["queue:default:wait_s"] ==
          json::array({5.0, 5.0, 5.0, 15.0, 25.0, 35.0, 0.0}));
    CHECK(a["series"]["program:web:ready"] == json::array({1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}));
    CHECK(a["end"] == 1060.4);

    SECTION("a late timer (up to 1 s) is one step, not a gap") {
        book.sample(1071.6, json::array({queue("default", 0, 1, 12, 0)}), web);
        CHECK(book.answer({})["series"]["queue:default:pending"].size() == 8);
        CHECK_FALSE(book.last_sample_changed());  // nothing finished, nothing moved
    }
    SECTION("a sleep longer than the ring keeps one ring of filled steps") {
        book.sample(1060.4 + 3600, json::array({queue("default", 0, 1, 12, 0)}), web);
        const json b = book.answer({"queue:default:running"});
        CHECK(b["series"]["queue:default:running"] ==
              json::array({1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}));
    }
    SECTION("a queue that appears or goes is a change") {
        book.sample(1070, json::array(), web);
        CHECK(book.last_sample_changed());
    }
}

TEST_CASE("dashboard: series names are bounded", "[dashboard]") {
    CHECK(parse_series_names("").names.empty());
    CHECK(parse_series_names("a,,b,").names == std::vector<std::string>{"a", "b"});
    std::string many;
    for (std::size_t i = 0; i <= kMaxSeriesNames; ++i) many += "q" + std::to_string(i) + ",";
    auto q = parse_series_names(many);
    CHECK_FALSE(q.error.empty());
    CHECK(q.names.empty());
}

TEST_CASE("dashboard: the overview summary", "[dashboard]") {
    SummaryInputs in;
    in.now_s = 5000;
    in.status = json::array({instance("web", 0, "running", true),
                             instance("web", 1, "cooldown", false, true),
                             instance("worker", 0, "backoff", false), "garbage"});
    in.queues = json::array({queue("default", 3, 1, 10, 2), queue("batch", 1, 0, 5, 0)});
    in.cron = json::array(
        {{{"name", "late"}, {"schedule", "0 3 * * *"}, {"next_fire", "2026-12-06T03:00:00+01:00"}},
         {{"name", "soon"}, {"schedule", "* * * * *"}, {"next_fire", "2026-12-06T02:30:00Z"}},
         {{"name", "never"}, {"next_fire", nullptr}}});
    json recent = json::array();
    for (int id = 30; id > 0; --id)
        recent.push_back({{"id", id},
                          {"state", id % 2   ? "failed"
                                    : id % 3 ? "dead"
                                             : "succeeded"}});
    in.recent = recent;
    json s = summary_json(in);
    CHECK(s["instances"]["total"] == 3);
    CHECK(s["instances"]["up"] == 1);
    CHECK(s["instances"]["ready"] == 1);
    CHECK(s["instances"]["down"] == 1);
    CHECK(s["instances"]["by_state"] == json{{"running", 1}, {"cooldown", 1}, {"backoff", 1}});
    REQUIRE(s["programs"].size() == 2);
    CHECK(s["programs"][0]["name"] == "web");
    CHECK(s["programs"][0]["instances"] == 2);
    CHECK(s["attention"].size() == 2);
    CHECK(s["queues"].size() == 2);
    CHECK(s["jobs"]["pending"] == 4.0);
    CHECK(s["jobs"]["failed"] == 2.0);
    // 02:00Z (late) fires before 02:30Z (soon), whatever the zones print.
    REQUIRE(s["cron_next"].size() == 2);
    CHECK(s["cron_next"][0]["name"] == "late");
    CHECK(s["cron_next"][0]["next_fire_s"] == 1796522400);
    CHECK(s["recent_failures"].size() == kRecentFailuresShown);
    CHECK(s["recent_failures"][0]["id"] == 29);
    CHECK(s["scanned"] == 30);
}
