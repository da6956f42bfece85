// tendd's HTTP routes: the table, the access check, and the JSON API that runs each request
// through the control socket's method table (design observability.md §5).
#include "cmd/tendd/http_routes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>

#include "cmd/tendd/dashboard_routes.hpp"
#include "supervisor/daemon/safe_dir.hpp"

namespace tend {
namespace {

using json = nlohmann::json;
using Kind = protocol::Outcome::Kind;

// Runs method `cmd` with `args` as the request's caller; the outcome becomes the answer.
void call_method(HttpContext& ctx, const HttpRequest& req, std::string cmd, json args,
                 RouteReply reply) {
    if (!ctx.control) return reply(error_reply(503, "busy", "tendd is starting"));
    protocol::Request r{std::move(cmd), std::move(args)};
    // The route's access check passed, so the identity has a caller.
    const authz::Caller caller = req.identity.caller.value_or(authz::Caller{});
    handle_request_as(*ctx.control, ctx.next_client++, caller, r,
                      [reply](const protocol::Outcome& o) { reply(reply_of_outcome(o)); });
}

// A decimal query parameter; nullopt when absent, an error reply when not a number.
std::optional<std::int64_t> number(const HttpRequest& req, const char* name, bool& bad) {
    auto it = req.query.find(name);
    if (it == req.query.end() || it->second.empty()) return std::nullopt;
    const std::string& v = it->second;
    if (v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) {
        bad = true;
        return std::nullopt;
    }
    return std::stoll(v);
}

// ---- handlers
void healthz(HttpContext&, const HttpRequest&, RouteReply reply) {
    reply(HttpReply::text(200, "ok\n"));
}

void metrics(HttpContext& ctx, const HttpRequest&, RouteReply reply) {
    HttpReply r = HttpReply::text(200, ctx.metrics ? ctx.metrics() : std::string());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    reply(std::move(r));
}

void api_status(HttpContext& ctx, const HttpRequest& req, RouteReply reply) {
    call_method(ctx, req, "status", json::object(), std::move(reply));
}
void api_queues(HttpContext& ctx, const HttpRequest& req, RouteReply reply) {
    call_method(ctx, req, "queues", json::object(), std::move(reply));
}
void api_cron(HttpContext& ctx, const HttpRequest& req, RouteReply reply) {
    call_method(ctx, req, "cron_list", json::object(), std::move(reply));
}
void api_version(HttpContext& ctx, const HttpRequest& req, RouteReply reply) {
    call_method(ctx, req, "version", json::object(), std::move(reply));
}

// /api/jobs?queue=&state=&limit=&before=: at most 500 rows a page (default 50).
void api_jobs(HttpContext& ctx, const HttpRequest& req, RouteReply reply) {
    json args = json::object();
    bool bad = false;
    auto limit = number(req, "limit", bad);
    auto before = number(req, "before", bad);
    if (bad) return reply(error_reply(400, "bad_request", "limit and before are numbers"));
    args["limit"] = std::clamp<std::int64_t>(limit.value_or(50), 1, 500);
    if (before) args["before"] = *before;
    for (const char* k : {"queue", "state"})
        if (auto it = req.query.find(k); it != req.query.end() && !it->second.empty())
            args[k] = it->second;
    call_method(ctx, req, "jobs", std::move(args), std::move(reply));
}

// The last `lines` lines of `buf`; `cut`: buf starts mid-file, so its first line is dropped.
std::string last_lines(const std::string& buf, std::size_t lines, bool cut = false) {
    std::size_t start = 0;
    if (cut) start = buf.find('\n') == std::string::npos ? buf.size() : buf.find('\n') + 1;
    std::size_t pos = buf.size();
    if (pos > start && buf[pos - 1] == '\n') --pos;
    for (std::size_t seen = 0; pos > start; --pos)
        if (buf[pos - 1] == '\n' && ++seen == lines) break;
    return buf.substr(pos);
}

// The last `lines` lines of `path`, from at most its last 64 KiB (the first line of that
// window is dropped when it is cut). Opened O_NOFOLLOW: the file is in tendd's own state dir.
Result<std::string> tail_of(const std::string& path, std::size_t lines) {
    constexpr off_t kMax = 64 * 1024;
    auto fd = open_regular(path, O_RDONLY);
    if (!fd) return make_error(fd.error());
    struct stat st {};
    if (fstat(fd->get(), &st) != 0) return make_error("cannot stat " + path);
    const off_t from = st.st_size > kMax ? st.st_size - kMax : 0;
    std::string buf(static_cast<std::size_t>(st.st_size - from), '\0');
    const ssize_t n = pread(fd->get(), buf.data(), buf.size(), from);
    if (n < 0) return make_error("cannot read " + path);
    buf.resize(static_cast<std::size_t>(n));
    return last_lines(buf, lines, from > 0);
}

// /api/jobs/ID and /api/jobs/ID/log?tail=N.
void api_job(HttpContext& ctx, const HttpRequest& req, RouteReply reply) {
    std::string_view rest =
        std::string_view(req.path).substr(std::string_view("/api/jobs/").size());
    const bool log = rest.ends_with("/log");
    if (log) rest.remove_suffix(4);
    if (rest.empty() || rest.size() > 18 || rest.find_first_not_of("0123456789") != rest.npos)
        return reply(error_reply(404, "not_found", "no such job"));
    const std::string id(rest);
    if (!log) return call_method(ctx, req, "show", json{{"id", std::stoll(id)}}, std::move(reply));
    bool bad = false;
    const auto tail = number(req, "tail", bad);
    if (bad) return reply(error_reply(400, "bad_request", "tail is a number of lines"));
    const std::size_t lines =
        static_cast<std::size_t>(std::clamp<std::int64_t>(tail.value_or(100), 1, 100000));
    // `tend logs ID`: the owner rule and where the output is, then its tail read here.
    call_method(ctx, req, "logs", json{{"targets", json::array({id})}},
                [reply, lines](HttpReply r) {
                    if (r.status != 200) return reply(std::move(r));
                    json data = json::parse(r.body, nullptr, false);
                    std::string text;
                    if (data.is_array() && !data.empty() && data[0].contains("files") &&
                        data[0]["files"].is_array() && !data[0]["files"].empty() &&
                        data[0]["files"][0].is_string()) {
                        auto t = tail_of(data[0]["files"][0].get<std::string>(), lines);
                        if (t) text = std::move(*t);  // no output yet: empty
                    } else if (data.is_array() && !data.empty() && data[0].contains("tail") &&
                               data[0]["tail"].is_string()) {
                        // The PostgreSQL store, for a job that ran on another host: the tail
                        // of its output stored with its last run (tend(1) logs).
                        text = last_lines(data[0]["tail"].get<std::string>(), lines);
                    }
                    reply(HttpReply::text(200, std::move(text)));
                });
}

// ---- the table. Dashboard rows (pages, /assets/*, /api/summary, /api/series) go before the
// /api/ catch-all.
const std::vector<HttpRoute> kRoutes = {
    {"GET", "/healthz", false, RouteAccess::listed, "health", "healthz", healthz},
    {"GET", "/metrics", false, RouteAccess::listed, "metrics", "metrics", metrics},
    {"GET", "/api/status", false, RouteAccess::user, "", "api_status", api_status},
    {"GET", "/api/queues", false, RouteAccess::user, "", "api_queues", api_queues},
    {"GET", "/api/cron", false, RouteAccess::user, "", "api_cron", api_cron},
    {"GET", "/api/version", false, RouteAccess::user, "", "api_version", api_version},
    {"GET", "/api/jobs", false, RouteAccess::user, "", "api_jobs", api_jobs},
    {"GET", "/api/jobs/", true, RouteAccess::user, "", "api_job", api_job},
    // The dashboard (dashboard_routes.hpp). Its pages are one static file, served to whoever
    // may read /api/* (an anonymous browser gets the 401 and its login prompt: the token is
    // the password); its script, style and icon hold no data and are served to anyone.
    {"GET", "/api/summary", false, RouteAccess::user, "", "api_summary", api_summary},
    {"GET", "/api/series", false, RouteAccess::user, "", "api_series", api_series},
    {"GET", "/api/events", false, RouteAccess::user, "", "api_events", api_events},
    {"GET", "/", false, RouteAccess::user, "", "page", web_file},
    {"GET", "/programs", false, RouteAccess::user, "", "page", web_file},
    {"GET", "/programs/", true, RouteAccess::user, "", "page", web_file},
    {"GET", "/queues", false, RouteAccess::user, "", "page", web_file},
    {"GET", "/queues/", true, RouteAccess::user, "", "page", web_file},
    {"GET", "/jobs", false, RouteAccess::user, "", "page", web_file},
    {"GET", "/jobs/", true, RouteAccess::user, "", "page", web_file},
    {"GET", "/cron", false, RouteAccess::user, "", "page", web_file},
    {"GET", "/static/", true, RouteAccess::anyone, "", "static", web_file},
    {"GET", "/favicon.ico", false, RouteAccess::anyone, "", "static", web_file},
};

bool matches(const HttpRoute& r, const std::string& path) {
    return r.prefix ? path.starts_with(r.path) : path == r.path;
}

// Whether the caller may use the route; the reply when not.
std::optional<HttpReply> refusal(const HttpContext& ctx, const HttpRoute& r,
                                 const HttpRequest& req) {
    const auto& id = req.identity;
    if (r.access == RouteAccess::anyone) return std::nullopt;
    if (r.access == RouteAccess::listed &&
        std::find(ctx.public_routes.begin(), ctx.public_routes.end(), r.public_name) !=
            ctx.public_routes.end())
        return std::nullopt;
    if (!id.caller) {
        HttpReply h = error_reply(401, "unauthorized",
                                  req.tcp ? (id.bad_token ? "wrong token"
                                                          : "credentials needed: "
                                                            "the token of [http] "
                                                            "token_file")
                                          : "this user may not use tendd's HTTP socket");
        if (req.tcp) h.headers.emplace_back("WWW-Authenticate", "Basic realm=\"tend\"");
        return h;
    }
    if (r.access == RouteAccess::admin && !id.caller->is_admin())
        return error_reply(403, "forbidden", "this route is for admins");
    return std::nullopt;
}

}  // namespace

HttpReply error_reply(int status, const std::string& code, const std::string& message) {
    return HttpReply::json(status,
                           nlohmann::json{{"error", code}, {"message", message}}.dump() + "\n");
}

const std::vector<HttpRoute>& http_routes() {
    return kRoutes;
}

HttpReply reply_of_outcome(const protocol::Outcome& o) {
    if (o.is_ok()) return HttpReply::json(200, (o.text.empty() ? o.data.dump() : o.text) + "\n");
    int status = 500;
    switch (o.kind) {
        case Kind::bad_request:
            status = 400;
            break;
        case Kind::forbidden:
            status = 403;
            break;
        case Kind::not_found:
        case Kind::unknown_command:
            status = 404;
            break;
        case Kind::invalid:
            status = 422;
            break;
        case Kind::full:
            status = 429;
            break;
        case Kind::busy:
            status = 503;
            break;
        case Kind::too_large:
            status = 413;
            break;
        default:
            break;
    }
    return error_reply(status, protocol::code_of(o.kind), o.message);
}

void dispatch_http(HttpContext& ctx, const HttpRequest& req, HttpResponder responder) {
    const HttpRoute* route = nullptr;
    bool other_method = false;
    const std::string method = req.method == "HEAD" ? "GET" : req.method;
    for (const HttpRoute& r : kRoutes) {
        if (!matches(r, req.path)) continue;
        if (r.method != method) {
            other_method = true;
            continue;
        }
        route = &r;
        break;
    }
    const std::string label = route ? std::string(route->label) : "other";
    RouteReply reply = [&ctx, label, responder](HttpReply r) {
        if (!responder.alive()) return;
        ++ctx.requests[{label, r.status}];
        responder(std::move(r));
    };
    if (!route) {
        if (other_method) {
            HttpReply r = error_reply(405, "method_not_allowed", "method not allowed");
            return reply(std::move(r));
        }
        return reply(error_reply(404, "not_found", "no such page"));
    }
    if (auto no = refusal(ctx, *route, req)) return reply(std::move(*no));
    route->handler(ctx, req, std::move(reply));
}

}  // namespace tend
