// tendd's [http] at run time: binds the listener, reads the token, starts the HTTP server and
// applies a reload's [http] (the listener is rebuilt when `listen` changes).
#pragma once

#include <sys/types.h>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cmd/tendd/http_routes.hpp"
#include "supervisor/config/http_config.hpp"
#include "supervisor/daemon/http_server.hpp"

namespace tend {

struct DaemonHttpEnv {
    sd_event* loop = nullptr;
    authz::AccessPolicy policy;       // the control socket's rule, for Unix peers
    std::optional<gid_t> socket_gid;  // a system instance's socket_group
    std::string config_file;          // the token file's default directory
    std::function<void(const std::string&)> info, warn;
};

class DaemonHttp {
  public:
    DaemonHttp(DaemonHttpEnv env, DaemonControl* control);
    ~DaemonHttp();

    // Starts, rebuilds, updates or stops the server to match `c`. On failure the server that
    // ran before keeps running when `listen` did not change; else there is none.
    Status apply(const HttpConfig& c);
    void stop();

    HttpContext& context() { return ctx_; }
    const HttpServer* server() const { return server_.get(); }

  private:
    DaemonHttpEnv env_;
    HttpContext ctx_;
    HttpConfig config_;
    std::unique_ptr<HttpServer> server_;
    std::string unix_path_;  // the socket file to remove when the server stops
};

}  // namespace tend
