// Wake-ups by LISTEN/NOTIFY (design postgres.md §6): LISTEN on one connection (the control
// connection, or a direct one from queue_listen_url), NOTIFY after the data commit as its own
// statement on the work connection (debounced per channel and payload, trailing edge), and the
// self-test that proves notifications arrive (at connect and every 5 minutes). Polling stays
// the fallback: nothing here is needed for jobs to flow, only for them to flow at once.
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "queue/pg/pg_conn.hpp"
#include "queue/pg/pg_model_listen.hpp"
#include "supervisor/config/config.hpp"
#include "supervisor/daemon/event_source.hpp"

namespace tend::pg {

struct ListenOptions {
    sd_event* loop = nullptr;
    PgConn* listen = nullptr;  // LISTENs here (null: queue_listen = "off")
    PgConn* work = nullptr;    // NOTIFYs here, after the data commits on it
    QueueListen mode = QueueListen::automatic;
    bool dedicated = false;  // `listen` is queue_listen_url's own connection (heartbeat it)
    bool pooled = false;     // queue_pooler = "transaction" (the likely cause of a failure)
    std::function<std::int64_t()> host_id;  // this host's lease id (0: none yet)
    // A queue may have a new pending job or a freed slot.
    std::function<void(const std::string& queue)> on_jobs;
    // A job running on this host was cancelled elsewhere.
    std::function<void(std::int64_t job)> on_cancel;
    // LISTEN is (again) in place: notifications sent meanwhile were lost, claim everything.
    std::function<void()> on_listening;
    std::function<void(const std::string&)> info, warn, error;
};

class PgListener {
  public:
    static Result<std::unique_ptr<PgListener>> create(ListenOptions options);
    ~PgListener();
    PgListener(const PgListener&) = delete;
    PgListener& operator=(const PgListener&) = delete;

    // Forwarded from the listening connection's callbacks.
    void on_state(bool up, const std::string& why);
    void on_notify(const std::string& channel, const std::string& payload, int sender);

    // Tell the other hosts (and this one): sent now, or at the end of its debounce window.
    void notify_jobs(const std::string& queue);
    void notify_cancel(std::int64_t host_id, std::int64_t job_id);

    // The last self-test proved that notifications arrive (tend_pg_listen_up).
    bool up() const { return up_; }

  private:
    explicit PgListener(ListenOptions options);
    std::uint64_t now_us() const;
    void subscribe();
    void selftest();
    void selftest_failed(const std::string& why);
    void send_notify(const NotifyDebounce::Key& key);
    void request(NotifyDebounce::Key key);
    void arm(sd_event_source* s, std::uint64_t at_us, const char* what);
    static int on_debounce(sd_event_source*, uint64_t, void* self);
    static int on_selftest_timeout(sd_event_source*, uint64_t, void* self);
    static int on_periodic(sd_event_source*, uint64_t, void* self);

    ListenOptions opt_;
    NotifyDebounce debounce_;
    EventSource debounce_timer_, selftest_timer_, periodic_timer_;
    bool listening_ = false;  // every LISTEN answered ok on the current connection
    bool up_ = false;
    bool reported_ = false;  // the current state was logged (warn once per change)
    bool testing_ = false;   // a self-test notification is on its way
    std::uint64_t nonce_ = 0;
    std::int64_t test_host_ = 0;  // the host id the self-test was sent with
    std::uint64_t test_sent_us_ = 0, last_test_us_ = 0;
    unsigned subscribe_generation_ = 0;  // answers of an older connection are dropped
    std::shared_ptr<PgListener*> self_;
};

}  // namespace tend::pg
