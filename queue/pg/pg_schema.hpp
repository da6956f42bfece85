// The database schema's versions and migrations (design postgres.md §9): which migrations a
// database at a given version needs, the transaction each runs in, and the refusal of a
// schema newer than this binary understands. Pure: the callers talk to the server.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/util/result.hpp"

namespace tend::pg {

struct Migration {
    int version;
    std::string_view name;  // the file's name without .sql (0001_schema)
    std::string_view sql;
};

// queue/pg/migrations/*.sql, in version order (generated at build time).
std::span<const Migration> embedded_migrations();

// The schemas this binary works with: it can run on any of them (expand/contract changes
// keep N and N+1 compatible) and migrates an older one up to max_schema.
inline constexpr int min_schema = 1;
inline constexpr int max_schema = 2;

// Every migration transaction holds this transaction-scoped advisory lock (fine through a
// transaction pooler), so two hosts migrating at once run each step once.
inline constexpr std::string_view migrate_lock_sql =
    "SELECT pg_advisory_xact_lock(hashtext('tend.migrate'))";
// The version of a database: 0 before the first migration (no tend.migration table). A scan
// of pg_class, not to_regclass(): to_regclass answers from this session's catalog cache, which
// a wait for the advisory lock does not refresh, so a migrator that waited while another
// created the schema would still see none and run migration 1 again (seen in
// test_pg_migrate.sh: "relation migration already exists").
inline constexpr std::string_view has_schema_sql =
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
    "ON n.oid = c.relnamespace WHERE n.nspname = 'tend' AND c.relname = 'migration')";
inline constexpr std::string_view version_sql =
    "SELECT coalesce(max(version), 0) FROM tend.migration";
// $1 version, $2 who applied it (user@host, tend version).
inline constexpr std::string_view record_sql =
    "INSERT INTO tend.migration (version, applied_by) VALUES ($1, $2)";

// The migrations that bring a database at `current` to max_schema (empty: up to date), or
// the refusal of a schema newer than this binary ("database schema 3 is newer than this tend
// understands (1–1); upgrade tend").
Result<std::vector<Migration>> migration_plan(int current, std::span<const Migration> all);
std::string newer_schema_message(int current, std::string_view program);

// The whole transaction of one migration as SQL text (what `tend migrate --dry-run` prints).
std::string migration_script(const Migration& m, std::string_view applied_by);

// Single-quoted SQL string literal (standard_conforming_strings: only ' is doubled).
std::string sql_literal(std::string_view s);

}  // namespace tend::pg
