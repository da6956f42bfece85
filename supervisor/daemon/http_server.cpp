// libmicrohttpd on tendd's sd-event loop (design observability.md §2): MHD's epoll fd is an io
// source, MHD_get_timeout arms one timer, and a request is suspended until its handler answers.
#include "supervisor/daemon/http_server.hpp"

#include <microhttpd.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <algorithm>
#include <cstdarg>
#include <cstdio>

#include "supervisor/core/http_rules.hpp"
#include "supervisor/daemon/control_server.hpp"
#include "supervisor/daemon/event_loop.hpp"

namespace tend {

// One request's state, shared by MHD's per-connection slot and the responders handed out.
struct HttpResponder::Pending {
    HttpServer* server = nullptr;
    MHD_Connection* conn = nullptr;  // null once MHD has finished with the request
    std::string path;
    std::optional<HttpReply> reply;
    bool answered = false;   // a reply was given (or the deadline passed)
    bool started = false;    // the handler was called
    bool suspended = false;  // MHD_suspend_connection is in force
    std::size_t body = 0;
    EventSource deadline;
};

struct HttpServer::Impl {
    using Pending = HttpResponder::Pending;

    static void on_log(void* cls, const char* fmt, va_list ap) {
        auto* srv = static_cast<HttpServer*>(cls);
        char buf[512];
        std::vsnprintf(buf, sizeof buf, fmt, ap);
        std::string msg(buf);
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
        if (srv->options_.log) srv->options_.log("http: " + msg);
    }

    static void on_connection(void* cls, MHD_Connection*, void**,
                              enum MHD_ConnectionNotificationCode code) {
        auto* srv = static_cast<HttpServer*>(cls);
        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
            ++srv->connections_;
            ++srv->connections_total_;
        } else if (srv->connections_ > 0) {
            --srv->connections_;
        }
    }

    static void on_completed(void* cls, MHD_Connection*, void** con_cls,
                             enum MHD_RequestTerminationCode) {
        auto* srv = static_cast<HttpServer*>(cls);
        auto* slot = static_cast<std::shared_ptr<Pending>*>(*con_cls);
        if (!slot) return;
        (*slot)->conn = nullptr;
        (*slot)->deadline.reset();
        std::erase(srv->suspended_, *slot);
        delete slot;
        *con_cls = nullptr;
    }

