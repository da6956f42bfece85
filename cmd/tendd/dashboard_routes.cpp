// The dashboard's HTTP handlers (dashboard_routes.hpp): files from memory, and the answers
// built from the control methods run with the HTTP caller's identity, so that a page shows
// exactly what the CLI shows the same user.
#include "cmd/tendd/dashboard_routes.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include "cmd/tendd/dashboard_series.hpp"
#include "cmd/tendd/dashboard_summary.hpp"
#include "cmd/tendd/web_assets.hpp"

namespace tend {
namespace {

using json = nlohmann::json;

// Runs method `cmd` as the request's caller; `done` gets its outcome (now or later).
void run_method(HttpContext& ctx, const HttpRequest& req, std::string cmd, json args,
                std::function<void(const protocol::Outcome&)> done) {
    protocol::Request r{std::move(cmd), std::move(args)};
    // The route's access check passed, so the identity has a caller.
    handle_request_as(*ctx.control, ctx.next_client++,
                      req.identity.caller.value_or(authz::Caller{}), r, std::move(done));
}

// An outcome's data, parsed when the method answered with pre-rendered text (`jobs`).
json data_of(const protocol::Outcome& o) {
    if (!o.is_ok()) return nullptr;
    if (o.text.empty()) return o.data;
    return json::parse(o.text, nullptr, false);
}

}  // namespace

void web_file(HttpContext&, const HttpRequest& req, RouteReply reply) {
    auto asset = web::find_web_asset(req.path);
    if (!asset) return reply(error_reply(404, "not_found", "no such page"));
    HttpReply r;
    r.status = 200;
    r.content_type = std::string(asset->content_type);
    r.body = std::string(asset->body);
    // Revalidated on every load: a new tendd serves new files at once.
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("ETag", std::string(asset->etag));
    reply(std::move(r));
}

void api_summary(HttpContext& ctx, const HttpRequest& req, RouteReply reply) {
    if (!ctx.control) return reply(error_reply(503, "busy", "tendd is starting"));
    // Four methods, each answered now or later; the last one to answer builds the summary.
    struct Gather {
        web::SummaryInputs in;
        int left = 4;
        std::optional<protocol::Outcome> failure;
        RouteReply reply;
    };
    auto g = std::make_shared<Gather>();
    g->reply = std::move(reply);
    g->in.now_s =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto collect = [g](json web::SummaryInputs::*field, bool required) {
        return [g, field, required](const protocol::Outcome& o) {
            if (o.is_ok())
                g->in.*field = data_of(o);
            else if (required && !g->failure)
                g->failure = o;
            if (--g->left > 0) return;
            if (g->failure) return g->reply(reply_of_outcome(*g->failure));
            g->reply(HttpReply::json(200, web::summary_json(g->in).dump() + "\n"));
        };
    };
    run_method(ctx, req, "status", json::object(), collect(&web::SummaryInputs::status, true));
    run_method(ctx, req, "queues", json::object(), collect(&web::SummaryInputs::queues, false));
    run_method(ctx, req, "cron_list", json::object(), collect(&web::SummaryInputs::cron, false));
    run_method(ctx, req, "jobs", json{{"limit", web::kRecentJobsScanned}},
               collect(&web::SummaryInputs::recent, false));
}

void api_series(HttpContext& ctx, const HttpRequest& req, RouteReply reply) {
    auto it = req.query.find("names");
    const web::SeriesQuery q =
        web::parse_series_names(it == req.query.end() ? std::string_view() : it->second);
    if (!q.error.empty()) return reply(error_reply(400, "bad_request", q.error));
    static const web::SeriesBook kEmpty;
    const web::SeriesBook& book = ctx.series ? *ctx.series : kEmpty;
    reply(HttpReply::json(200, book.answer(q.names).dump() + "\n"));
}

void api_events(HttpContext& ctx, const HttpRequest& req, RouteReply reply) {
    if (!ctx.control) return reply(error_reply(503, "busy", "tendd is starting"));
    json args = {{"limit", 20}};
    if (auto it = req.query.find("limit"); it != req.query.end() && !it->second.empty()) {
        const std::string& v = it->second;
        if (v.size() > 6 || v.find_first_not_of("0123456789") != v.npos)
            return reply(error_reply(400, "bad_request", "limit is a number"));
        args["limit"] = std::clamp(std::stoi(v), 1, 200);
    }
    if (auto it = req.query.find("program"); it != req.query.end() && !it->second.empty())
        args["target"] = it->second;
    run_method(ctx, req, "events", std::move(args),
               [reply](const protocol::Outcome& o) { reply(reply_of_outcome(o)); });
}

}  // namespace tend
