// PgQueue's figures for /metrics (SPEC §10: the PostgreSQL store's lease and claim time, and
// whether LISTEN/NOTIFY works): read from the host lease, the listener and the claim timings.
#include "queue/pg/pg_queue.hpp"

namespace tend::pg {

jobs::JobStore::Figures PgQueue::store_figures() const {
    jobs::JobStore::Figures f;
    f.claim = &claim_seconds_;
    f.lease_live = host_ && host_->may_claim();
    f.lease_remaining_s = host_ ? host_->lease_remaining_s() : 0.0;
    f.fences = host_ ? host_->fences() : 0;
    // Off (queue_listen = "off") or not proved by the self-test: the host polls.
    f.listen_up = listener_ && listener_->up();
    return f;
}

}  // namespace tend::pg
