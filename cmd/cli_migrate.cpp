// tend migrate [--dry-run] [--url URL]: create or upgrade the queue's PostgreSQL schema
// (SPEC §9, design postgres.md §9). Each migration runs in its own transaction under the
// migrate advisory lock; a schema newer than this tend understands is refused.
#include <unistd.h>
#include <cstdio>
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/full_config_loader.hpp"
#include "cmd/pq_api.hpp"
#include "queue/pg/pg_model.hpp"
#include "queue/pg/pg_schema.hpp"
#include "supervisor/config/paths.hpp"

namespace tend::cli {
namespace {

struct MigrateArgs {
    bool dry_run = false;
    std::string url;
};

// The URL: --url, else [daemon] queue of the config.
std::string database_url(const CliContext& ctx, const MigrateArgs& a) {
    if (!a.url.empty()) return a.url;
    const Paths paths = resolve_paths(ctx.config_flag, "", "");
    FullLoadResult full = load_full_config(paths.config, paths.config_explicit);
    if (!full.load.loaded) {
        std::string all;
        for (const auto& e : full.load.errors) all += "\n" + e;
        throw CliError(kExitInvalid, "migrate: invalid config " + paths.config + ":" + all);
    }
    const QueueStoreConfig& store = full.load.loaded->config.daemon.store;
    if (!store.postgres())
        throw CliError(kExitInvalid,
                       "migrate: " + paths.config +
                           " keeps the queue in files ([daemon] queue = "
                           "\"file\"): there is no database to migrate",
                       "give the database with --url postgresql://HOST/DATABASE");
    return store.queue;
}

// One blocking connection for the command's lifetime.
class Session {
  public:
    explicit Session(const std::string& url) : api_(pq_api()) {
        // connect_timeout first: a value in the URL overrides it (libpq: later wins).
        const char* keys[] = {"connect_timeout", "application_name", "gssencmode", "dbname",
                              nullptr};
        const char* vals[] = {"10", "tend migrate", "disable", url.c_str(), nullptr};
        conn_ = api_.connectdb_params(keys, vals, 1);
        if (!conn_ || api_.status(conn_) != CONNECTION_OK)
            throw CliError(kExitUnreachable,
                           "migrate: cannot connect to " + pg::redact(url) + ": " +
                               pg::one_line(conn_ ? api_.error_message(conn_) : "out of memory"));
    }
    ~Session() {
        if (conn_) api_.finish(conn_);
    }
    // Runs SQL (several statements allowed when there are no params); returns the first value of
    // the first row ("" when none). Throws CliError 1 with the server's message.
    std::string run(const std::string& sql, const std::vector<std::string>& params = {}) {
        std::vector<const char*> v;
        for (const auto& p : params) v.push_back(p.c_str());
        PGresult* r = params.empty() ? api_.exec(conn_, sql.c_str())
                                     : api_.exec_params(conn_, sql.c_str(), int(v.size()), nullptr,
                                                        v.data(), nullptr, nullptr, 0);
        const ExecStatusType s = r ? api_.result_status(r) : PGRES_FATAL_ERROR;
        if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
            std::string why =
                pg::one_line(r ? api_.result_error_message(r) : api_.error_message(conn_));
            if (r) api_.clear(r);
            throw CliError(kExitFailed, why);
        }
        std::string out = api_.ntuples(r) > 0 ? api_.getvalue(r, 0, 0) : "";
        api_.clear(r);
        return out;
    }
    int version() {
        if (run(std::string(pg::has_schema_sql)) != "t") return 0;
        return std::stoi(run(std::string(pg::version_sql)));
    }

  private:
    const PqApi& api_;
    PGconn* conn_ = nullptr;
};

std::string applied_by() {
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    const char* user = getenv("USER");
    return std::string(user ? user : std::to_string(geteuid())) + "@" + host + " (tend " +
           TEND_VERSION + ")";
}

int migrate(const CliContext& ctx, const MigrateArgs& a) {
    const std::string url = database_url(ctx, a);
    Session db(url);
    const int from = db.version();
    auto plan = pg::migration_plan(from, pg::embedded_migrations());
    if (!plan) throw CliError(kExitFailed, "migrate: " + plan.error());
    nlohmann::json applied = nlohmann::json::array();
    if (a.dry_run) {
        for (const pg::Migration& m : *plan)
            std::fputs(pg::migration_script(m, applied_by()).c_str(), ctx.json ? stderr : stdout);
        for (const pg::Migration& m : *plan) applied.push_back(m.version);
    } else {
        for (const pg::Migration& m : *plan) {
            try {
                db.run("BEGIN");
                db.run(std::string(pg::migrate_lock_sql));
                // Another tend or tendd may have run it while this one waited for the lock.
                if (db.version() >= m.version) {
                    db.run("COMMIT");
                    continue;
                }
                db.run(std::string(m.sql));
                db.run(std::string(pg::record_sql), {std::to_string(m.version), applied_by()});
                db.run("COMMIT");
            } catch (const CliError& e) {
                throw CliError(kExitFailed, "migrate: migration " + std::to_string(m.version) +
                                                " (" + std::string(m.name) +
                                                ") failed, nothing of it "
                                                "was applied: " +
                                                e.what());
            }
            applied.push_back(m.version);
        }
    }
    const int to = plan->empty() ? from : plan->back().version;
    if (ctx.json) {
        ctx.print_json({{"from", from},
                        {"to", to},
                        {"dry_run", a.dry_run},
                        {"migrations", applied},
                        {"min_schema", pg::min_schema},
                        {"max_schema", pg::max_schema}});
    } else if (plan->empty()) {
        std::fprintf(stderr, "tend: migrate: schema %d is current; nothing to do\n", from);
    } else {
        std::fprintf(stderr, "tend: migrate: %s schema %d to %d (%zu migration%s)\n",
                     a.dry_run ? "would migrate" : "migrated", from, to, plan->size(),
                     plan->size() == 1 ? "" : "s");
    }
    return kExitOk;
}

}  // namespace

void register_migrate_command(CLI::App& app, CliContext& ctx, Action& action) {
    auto args = std::make_shared<MigrateArgs>();
    CLI::App* sub = app.add_subcommand(
        "migrate", "create or upgrade the queue's PostgreSQL schema ([daemon] queue)");
    sub->add_flag("--dry-run", args->dry_run, "print the SQL it would run; change nothing");
    sub->add_option("--url", args->url, "database URL (default: [daemon] queue of the config)");
    add_json_flag(sub, ctx);
    sub->callback([&ctx, &action, args] { action = [&ctx, args] { return migrate(ctx, *args); }; });
}

}  // namespace tend::cli
