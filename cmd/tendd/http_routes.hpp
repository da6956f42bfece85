// The HTTP routes of tendd (SPEC §10): one table (method, path, who may call it, handler) and
// the dispatch of an HttpRequest through it. The dashboard adds its rows to the same table.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cmd/tendd/methods.hpp"
#include "supervisor/daemon/http_server.hpp"

namespace tend::web {
class SeriesBook;
}  // namespace tend::web

namespace tend {

// What the route handlers may use, wired by the composition root (daemon.cpp).
struct HttpContext {
    DaemonControl* control = nullptr;  // the method table's services (/api/* go through it)
    // The Prometheus text of /metrics, rendered at the moment of the call.
    std::function<std::string()> metrics;
    std::vector<std::string> public_routes;  // [http] public: "metrics", "health"
    // The next id for handle_request_as (never a control-socket client's).
    std::uint64_t next_client = kHttpClientBase;
    // HTTP requests answered, by route label and status (tend_http_requests_total).
    std::map<std::pair<std::string, int>, std::uint64_t> requests;
    // The dashboard's history (dashboard_sampler.hpp); null while nothing samples it.
    const web::SeriesBook* series = nullptr;
};

// Who may call a route. `listed`: anyone when its public name is in [http] public, else as
// `user`; `user`: any identified caller (a Unix peer the socket admits, or the token);
// `admin`: admins only (root, tendd's uid, admin_group, the token); `anyone`: no data behind
// it (static assets).
enum class RouteAccess { anyone, listed, user, admin };

// How a handler answers: once, now or later (HttpResponder's rules).
using RouteReply = std::function<void(HttpReply)>;
using RouteHandler = void (*)(HttpContext& ctx, const HttpRequest& req, RouteReply reply);

struct HttpRoute {
    std::string_view method;  // "GET" (HEAD is served as GET) or "POST"
    std::string_view path;    // exact, or a prefix when `prefix`
    bool prefix = false;
    RouteAccess access = RouteAccess::user;
    std::string_view public_name;  // for `listed`: its name in [http] public
    std::string_view label;        // the route label of tend_http_requests_total
    RouteHandler handler = nullptr;
};

// Every route, in match order (the first that matches wins).
const std::vector<HttpRoute>& http_routes();

// Finds the route, checks the method and the caller (401 with a Basic challenge for an
// anonymous caller, 403 for a user on an admin route, 404, 405), runs the handler, and counts
// the answer in ctx.requests.
void dispatch_http(HttpContext& ctx, const HttpRequest& req, HttpResponder responder);

// An outcome of the method table as an HTTP answer: its data as JSON (200), or its error
// (bad_request 400, forbidden 403, not_found 404, invalid 422, full 429, busy 503, too_large
// 413, others 500) as {"error": code, "message": text}.
HttpReply reply_of_outcome(const protocol::Outcome& o);

// A JSON error answer: {"error": CODE, "message": MESSAGE}, shared by every route.
HttpReply error_reply(int status, const std::string& code, const std::string& message);

}  // namespace tend
