// [daemon]'s queue store keys (queue, host_name, queue_lease, ...): parsing and their rules.
#include "supervisor/config/queue_store_config.hpp"

#include <algorithm>

#include "supervisor/config/config_walker.hpp"

namespace tend {
namespace {

bool has_password(const std::string& s) {
    if (s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0) {
        const size_t start = s.find("://") + 3;
        const size_t end = s.find_first_of("/?", start);
        const size_t at = s.find('@', start);
        if (at != std::string::npos && (end == std::string::npos || at < end) &&
            s.find(':', start) < at)
            return true;
        const size_t q = s.find('?');
        return q != std::string::npos && (s.find("?password=", q) != std::string::npos ||
                                          s.find("&password=", q) != std::string::npos);
    }
    for (size_t p = s.find("password"); p != std::string::npos; p = s.find("password", p + 1)) {
        size_t v = p + 8;
        while (v < s.size() && s[v] == ' ') ++v;
        if ((p == 0 || s[p - 1] == ' ') && v < s.size() && s[v] == '=') return true;
    }
    return false;
}

// A connection string key: "file" or PostgreSQL, never with a password in it (tend.toml is
// often readable by every user; libpq reads ~/.pgpass or passfile= instead).
void conninfo(const KeyInput& in, std::optional<std::string>& out, bool allow_file) {
    const std::string* s = in.w.as_string(in.node, in.key);
    if (!s) return;
    if (allow_file && *s == "file") {
        out = *s;
        return;
    }
    if (!is_pg_conninfo(*s)) {
        in.w.error_at(in.node.source(),
                      "\"" + in.key + "\" must be " + (allow_file ? "\"file\" or " : "") +
                          "a PostgreSQL connection string (postgresql://HOST/DATABASE or "
                          "key=value pairs)");
        return;
    }
    if (has_password(*s)) {
        in.w.error_at(in.node.source(),
                      "\"" + in.key +
                          "\" contains a password: keep it out of tend.toml "
                          "(~/.pgpass, passfile=, peer or certificate authentication)");
        return;
    }
    out = *s;
}

template <auto M>
void duration_key(const KeyInput& in, DaemonConfig& d) {
    if (auto v = in.w.duration(in.node, in.key)) d.store.*M = *v;
}

template <typename E>
void choice(const KeyInput& in, E& out, std::initializer_list<std::pair<const char*, E>> values) {
    const std::string* s = in.w.as_string(in.node, in.key);
    if (!s) return;
    std::string names;
    for (const auto& [name, v] : values) {
        if (*s == name) {
            out = v;
            return;
        }
        names += std::string(names.empty() ? "" : ", ") + "\"" + name + "\"";
    }
    in.w.error_at(in.node.source(), "\"" + in.key + "\" must be one of " + names);
}

void user_name(const KeyInput& in, std::optional<std::string>& out) {
    const std::string* s = in.w.as_string(in.node, in.key);
    if (!s) return;
    if (s->empty() || s->size() > 32 || (*s)[0] == '-' ||
        !std::all_of(s->begin(), s->end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
        }))
        in.w.error_at(in.node.source(), "\"" + in.key + "\" must be a user name");
    else
        out = *s;
}

}  // namespace

bool is_pg_conninfo(const std::string& s) {
    if (s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0) return true;
    return s.find('=') != std::string::npos && s.find('\n') == std::string::npos;
}

const std::vector<KeyRow<DaemonConfig>>& queue_store_keys() {
    static const std::vector<KeyRow<DaemonConfig>> keys = {
        {"queue",
         [](const KeyInput& in, DaemonConfig& d) {
             std::optional<std::string> v;
             conninfo(in, v, true);
             if (v) d.store.queue = *v;
             d.store.queue_pos = in.w.pos_of(in.node);
         }},
        {"host_name",
         [](const KeyInput& in, DaemonConfig& d) {
             const std::string* s = in.w.as_string(in.node, "host_name");
             if (!s) return;
             if (s->empty() || s->size() > 64 || !std::all_of(s->begin(), s->end(), [](char c) {
                     return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                            c == '.';
                 }))
                 in.w.error_at(in.node.source(),
                               "\"host_name\" must be 1 to 64 letters, digits, '-', '_' or '.'");
             else
                 d.store.host_name = *s;
         }},
        {"queue_lease", duration_key<&QueueStoreConfig::lease>},
        {"queue_renew", duration_key<&QueueStoreConfig::renew>},
        {"queue_rescue_grace", duration_key<&QueueStoreConfig::rescue_grace>},
        {"queue_poll", duration_key<&QueueStoreConfig::poll>},
        {"queue_listen",
         [](const KeyInput& in, DaemonConfig& d) {
             choice(in, d.store.listen,
                    {{"auto", QueueListen::automatic},
                     {"on", QueueListen::on},
                     {"off", QueueListen::off}});
         }},
        {"queue_listen_url",
         [](const KeyInput& in, DaemonConfig& d) { conninfo(in, d.store.listen_url, false); }},
        {"queue_pooler",
         [](const KeyInput& in, DaemonConfig& d) {
             choice(in, d.store.pooler,
                    {{"none", QueuePooler::none}, {"transaction", QueuePooler::transaction}});
         }},
        {"queue_migrate",
         [](const KeyInput& in, DaemonConfig& d) {
             choice(in, d.store.migrate,
                    {{"auto", QueueMigrate::automatic}, {"manual", QueueMigrate::manual}});
         }},
        {"queue_submit_url",
         [](const KeyInput& in, DaemonConfig& d) { conninfo(in, d.store.submit_url, false); }},
        {"direct_submit_user",
         [](const KeyInput& in, DaemonConfig& d) { user_name(in, d.store.direct_submit_user); }},
    };
    return keys;
}

std::vector<std::string> queue_store_errors(const QueueStoreConfig& c) {
    using namespace std::chrono_literals;
    std::vector<std::string> out;
    if (c.renew < 100ms) out.push_back("queue_renew must be at least 100ms");
    if (c.renew >= 100ms && 2 * c.renew + 1s > c.lease)
        out.push_back("queue_lease (" + format_duration(c.lease) +
                      ") must be at least 2 \u00d7 "
                      "queue_renew + 1s (" +
                      format_duration(2 * c.renew + 1s) +
                      "): one lost renew must not expire the lease");
    if (c.poll < 10ms || c.poll > 1h) out.push_back("queue_poll must be between 10ms and 1h");
    // Direct submits go into the database of a PostgreSQL queue: with the file store they
    // would reach a database no tendd reads.
    if (!c.postgres() && c.submit_url)
        out.push_back(
            "queue_submit_url needs the PostgreSQL store ([daemon] queue = "
            "\"postgresql://...\"); with the file store a submit while tendd is down goes to "
            "the spool");
    if (!c.postgres() && c.direct_submit_user)
        out.push_back(
            "direct_submit_user needs the PostgreSQL store ([daemon] queue = "
            "\"postgresql://...\"): only its jobs can be submitted directly");
    if (c.pooler == QueuePooler::transaction && c.listen == QueueListen::on && !c.listen_url)
        out.push_back(
            "queue_listen = \"on\" with queue_pooler = \"transaction\" needs "
            "queue_listen_url (a direct connection: LISTEN does not work through a "
            "transaction pooler)");
    return out;
}

}  // namespace tend
