// Argument parsing for the cron commands of the control protocol (cron_list, cron_add, ...).
#include "queue/daemon/cron_requests.hpp"

#include "queue/daemon/cron_service.hpp"
#include "queue/daemon/request_args.hpp"

namespace tend::jobs {

namespace {
using json = nlohmann::json;
namespace code = protocol::code;

Result<CronAddRequest> parse_add(const json& a) {
    CronAddRequest r;
    cron::CronDef& d = r.def;
    auto name = field<std::string>(a, "name", "");
    auto schedule = field<std::string>(a, "schedule", "");
    auto tz = field<std::string>(a, "timezone", "");
    auto queue = field<std::string>(a, "queue", "default");
    auto argv = field<std::vector<std::string>>(a, "argv", {});
    auto shell = field<bool>(a, "shell", false);
    auto overlap = field<std::string>(a, "overlap", "skip");
    auto catch_up = field<std::string>(a, "catch_up", "latest");
    auto window = field<std::int64_t>(a, "catch_up_window_us", cron::kDefaultCatchUpWindowUs);
    auto jitter = field<std::int64_t>(a, "jitter_us", 0);
    auto cwd = field<std::string>(a, "cwd", "");
    auto env = field<std::vector<std::string>>(a, "env", {});
    for (const std::string* e :
         {name ? nullptr : &name.error(), schedule ? nullptr : &schedule.error(),
          tz ? nullptr : &tz.error(), queue ? nullptr : &queue.error(),
          argv ? nullptr : &argv.error(), shell ? nullptr : &shell.error(),
          overlap ? nullptr : &overlap.error(), catch_up ? nullptr : &catch_up.error(),
          window ? nullptr : &window.error(), jitter ? nullptr : &jitter.error(),
          cwd ? nullptr : &cwd.error(), env ? nullptr : &env.error()})
        if (e) return make_error(*e);
    auto o = cron::parse_overlap(*overlap);
    if (!o) return make_error("\"overlap\" must be skip, allow or replace");
    auto c = cron::parse_catch_up(*catch_up);
    if (!c) return make_error("\"catch_up\" must be none, latest or all");
    d.name = *name;
    d.schedule = *schedule;
    d.timezone = *tz;
    d.queue = *queue;
    d.argv = std::move(*argv);
    d.shell = *shell;
    d.overlap = *o;
    d.catch_up = *c;
    d.catch_up_window_us = *window;
    d.jitter_us = *jitter;
    d.cwd = *cwd;
    d.env = std::move(*env);
    return r;
}
}  // namespace

bool handle_cron_request(DaemonControl& d, ControlServer::ClientId client,
                         const protocol::Request& req, const ControlServer::Replier& reply) {
    if (!req.cmd.starts_with("cron_")) return false;
    auto bad = [&reply](const std::string& m) {
        reply(protocol::encode_error(code::bad_request, m));
    };
    if (!d.cron) return bad("cron is not running in this tendd"), true;
    CronService& cron = *d.cron;
    const json& a = req.args;
    const std::string& cmd = req.cmd;
    auto name = field<std::string>(a, "name", "");
    if (!name) return bad(name.error()), true;
    if (cmd == "cron_list") {
        replier(reply)(cron.list());
    } else if (cmd == "cron_add") {
        auto r = parse_add(a);
        if (!r) return bad(r.error()), true;
        auto p = d.peer(client);
        if (!p) return bad("no peer credentials"), true;
        r->def.uid = p->uid;
        r->def.gid = p->gid;
        r->def.groups.assign(p->groups.begin(), p->groups.end());
        cron.add(std::move(*r), replier(reply));
    } else if (cmd == "cron_remove" || cmd == "cron_run" || cmd == "cron_next") {
        if (name->empty()) return bad("\"name\" must name a cron entry"), true;
        if (cmd == "cron_remove") {
            auto p = d.peer(client);
            cron.remove(*name, p ? p->uid : 65534, replier(reply));
        } else if (cmd == "cron_run") {
            cron.run(*name, replier(reply));
        } else {
            auto from = field<std::int64_t>(a, "from_s", 0);
            auto n = field<std::int64_t>(a, "count", 10);
            if (!from || !n) return bad(!from ? from.error() : n.error()), true;
            if (*n < 1 || *n > 100000) return bad("\"count\" must be between 1 and 100000"), true;
            replier(reply)(cron.next(*name, *from, static_cast<std::size_t>(*n)));
        }
    } else {
        return bad("unknown command \"" + cmd + "\""), true;
    }
    return true;
}

}  // namespace tend::jobs
