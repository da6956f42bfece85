// Schema versions and migration plans of the PostgreSQL store.
#include "queue/pg/pg_schema.hpp"

namespace tend::pg {

std::string newer_schema_message(int current, std::string_view program) {
    return "database schema " + std::to_string(current) + " is newer than this " +
           std::string(program) + " understands (" + std::to_string(min_schema) + "\u2013" +
           std::to_string(max_schema) + "); upgrade tend";
}

Result<std::vector<Migration>> migration_plan(int current, std::span<const Migration> all) {
    if (current > max_schema) return make_error(newer_schema_message(current, "tend"));
    if (current < 0) return make_error("invalid schema version " + std::to_string(current));
    std::vector<Migration> plan;
    int expect = current + 1;
    for (const Migration& m : all) {
        if (m.version <= current) continue;
        if (m.version > max_schema) break;
        if (m.version != expect)
            return make_error("migration " + std::to_string(expect) +
                              " is missing from this build");
        plan.push_back(m);
        ++expect;
    }
    if (expect != max_schema + 1 && current < max_schema)
        return make_error("migration " + std::to_string(expect) + " is missing from this build");
    return plan;
}

std::string sql_literal(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

std::string migration_script(const Migration& m, std::string_view applied_by) {
    std::string s = "-- migration " + std::to_string(m.version) + " (" + std::string(m.name) +
                    ")\nBEGIN;\n" + std::string(migrate_lock_sql) + ";\n" + std::string(m.sql);
    if (!s.empty() && s.back() != '\n') s += '\n';
    s += "INSERT INTO tend.migration (version, applied_by) VALUES (" + std::to_string(m.version) +
         ", " + sql_literal(applied_by) + ");\nCOMMIT;\n";
    return s;
}

}  // namespace tend::pg
