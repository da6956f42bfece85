// Cron on the PostgreSQL store (pg_cron_store.hpp). Placeholder until the cron statements land:
// no entries are loaded and every write or tick fails with a clear message.
#include "queue/pg/pg_cron_store.hpp"

namespace tend::pg {

struct PgCronStore::State {
    cron::CronBook book;
};

PgCronStore::PgCronStore(PgCronDeps deps)
    : deps_(std::move(deps)), state_(std::make_shared<State>()) {}
PgCronStore::~PgCronStore() = default;

void PgCronStore::load(std::function<void(Status)> done) {
    done(Unit{});
}
cron::CronBook& PgCronStore::book() {
    return state_->book;
}
void PgCronStore::write(jobs::CronRecords, bool, std::function<void(Status)> done) {
    done(make_error("cron entries are not stored on PostgreSQL yet"));
}
void PgCronStore::fire(jobs::CronTick, std::function<void(Result<jobs::CronFired>)> done) {
    done(make_error("cron ticks are not fired on PostgreSQL yet"));
}
std::optional<jobs::JobBrief> PgCronStore::job_brief(jobs::JobId) const {
    return std::nullopt;
}

}  // namespace tend::pg
