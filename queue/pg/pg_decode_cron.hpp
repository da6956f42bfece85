// Cron on the PostgreSQL store, the pure part: an entry's definition as the jsonb of
// tend.cron.def, the rows of the cron statements (pg_statements_cron.hpp) decoded, the book
// rebuilt from tend.cron, the parameters of tend.cron_write, what changed between two reads of
// the entries, and which failures are worth a retry. Total like pg_decode.hpp: a damaged or
// hostile row is an error naming what is wrong, never an exception or a crash.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "queue/core/queue_figures.hpp"
#include "queue/cron/cron_book.hpp"
#include "queue/pg/pg_decode.hpp"
#include "queue/pg/pg_model.hpp"
#include "queue/store/job_store.hpp"
#include "supervisor/util/result.hpp"

namespace tend::pg {

// A `tend cron add` entry as the JSON object stored in tend.cron.def (its name is the row's
// key, repeated for people reading the table). Invalid UTF-8 in a string is replaced, not
// thrown on (argv and env come from users).
std::string cron_def_json(const cron::CronDef& def);
// The inverse, for the row `name`: every field is checked for its type and range; unknown
// fields are ignored (a newer tend may add some), missing ones take CronDef's defaults except
// schedule, argv and cwd, which must be there.
Result<cron::CronDef> parse_cron_def_json(const std::string& name, std::string_view text);

// One row of cron_load_sql.
struct CronRow {
    std::string name;
    std::string source;                  // "cli" (tend cron add) or "config"
    std::optional<std::string> def;      // the def's text, for "cli" rows
    std::optional<int64_t> last_tick_s;  // nullopt: never fired, skipped or dropped
    std::optional<int64_t> last_job;
};
Result<std::vector<CronRow>> decode_cron_rows(const Rows& rows);

// The book the cron service starts from, as the file store's recovery builds it: a "cli" row
// gives a definition (CronDefRecord), a row with a last tick or job gives a state
// (CronStateRecord). A definition that cannot be decoded is left out with a warning naming the
// entry: one damaged row does not keep the others from firing.
struct LoadedBook {
    cron::CronBook book;
    std::vector<std::string> warnings;
};
LoadedBook book_of(const std::vector<CronRow>& rows);

// tend.cron_write's $1 (defs: [{"name", "def": object | null}]) and $2 (states), in the
// records' order.
struct CronWriteParams {
    std::string defs, states;
};
CronWriteParams cron_write_params(const jobs::CronRecords& records);

// The answer of cron_fire_sql (see tend.cron_fire in migrations/0001_schema.sql).
enum class FireOutcome { fired, taken, early, full, no_queue, duplicate, skipped };
struct FireRow {
    FireOutcome outcome = FireOutcome::taken;
    std::optional<int64_t> job;           // fired, duplicate
    std::optional<jobs::JobState> state;  // fired: the new job's state
};
Result<FireRow> decode_fire(const Rows& rows);

// cron_briefs_sql: (id, state, exit_code, exit_signal) per job.
Result<std::vector<std::pair<int64_t, jobs::JobBrief>>> decode_briefs(const Rows& rows);

// What another host's `tend cron add` / `tend cron remove` changed between two reads of the
// entries (refresh_book): names, sorted.
struct CronDefsDiff {
    std::vector<std::string> added, changed, removed;
    bool empty() const { return added.empty() && changed.empty() && removed.empty(); }
};
CronDefsDiff diff_cli_defs(const std::map<std::string, cron::CronDef>& before,
                           const std::map<std::string, cron::CronDef>& after);

// Whether a cron statement that ended so is worth sending again: no connection, an ambiguous
// send (every cron statement is idempotent: fire by its predicate and token, write by its
// GREATEST and upserts), a deadlock or a serialization failure.
bool cron_retryable(Outcome outcome, std::string_view sqlstate);

}  // namespace tend::pg