    static MHD_Result queue(MHD_Connection* c, const HttpReply& r, const std::string& path) {
        MHD_Response* resp = MHD_create_response_from_buffer(
            r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
        if (!resp) return MHD_NO;
        MHD_add_response_header(resp, "Content-Type", r.content_type.c_str());
        for (const auto& [k, v] : http::security_headers(path))
            MHD_add_response_header(resp, k.c_str(), v.c_str());
        for (const auto& [k, v] : r.headers) MHD_add_response_header(resp, k.c_str(), v.c_str());
        MHD_Result ret = MHD_queue_response(c, static_cast<unsigned>(r.status), resp);
        MHD_destroy_response(resp);
        return ret;
    }

    static std::string header(MHD_Connection* c, const char* name) {
        const char* v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
        return v ? std::string(v) : std::string();
    }

    static MHD_Result add_arg(void* cls, enum MHD_ValueKind, const char* key, const char* value) {
        auto* q = static_cast<std::map<std::string, std::string>*>(cls);
        // Bounded by MHD's request memory; the first of repeated names wins.
        if (key) q->emplace(key, value ? value : "");
        return MHD_YES;
    }

    static HttpIdentity identify(HttpServer& srv, MHD_Connection* c) {
        HttpIdentity id;
        if (!srv.options_.tcp) {
            const MHD_ConnectionInfo* info =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
            if (!info) return id;
            auto peer = ControlServer::read_peer(info->connect_fd);
            if (!peer) return id;
            std::vector<std::uint32_t> groups(peer->groups.begin(), peer->groups.end());
            auto role = authz::role_of(srv.options_.policy, peer->uid, peer->gid, groups);
            if (!role) return id;
            id.kind = HttpIdentity::Kind::peer;
            id.caller = authz::Caller{peer->uid, peer->gid, std::move(groups), *role};
            return id;
        }
        const std::string auth = header(c, "Authorization");
        if (auth.empty()) return id;
        const std::string token = http::token_of_authorization(auth);
        if (!srv.options_.token.empty() && !token.empty() &&
            http::constant_time_equal(token, srv.options_.token)) {
            id.kind = HttpIdentity::Kind::token;
            id.caller = authz::Caller{srv.options_.policy.daemon_uid,
                                      static_cast<std::uint32_t>(getegid()),
                                      {},
                                      authz::Role::admin};
        } else {
            id.bad_token = true;
        }
        return id;
    }

    static int on_deadline(sd_event_source*, uint64_t, void* p) {
        auto* pending = static_cast<Pending*>(p);
        // The responder of a shared_ptr the slot still holds (on_completed resets the timer).
        auto self =
            std::find_if(pending->server->suspended_.begin(), pending->server->suspended_.end(),
                         [&](const auto& s) { return s.get() == pending; });
        if (self != pending->server->suspended_.end()) {
            HttpResponder responder(*self);
            responder(HttpReply::text(504, "tendd did not answer within its deadline\n"));
        }
        return 0;
    }

    static MHD_Result on_request(void* cls, MHD_Connection* c, const char* url, const char* method,
                                 const char*, const char*, size_t* upload_size, void** con_cls) {
        auto* srv = static_cast<HttpServer*>(cls);
        auto* slot = static_cast<std::shared_ptr<Pending>*>(*con_cls);
        if (!slot) {
            auto p = std::make_shared<Pending>();
            p->server = srv;
            p->conn = c;
            p->path = url ? url : "/";
            const std::string cl = header(c, "Content-Length");
            const bool too_large =
                !cl.empty() && (cl.size() > 12 || std::stoull("0" + cl.substr(0, 12)) >
                                                      srv->options_.limits.max_body);
            const std::string path = p->path;
            *con_cls = new std::shared_ptr<Pending>(std::move(p));
            // Answered before the body is read (MHD accepts a reply only now or once the
            // body is in); the connection is closed after it.
            if (too_large)
                return queue(c, HttpReply::text(413, "request bodies are limited to 4 KiB\n"),
                             path);
            return MHD_YES;
        }
        auto p = *slot;
        if (*upload_size > 0) {
            p->body += *upload_size;
            *upload_size = 0;
            // A body without a length (chunked) that grows too large: the connection is closed.
            return p->body > srv->options_.limits.max_body ? MHD_NO : MHD_YES;
        }
        if (p->reply) return queue(c, *p->reply, p->path);
        if (p->started)  // resumed without an answer: cannot happen, but never hang
            return queue(c, HttpReply::text(500, "no answer\n"), p->path);
        p->started = true;

        HttpRequest req;
        req.method = method ? method : "";
        req.path = p->path;
        req.tcp = srv->options_.tcp;
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, &add_arg, &req.query);
        req.origin = header(c, "Origin");
        req.action_header = header(c, "X-Tend-Action");
        req.accept = header(c, "Accept");
        if (req.tcp && !http::host_allowed(header(c, "Host"), srv->options_.listen_host,
                                           srv->options_.listen_port, srv->options_.allowed_hosts))
            return queue(c,
                         HttpReply::text(421,
                                         "this server does not answer for that Host "
                                         "(add it to [http] allowed_hosts)\n"),
                         p->path);
        req.identity = identify(*srv, c);

        srv->handler_(req, HttpResponder(p));
        if (p->reply) return queue(c, *p->reply, p->path);
        // Answered later: park the connection; the deadline bounds the wait.
        auto t = ev::add_time_relative(srv->loop_, CLOCK_MONOTONIC,
                                       srv->options_.limits.answer_deadline_usec, 1000,
                                       &on_deadline, p.get(), "arm an HTTP answer deadline");
        if (!t) return queue(c, HttpReply::text(503, t.error() + "\n"), p->path);
        p->deadline = std::move(*t);
        MHD_suspend_connection(c);
        p->suspended = true;
        srv->suspended_.push_back(p);
        return MHD_YES;
    }

    static int on_io(sd_event_source*, int, uint32_t, void* self) {
        static_cast<HttpServer*>(self)->run();
        return 0;
    }
    static int on_timer(sd_event_source*, uint64_t, void* self) {
        static_cast<HttpServer*>(self)->run();
        return 0;
    }
    static int on_defer(sd_event_source* s, void* self) {
        sd_event_source_set_enabled(s, SD_EVENT_OFF);
        static_cast<HttpServer*>(self)->run();
        return 0;
    }
};

