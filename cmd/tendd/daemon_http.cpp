// Wiring [http] into tendd: listener, token file, server, routes; reload applies it live.
#include "cmd/tendd/daemon_http.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "supervisor/daemon/control_socket.hpp"
#include "supervisor/daemon/http_token.hpp"
#include "supervisor/daemon/listen_sockets.hpp"

namespace tend {

DaemonHttp::DaemonHttp(DaemonHttpEnv env, DaemonControl* control) : env_(std::move(env)) {
    ctx_.control = control;
}

DaemonHttp::~DaemonHttp() {
    stop();
}

void DaemonHttp::stop() {
    server_.reset();
    if (!unix_path_.empty()) unlink(unix_path_.c_str());
    unix_path_.clear();
    config_ = HttpConfig{};
}

Status DaemonHttp::apply(const HttpConfig& c) {
    Status st = apply_server(c);
    follow_server();
    return st;
}

void DaemonHttp::follow_server() {
    if (!server_) {
        ctx_.series = nullptr;
        sampler_.reset();
        return;
    }
    if (!sampler_) {
        auto s =
            DashboardSampler::start(env_.loop, env_.queues_json, env_.status_json, env_.activity);
        if (!s) {  // only the charts are lost
            env_.warn(s.error() + ": the dashboard has no history");
            return;
        }
        sampler_ = std::move(*s);
    }
    ctx_.series = &sampler_->book();
}

Status DaemonHttp::apply_server(const HttpConfig& c) {
    if (!c.present || c.listen.empty()) {
        if (server_) env_.info("http: server stopped ([http] removed)");
        stop();
        return ok_status();
    }
    const HttpListen& a = c.address;
    // The token travels with TCP requests only; a Unix socket relies on the peer's uid.
    std::string token;
    if (!a.unix_socket) {
        const std::string path = http_token_path(c, env_.config_file);
        auto t = load_http_token(path, geteuid() == 0 ? env_.socket_gid : std::optional<gid_t>());
        if (!t) return make_error("http: " + t.error());
        token = std::move(*t);
    }
    if (server_ && c.listen == config_.listen) {  // the same listener: update in place
        server_->set_token(token);
        server_->set_allowed_hosts(c.allowed_hosts);
        ctx_.public_routes = c.public_routes;
        config_ = c;
        return ok_status();
    }
    stop();
    UniqueFd fd;
    if (a.unix_socket) {
        auto l =
            listen_control_socket(a.path, geteuid() == 0 ? env_.socket_gid : std::nullopt, 0660);
        if (!l) return make_error("http: " + l.error());
        fd = std::move(*l);
        unix_path_ = a.path;
    } else {
        auto l = bind_listen_socket(
            "tcp://" + (a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host) + ":" +
                a.port,
            "http", std::nullopt);
        if (!l) return make_error("http: " + l.error());
        fd = std::move((*l)->fd);
        fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
        if (!a.loopback)
            env_.warn("http: listening on " + c.listen +
                      ", not a loopback address: the token travels in clear text (put a TLS "
                      "proxy in front)");
    }
    HttpServerOptions o;
    o.tcp = !a.unix_socket;
    o.listen_host = a.host;
    o.listen_port = a.port;
    o.allowed_hosts = c.allowed_hosts;
    o.token = token;
    o.policy = env_.policy;
    o.log = env_.warn;
    auto srv = HttpServer::start(
        env_.loop, std::move(fd),
        [this](const HttpRequest& req, HttpResponder r) { dispatch_http(ctx_, req, std::move(r)); },
        std::move(o));
    if (!srv) {
        if (!unix_path_.empty()) unlink(unix_path_.c_str());
        unix_path_.clear();
        return make_error("http: " + srv.error());
    }
    server_ = std::move(*srv);
    ctx_.public_routes = c.public_routes;
    config_ = c;
    env_.info("http: serving on " + c.listen);
    return ok_status();
}

}  // namespace tend
