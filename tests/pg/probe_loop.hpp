// Helpers of the PostgreSQL test drivers: one sd-event loop run until a condition holds,
// connections to a test server, a statement or a store call awaited, and ok/FAIL lines.
#pragma once

#include <libpq-fe.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "queue/pg/pg_conn.hpp"
#include "queue/pg/pg_job_store.hpp"

namespace probe {

inline sd_event* loop = nullptr;

inline uint64_t clock_us(clockid_t c) {
    timespec ts{};
    clock_gettime(c, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}
inline uint64_t mono_us() {
    return clock_us(CLOCK_MONOTONIC);
}

// The loop's responsiveness, for drivers that arm on_tick as a 10 ms timer: the longest gap
// between two of its firings (the loop must never wait on the database).
inline uint64_t last_tick = 0, max_gap = 0;
inline int on_tick(sd_event_source* s, uint64_t, void*) {
    const uint64_t now = mono_us();
    if (last_tick && now - last_tick > max_gap) max_gap = now - last_tick;
    last_tick = now;
    sd_event_source_set_time_relative(s, 10'000);
    sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
    return 0;
}

[[noreturn]] inline void fail(const std::string& what) {
    if (last_tick)
        std::printf("FAIL: %s (longest loop gap %.1f ms)\n", what.c_str(), max_gap / 1000.0);
    else
        std::printf("FAIL: %s\n", what.c_str());
    std::fflush(stdout);
    std::exit(1);
}

inline void ok(const std::string& what) {
    std::printf("ok: %s\n", what.c_str());
    std::fflush(stdout);
}

inline void check(bool cond, const std::string& what) {
    if (!cond) fail(what);
}

// Runs the loop until `pred` holds; fails after `timeout_ms`.
inline void run_until(const std::function<bool()>& pred, int timeout_ms, const std::string& what) {
    const uint64_t end = mono_us() + static_cast<uint64_t>(timeout_ms) * 1000;
    while (!pred()) {
        if (mono_us() > end) fail("timed out waiting for: " + what);
        if (sd_event_run(loop, 20'000) < 0) fail("sd_event_run failed");
    }
}

// Runs the loop for `ms` whatever happens.
inline void run_for(int ms) {
    const uint64_t end = mono_us() + static_cast<uint64_t>(ms) * 1000;
    while (mono_us() < end) sd_event_run(loop, 20'000);
}

inline std::unique_ptr<tend::pg::PgConn> connect(const std::string& url, const std::string& name) {
    tend::pg::ConnOptions o;
    o.conninfo = url;
    o.defaults.application_name = "tend/probe/1/" + name;
    o.connect_timeout_us = 5'000'000;
    auto c = tend::pg::PgConn::create(loop, o, {}, {});
    if (!c) fail(c.error());
    if (auto st = (*c)->start(); !st) fail(st.error());
    tend::pg::PgConn* raw = c->get();
    run_until([raw] { return raw->up(); }, 10'000, "connection " + name);
    return std::move(*c);
}

// One statement, awaited; fails unless it succeeds.
inline tend::pg::Rows exec(tend::pg::PgConn& c, const std::string& sql,
                           tend::pg::PgConn::Params params = {}) {
    bool done = false;
    tend::pg::StatementResult out;
    c.send(sql, std::move(params), 10'000'000, [&](tend::pg::StatementResult r) {
        out = std::move(r);
        done = true;
    });
    run_until([&] { return done; }, 15'000, sql);
    if (out.outcome != tend::pg::Outcome::ok) fail(sql + ": " + out.message);
    return tend::pg::rows_of(out.rows.get());
}

// The first value of the first row ("<none>" without rows, "<null>" for NULL).
inline std::string value(tend::pg::PgConn& c, const std::string& sql,
                         tend::pg::PgConn::Params params = {}) {
    auto rows = exec(c, sql, std::move(params));
    if (rows.empty() || rows[0].empty()) return "<none>";
    return rows[0][0] ? *rows[0][0] : "<null>";
}

// A store call awaited: await<T>([&](auto cb) { store.claim(..., cb); }).
template <typename T, typename Call>
tend::pg::StoreReply<T> await(Call call) {
    bool done = false;
    tend::pg::StoreReply<T> out;
    call([&](tend::pg::StoreReply<T> r) {
        out = std::move(r);
        done = true;
    });
    run_until([&] { return done; }, 15'000, "a store reply");
    return out;
}

template <typename T>
T must(tend::pg::StoreReply<T> r, const std::string& what) {
    if (!r.ok())
        fail(what + ": " + tend::pg::outcome_name(r.outcome) + " " + r.sqlstate + " " + r.message);
    return std::move(*r.value);
}

}  // namespace probe
