// Config loading with user/group resolution done once, never per spawn.
#include "supervisor/daemon/config_loader.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "supervisor/config/config_walker.hpp"

namespace tend {
namespace {

std::string at(const SourcePos& p) {
    return p.file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": ";
}

Result<Credentials> resolve_user(const std::string& name) {
    std::vector<char> buf(16384);
    passwd pw{}, *found = nullptr;
    int err = getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
    if (err != 0 || !found)
        return make_error("unknown user \"" + name + "\"" +
                          (err ? std::string(": ") + std::strerror(err) : ""));
    Credentials c{pw.pw_uid, pw.pw_gid, {}};
    int n = 64;
    std::vector<gid_t> groups(static_cast<size_t>(n), 0);
    if (getgrouplist(name.c_str(), pw.pw_gid, groups.data(), &n) < 0) {
        groups.resize(size_t(n));
        getgrouplist(name.c_str(), pw.pw_gid, groups.data(), &n);
    }
    groups.resize(size_t(std::max(n, 0)));
    c.groups = std::move(groups);
    return c;
}

}  // namespace

Result<std::string> read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

LoadResult load_config_file(const std::string& path, bool must_exist) {
    return load_config_file(path, must_exist, {});
}

LoadResult load_config_file(const std::string& path, bool must_exist,
                            const std::vector<ExtraSection>& extra) {
    LoadResult out;
    LoadedConfig lc;
    if (access(path.c_str(), F_OK) != 0 && errno == ENOENT && !must_exist) {
        out.loaded = std::move(lc);  // no programs, no cron: SPEC §2
        return out;
    }
    auto text = read_text_file(path);
    if (!text) {
        out.errors.push_back(text.error());
        return out;
    }
    ParseOptions opts;
    opts.running_as_root = geteuid() == 0;
    opts.uid = geteuid();
    auto parsed = parse_config(*text, path, opts, extra);
    // Names are resolved even when the file has other errors, so one run reports them all.
    out.errors = std::move(parsed.errors);
    lc.config = std::move(parsed.config);
    lc.file_found = true;
    for (const auto& p : lc.config.programs) {
        auto rt = std::make_shared<ProgramRuntime>();
        rt->config = p;
        if (p.user) {
            auto c = resolve_user(*p.user);
            if (!c)
                out.errors.push_back(at(p.user_pos) + c.error());
            else
                rt->credentials = *c;
        }
        lc.runtimes.push_back(std::move(rt));
    }
    // A user instance's socket is private to its user; the groups are for the system instance.
    auto group_id = [&](const std::optional<std::string>& g, const SourcePos& pos,
                        std::optional<gid_t>& out_gid) {
        if (!g || geteuid() != 0) return;
        std::vector<char> buf(16384);
        group gr{}, *found = nullptr;
        if (getgrnam_r(g->c_str(), &gr, buf.data(), buf.size(), &found) != 0 || !found)
            out.errors.push_back(at(pos) + "unknown group \"" + *g + "\"");
        else
            out_gid = gr.gr_gid;
    };
    group_id(lc.config.daemon.socket_group, lc.config.daemon.socket_group_pos, lc.socket_gid);
    group_id(lc.config.daemon.admin_group, lc.config.daemon.admin_group_pos, lc.admin_gid);
    if (const auto& u = lc.config.daemon.store.direct_submit_user; u && geteuid() == 0) {
        auto c = resolve_user(*u);
        if (!c)
            out.errors.push_back(path + ": [daemon] direct_submit_user: " + c.error());
        else if (c->uid == 0)
            out.errors.push_back(path + ": [daemon] direct_submit_user: \"" + *u +
                                 "\" is root: jobs submitted straight into the database "
                                 "never run as root");
        else
            lc.direct_submit_credentials = *c;
    }
    if (out.errors.empty()) out.loaded = std::move(lc);
    return out;
}

}  // namespace tend
