// tendd's [http] at run time: binds the listener, reads the token, starts the HTTP server and
// applies a reload's [http] (the listener is rebuilt when `listen` changes). The dashboard's
// history is sampled only while a server runs: without [http], tendd has no timer of its own.
#pragma once

#include <sys/types.h>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cmd/tendd/dashboard_sampler.hpp"
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
    // The data of `tend queues --json` and `tend status --json`, for the dashboard's history.
    DashboardSampler::Source queues_json, status_json;
    LoopLag* activity = nullptr;  // wakes the sleeping sampler; must outlive this
};

class DaemonHttp {
  public:
    DaemonHttp(DaemonHttpEnv env, DaemonControl* control);
    ~DaemonHttp();

    // Starts, rebuilds, updates or stops the server to match `c`. On failure the server that
    // ran before keeps running when `listen` did not change; else there is none.
    Status apply(const HttpConfig& c);

    HttpContext& context() { return ctx_; }
    const HttpServer* server() const { return server_.get(); }

  private:
    Status apply_server(const HttpConfig& c);
    void stop();
    // Starts the sampler when a server runs and drops it when none does.
    void follow_server();

    DaemonHttpEnv env_;
    HttpContext ctx_;
    HttpConfig config_;
    std::unique_ptr<HttpServer> server_;
    std::string unix_path_;  // the socket file to remove when the server stops
    std::unique_ptr<DashboardSampler> sampler_;
};

}  // namespace tend