HttpReply HttpReply::text(int status, std::string body) {
    HttpReply r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

HttpReply HttpReply::json(int status, std::string body) {
    HttpReply r;
    r.status = status;
    r.content_type = "application/json";
    r.body = std::move(body);
    return r;
}

void HttpResponder::operator()(HttpReply reply) const {
    if (!p_ || p_->answered || !p_->conn) return;
    p_->answered = true;
    p_->reply = std::move(reply);
    p_->deadline.reset();
    if (!p_->suspended) return;  // inside the handler: on_request queues it
    p_->suspended = false;
    HttpServer* srv = p_->server;
    MHD_resume_connection(p_->conn);
    auto keep = p_;  // erase may drop the last owner but this one
    std::erase(srv->suspended_, keep);
    srv->kick();
}

bool HttpResponder::alive() const {
    return p_ && !p_->answered && p_->conn;
}

HttpServer::HttpServer(sd_event* loop, HttpHandler handler, HttpServerOptions options)
    : loop_(loop), handler_(std::move(handler)), options_(std::move(options)) {}

Result<std::unique_ptr<HttpServer>> HttpServer::start(sd_event* loop, UniqueFd listener,
                                                      HttpHandler handler,
                                                      HttpServerOptions options) {
    std::unique_ptr<HttpServer> srv(new HttpServer(loop, std::move(handler), std::move(options)));
    const HttpLimits& lim = srv->options_.limits;
    const int fd = listener.get();
    // The logger first: MHD reports problems with later options through it.
    srv->mhd_ = MHD_start_daemon(
        MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, nullptr, nullptr,
        &Impl::on_request, srv.get(), MHD_OPTION_EXTERNAL_LOGGER, &Impl::on_log, srv.get(),
        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT, lim.connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->options_.tcp ? lim.per_ip : 0u,
        MHD_OPTION_CONNECTION_TIMEOUT, lim.idle_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        lim.request_memory, MHD_OPTION_NOTIFY_COMPLETED, &Impl::on_completed, srv.get(),
        MHD_OPTION_NOTIFY_CONNECTION, &Impl::on_connection, srv.get(), MHD_OPTION_END);
    if (!srv->mhd_) return make_error("cannot start the HTTP server (libmicrohttpd refused)");
    listener.release();  // MHD closes it when it stops
    const MHD_DaemonInfo* info = MHD_get_daemon_info(srv->mhd_, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info) return make_error("cannot start the HTTP server: no epoll fd");
    auto io =
        ev::add_io(loop, info->epoll_fd, EPOLLIN, &Impl::on_io, srv.get(), "watch the HTTP server");
    if (!io) return make_error(io.error());
    srv->io_ = std::move(*io);
    auto timer = ev::add_time(loop, CLOCK_MONOTONIC, UINT64_MAX, 1000, &Impl::on_timer, srv.get(),
                              "arm the HTTP server's timer");
    if (!timer) return make_error(timer.error());
    srv->timer_ = std::move(*timer);
    if (auto st = ev::set_enabled(srv->timer_.get(), SD_EVENT_OFF, "pause the HTTP timer"); !st)
        return make_error(st.error());
    auto defer = ev::add_defer(loop, &Impl::on_defer, srv.get(), "resume HTTP requests");
    if (!defer) return make_error(defer.error());
    srv->defer_ = std::move(*defer);
    if (auto st = ev::set_enabled(srv->defer_.get(), SD_EVENT_OFF, "pause the HTTP resume"); !st)
        return make_error(st.error());
    srv->rearm();
    return srv;
}

HttpServer::~HttpServer() {
    // Suspended requests end with 503 (resumed, then MHD closes them as it stops).
    auto pending = suspended_;
    for (auto& p : pending) {
        HttpResponder responder(p);
        responder(HttpReply::text(503, "tendd's HTTP server stopped\n"));
    }
    io_.reset();
    timer_.reset();
    defer_.reset();
    if (mhd_) MHD_stop_daemon(mhd_);
}

void HttpServer::run() {
    running_ = true;
    MHD_run(mhd_);
    running_ = false;
    rearm();
}

void HttpServer::rearm() {
    MHD_UNSIGNED_LONG_LONG ms = 0;
    if (MHD_get_timeout(mhd_, &ms) == MHD_YES) {
        if (auto st = ev::rearm_after(timer_.get(), ms * 1000, "arm the HTTP server's timer"); !st)
            if (options_.log) options_.log(st.error());
    } else {
        (void)ev::set_enabled(timer_.get(), SD_EVENT_OFF, "pause the HTTP timer");
    }
}

void HttpServer::kick() {
    if (defer_) (void)ev::set_enabled(defer_.get(), SD_EVENT_ONESHOT, "resume HTTP requests");
}

}  // namespace tend
