// The dashboard's HTTP routes (tendd(8) DASHBOARD): its pages and files, /api/summary,
// /api/series and /api/events. The rows that name them are in the route table
// (http_routes.cpp); these are their handlers.
#pragma once

#include "cmd/tendd/http_routes.hpp"

namespace tend {

// A page path serves the page shell, /static/NAME an embedded file, /favicon.ico the icon
// (web_assets.hpp); anything else under them is 404.
void web_file(HttpContext& ctx, const HttpRequest& req, RouteReply reply);
// The overview's data (dashboard_summary.hpp), from the CLI's own methods run as the caller.
void api_summary(HttpContext& ctx, const HttpRequest& req, RouteReply reply);
// ?names=NAME,...: the in-memory history (dashboard_series.hpp).
void api_series(HttpContext& ctx, const HttpRequest& req, RouteReply reply);
// ?program=P&limit=N: `tend events --json` (N: 1..200, default 20).
void api_events(HttpContext& ctx, const HttpRequest& req, RouteReply reply);

}  // namespace tend
