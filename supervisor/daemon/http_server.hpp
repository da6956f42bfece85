// tendd's HTTP server (SPEC §10): libmicrohttpd in external-epoll mode on the one sd-event loop,
// no thread of its own; a request becomes an HttpRequest for one handler, answered now or later.
#pragma once

#include <systemd/sd-event.h>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/core/authz.hpp"
#include "supervisor/daemon/event_source.hpp"
#include "supervisor/util/result.hpp"
#include "supervisor/util/unique_fd.hpp"

struct MHD_Daemon;
struct MHD_Connection;

namespace tend {

// Who sent a request (design observability.md §3.2).
struct HttpIdentity {
    enum class Kind {
        anonymous,  // TCP without a valid token, or a Unix peer the socket's rule does not admit
        peer,       // Unix socket: the peer's uid as SO_PEERCRED says, admitted by authz
        token,      // TCP with the bearer token (or Basic with it as password): tendd's own uid
    };
    Kind kind = Kind::anonymous;
    std::optional<authz::Caller> caller;  // set unless anonymous
    bool bad_token = false;               // credentials were sent and were wrong
};

struct HttpRequest {
    std::string method;                        // "GET"
    std::string path;                          // decoded, without the query
    std::map<std::string, std::string> query;  // decoded; the first of repeated names
    std::string origin;                        // the Origin header, or empty
    std::string action_header;                 // X-Tend-Action, or empty
    std::string accept;                        // Accept, or empty
    HttpIdentity identity;
    bool tcp = false;  // arrived over TCP (else the Unix socket)
};

struct HttpReply {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // besides the standard ones

    static HttpReply text(int status, std::string body);
    static HttpReply json(int status, std::string body);
};

// The way back to a request's client. Call it once, now (inside the handler) or later from
// the loop; a call after the client has gone, or a second call, does nothing. A request not
// answered within HttpLimits::answer_deadline gets 504.
class HttpResponder {
  public:
    struct Pending;
    HttpResponder() = default;
    explicit HttpResponder(std::shared_ptr<Pending> p) : p_(std::move(p)) {}
    void operator()(HttpReply reply) const;
    bool alive() const;  // false once answered, timed out, or the server is gone

  private:
    std::shared_ptr<Pending> p_;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponder)>;

struct HttpLimits {
    unsigned connections = 64;
    unsigned per_ip = 16;  // TCP only: a Unix socket has no peer address
    unsigned idle_timeout_s = 30;
    std::size_t request_memory = 64 * 1024;           // request line and headers
    std::size_t max_body = 4 * 1024;                  // larger bodies: 413
    std::uint64_t answer_deadline_usec = 10'000'000;  // suspended requests: then 504
};

struct HttpServerOptions {
    bool tcp = false;         // the listener is TCP (else a Unix socket)
    std::string listen_host;  // TCP: for the Host check
    std::string listen_port;  // TCP
    std::vector<std::string> allowed_hosts;
    std::string token;           // TCP bearer token (empty: none accepted)
    authz::AccessPolicy policy;  // Unix peers: the control socket's rule
    HttpLimits limits;
    std::function<void(const std::string&)> log;  // libmicrohttpd's messages, as warnings
};

class HttpServer {
  public:
    // Serves on `listener` (bound and listening, non-blocking); it is closed with the server.
    static Result<std::unique_ptr<HttpServer>> start(sd_event* loop, UniqueFd listener,
                                                     HttpHandler handler,
                                                     HttpServerOptions options);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    unsigned connections() const { return connections_; }
    std::uint64_t connections_total() const { return connections_total_; }
    // A new token takes effect for the next request (tend reload re-reads the file).
    void set_token(std::string token) { options_.token = std::move(token); }
    void set_allowed_hosts(std::vector<std::string> h) { options_.allowed_hosts = std::move(h); }

    struct Impl;  // the callbacks of http_server.cpp

  private:
    friend class HttpResponder;  // resumes its request and kicks the loop
    HttpServer(sd_event* loop, HttpHandler handler, HttpServerOptions options);
    void run();    // MHD_run, then rearm the timer
    void rearm();  // the timer at MHD_get_timeout, or off
    void kick();   // run from the loop soon (after a resume)

    sd_event* loop_;
    HttpHandler handler_;
    HttpServerOptions options_;
    MHD_Daemon* mhd_ = nullptr;
    EventSource io_, timer_, defer_;
    unsigned connections_ = 0;
    std::uint64_t connections_total_ = 0;
    bool running_ = false;  // inside MHD_run: a resume then needs no kick
    std::vector<std::shared_ptr<HttpResponder::Pending>> suspended_;
};

}  // namespace tend
