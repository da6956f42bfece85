// tend check [FILE]: validate a config without a daemon, reporting every error.
#include <cstdio>
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/full_config_loader.hpp"
#include "supervisor/config/paths.hpp"
#include "supervisor/config/probe_pitfall.hpp"

namespace tend::cli {

void register_check_command(CLI::App& app, CliContext& ctx, Action& action) {
    auto file = std::make_shared<std::string>();
    CLI::App* sub = app.add_subcommand("check", "validate a config file (no daemon needed)");
    sub->add_option("file", *file, "config file (default: the daemon's config path)");
    add_json_flag(sub, ctx);
    sub->callback([&ctx, &action, file] {
        action = [&ctx, file] {
            const Paths paths = resolve_paths(ctx.config_flag, "", "");
            const bool named = !file->empty() || paths.config_explicit;
            std::string path = !file->empty() ? *file : paths.config;
            // Like tendd: a missing default config is valid (no programs); a named one is not.
            FullLoadResult full = load_full_config(path, named);
            LoadResult& r = full.load;
            if (r.loaded && !r.loaded->file_found) {
                if (ctx.json)
                    ctx.print_json({{"file", path},
                                    {"ok", true},
                                    {"found", false},
                                    {"errors", nlohmann::json::array()},
                                    {"programs", 0},
                                    {"queues", 1},
                                    {"cron_entries", 0}});
                else
                    std::printf("%s: not found; tendd runs with no programs\n", path.c_str());
                return kExitOk;
            }
            // Warnings (a config that works but misleads) never change the exit status.
            const std::vector<std::string> warnings =
                r.loaded ? config_warnings(r.loaded->config) : std::vector<std::string>{};
            if (!ctx.json)
                for (const auto& w : warnings)
                    std::fprintf(stderr, "tend: check: warning: %s\n", w.c_str());
            if (ctx.json) {
                nlohmann::json j = {{"file", path},
                                    {"ok", r.errors.empty()},
                                    {"errors", r.errors},
                                    {"warnings", warnings}};
                if (r.loaded) {
                    j["programs"] = r.loaded->config.programs.size();
                    j["queues"] = full.queue.queues.size();
                    j["cron_entries"] = full.queue.crons.size();
                }
                ctx.print_json(j);
            } else if (r.errors.empty()) {
                const Config& c = r.loaded->config;
                auto count = [](size_t n, const char* one, const char* many) {
                    return std::to_string(n) + " " + (n == 1 ? one : many);
                };
                std::printf("%s: ok (%s, %s, %s)\n", path.c_str(),
                            count(c.programs.size(), "program", "programs").c_str(),
                            count(full.queue.queues.size(), "queue", "queues").c_str(),
                            count(full.queue.crons.size(), "cron entry", "cron entries").c_str());
            } else {
                for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.c_str());
                std::fprintf(stderr, "tend: check: %s: %zu error(s)\n", path.c_str(),
                             r.errors.size());
            }
            return r.errors.empty() ? kExitOk : kExitInvalid;
        };
    });
}

}  // namespace tend::cli
