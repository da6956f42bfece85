// The pure parts of a PostgreSQL connection: parameters, host plans, redaction, backoff.
#include "queue/pg/pg_model.hpp"

#include <arpa/inet.h>
#include <algorithm>
#include <cctype>

#include "supervisor/util/backoff.hpp"

namespace tend::pg {

namespace {

const std::string* find(const std::vector<Param>& ps, const std::string& key) {
    for (const Param& p : ps)
        if (p.first == key) return &p.second;
    return nullptr;
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        out += v[i];
    }
    return out;
}

}  // namespace

std::vector<Param> connect_params(const std::vector<Param>& given, const ConnDefaults& d) {
    std::vector<Param> out;
    for (const Param& p : given)
        if (p.first != "application_name") out.push_back(p);
    auto add_default = [&](const char* key, std::string value) {
        if (!find(given, key)) out.emplace_back(key, std::move(value));
    };
    out.emplace_back("application_name", d.application_name);
    add_default("gssencmode", "disable");
    add_default("keepalives", "1");
    add_default("keepalives_idle", std::to_string(d.keepalives_idle_s));
    add_default("keepalives_interval", std::to_string(d.keepalives_interval_s));
    add_default("keepalives_count", std::to_string(d.keepalives_count));
    add_default("tcp_user_timeout", std::to_string(d.tcp_user_timeout_ms));
    return out;
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    if (s.empty()) return out;
    size_t start = 0;
    while (true) {
        size_t comma = s.find(',', start);
        out.push_back(
            s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

bool needs_lookup(const std::string& host) {
    if (host.empty() || host[0] == '/' || host[0] == '@') return false;
    unsigned char buf[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, host.c_str(), buf) == 1) return false;
    if (inet_pton(AF_INET6, host.c_str(), buf) == 1) return false;
    return true;
}

std::optional<HostPlan> plan_hosts(const std::vector<ResolvedHost>& hosts) {
    std::vector<std::string> host, addr, port;
    bool any_port = false;
    for (const ResolvedHost& h : hosts) {
        if (!h.port.empty()) any_port = true;
        if (!needs_lookup(h.host)) {
            host.push_back(h.host);
            addr.emplace_back();
            port.push_back(h.port);
            continue;
        }
        for (const std::string& a : h.addrs) {
            host.push_back(h.host);
            addr.push_back(a);
            port.push_back(h.port);
        }
    }
    if (host.empty()) return std::nullopt;
    HostPlan plan{join(host), join(addr), any_port ? join(port) : std::string()};
    // libpq reads "hostaddr=," as two empty entries; all empty means "no hostaddr at all".
    if (std::all_of(addr.begin(), addr.end(), [](const std::string& a) { return a.empty(); }))
        plan.hostaddr.clear();
    return plan;
}

std::vector<ResolvedHost> resolved_hosts(const std::vector<Param>& given,
                                         const std::vector<std::vector<std::string>>& addrs) {
    std::string host, port;
    for (const Param& p : given) {
        if (p.first == "host") host = p.second;
        if (p.first == "port") port = p.second;
    }
    const std::vector<std::string> hosts = split_list(host), ports = split_list(port);
    std::vector<ResolvedHost> out;
    size_t next = 0;
    for (size_t i = 0; i < hosts.size(); ++i) {
        ResolvedHost r{hosts[i], ports.size() > 1 && i < ports.size() ? ports[i] : "", {}};
        if (needs_lookup(hosts[i]) && next < addrs.size()) r.addrs = addrs[next++];
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<Param> with_plan(const std::vector<Param>& given, const HostPlan& plan) {
    std::vector<Param> params;
    for (const Param& p : given)
        if (p.first != "host" && p.first != "hostaddr" && (p.first != "port" || plan.port.empty()))
            params.push_back(p);
    params.emplace_back("host", plan.host);
    if (!plan.hostaddr.empty()) params.emplace_back("hostaddr", plan.hostaddr);
    if (!plan.port.empty()) params.emplace_back("port", plan.port);
    return params;
}

std::string redact(const std::string& s) {
    std::string out = s;
    const bool url = s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0;
    if (url) {
        const size_t start = s.find("://") + 3;
        const size_t at = s.find('@', start);
        const size_t slash = s.find_first_of("/?", start);
        if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
            const size_t colon = s.find(':', start);
            if (colon != std::string::npos && colon < at)
                out = s.substr(0, colon + 1) + "***" + s.substr(at);
        }
        // ?password=...&...
        for (size_t p = out.find("password="); p != std::string::npos;
             p = out.find("password=", p + 1)) {
            if (p == 0 || (out[p - 1] != '?' && out[p - 1] != '&')) continue;
            const size_t v = p + 9;
            const size_t end = out.find('&', v);
            out.replace(v, (end == std::string::npos ? out.size() : end) - v, "***");
        }
        return out;
    }
    // key=value form: password = 'quoted value' or bare value.
    for (size_t p = out.find("password"); p != std::string::npos; p = out.find("password", p + 1)) {
        if (p > 0 && !std::isspace(static_cast<unsigned char>(out[p - 1]))) continue;
        size_t v = p + 8;
        while (v < out.size() && std::isspace(static_cast<unsigned char>(out[v]))) ++v;
        if (v >= out.size() || out[v] != '=') continue;
        ++v;
        while (v < out.size() && std::isspace(static_cast<unsigned char>(out[v]))) ++v;
        size_t end = v;
        if (end < out.size() && out[end] == '\'') {
            ++end;
            while (end < out.size() && out[end] != '\'') end += out[end] == '\\' ? 2 : 1;
            end = std::min(end + 1, out.size());
        } else {
            while (end < out.size() && !std::isspace(static_cast<unsigned char>(out[end]))) ++end;
        }
        out.replace(v, end - v, "***");
    }
    return out;
}

std::string one_line(std::string_view message) {
    std::string out;
    for (char c : message) {
        if (c == '\n' || c == '\t') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += c;
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

uint64_t Backoff::next(double unit) {
    ++failures_;
    const Usec d =
        backoff_delay(Usec(static_cast<int64_t>(min_us_)), Usec(static_cast<int64_t>(max_us_)),
                      failures_, unit, kRetryJitter);
    return std::max<uint64_t>(1, static_cast<uint64_t>(d.count()));
}

const char* outcome_name(Outcome o) {
    switch (o) {
        case Outcome::ok:
            return "ok";
        case Outcome::error:
            return "error";
        case Outcome::ambiguous:
            return "ambiguous";
        case Outcome::not_sent:
            return "not sent";
    }
    return "?";
}

}  // namespace tend::pg
