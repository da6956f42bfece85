// Reads of the PostgreSQL store (pg_job_views.hpp). Placeholder until the read statements land:
// every read answers `unavailable`.
#include "queue/pg/pg_job_views.hpp"

namespace tend::pg {

struct PgJobViews::State {
    std::vector<jobs::QueueFigures> figures;
};

namespace {
protocol::Outcome not_yet() {
    return protocol::Outcome::error(protocol::Outcome::Kind::failed,
                                    "this read is not implemented on the PostgreSQL store yet");
}
}  // namespace

PgJobViews::PgJobViews(PgViewDeps deps)
    : deps_(std::move(deps)), state_(std::make_shared<State>()) {}
PgJobViews::~PgJobViews() = default;

void PgJobViews::list(const jobs::JobListQuery&, protocol::Respond reply) const {
    reply(not_yet());
}
void PgJobViews::show(jobs::JobId, protocol::Respond reply) const {
    reply(not_yet());
}
void PgJobViews::logs(jobs::JobId, protocol::Respond reply) const {
    reply(not_yet());
}
void PgJobViews::queues(protocol::Respond reply) const {
    reply(not_yet());
}
void PgJobViews::owners(std::vector<jobs::JobId> ids,
                        std::function<void(Owners, std::optional<std::string>)> done) const {
    done(Owners(ids.size()), std::string("not implemented on the PostgreSQL store yet"));
}
void PgJobViews::brief(jobs::JobId, std::function<void(std::optional<jobs::JobBrief>)> done) const {
    done(std::nullopt);
}
std::vector<jobs::QueueFigures> PgJobViews::figures() const {
    return state_->figures;
}
void PgJobViews::refresh_figures() {}

}  // namespace tend::pg
