// Host name lookups with getaddrinfo_a, polled from the loop (see the header).
#include "queue/pg/pg_resolve.hpp"

#include <signal.h>
#include <sys/socket.h>

namespace tend::pg {
namespace {

std::vector<std::unique_ptr<HostLookup>>& orphans() {
    static std::vector<std::unique_ptr<HostLookup>> o;
    return o;
}

}  // namespace

HostLookup::HostLookup(std::vector<std::string> names)
    : names_(std::move(names)), cbs_(names_.size()) {
    hints_.ai_socktype = SOCK_STREAM;
    hints_.ai_family = AF_UNSPEC;
    for (size_t i = 0; i < names_.size(); ++i) {
        cbs_[i] = gaicb{};
        cbs_[i].ar_name = names_[i].c_str();
        cbs_[i].ar_request = &hints_;
        list_.push_back(&cbs_[i]);
    }
}

Result<std::unique_ptr<HostLookup>> HostLookup::start(std::vector<std::string> names) {
    std::unique_ptr<HostLookup> l(new HostLookup(std::move(names)));
    sigevent sev{};
    sev.sigev_notify = SIGEV_NONE;
    const int r =
        getaddrinfo_a(GAI_NOWAIT, l->list_.data(), static_cast<int>(l->list_.size()), &sev);
    if (r != 0)
        return make_error(std::string("cannot start a host name lookup: ") + gai_strerror(r));
    return l;
}

bool HostLookup::done() {
    for (gaicb& cb : cbs_)
        if (gai_error(&cb) == EAI_INPROGRESS) return false;
    return true;
}

std::vector<HostLookup::Answer> HostLookup::answers() {
    std::vector<Answer> out;
    for (size_t i = 0; i < cbs_.size(); ++i) {
        Answer a;
        if (int e = gai_error(&cbs_[i]); e != 0) {
            a.error = names_[i] + ": " + gai_strerror(e);
        } else {
            for (addrinfo* ai = cbs_[i].ar_result; ai; ai = ai->ai_next) {
                char buf[NI_MAXHOST];
                if (getnameinfo(ai->ai_addr, ai->ai_addrlen, buf, sizeof buf, nullptr, 0,
                                NI_NUMERICHOST) == 0)
                    a.addrs.emplace_back(buf);
            }
            if (a.addrs.empty()) a.error = names_[i] + ": no address";
        }
        out.push_back(std::move(a));
    }
    return out;
}

HostLookup::~HostLookup() {
    for (gaicb& cb : cbs_)
        if (cb.ar_result) freeaddrinfo(cb.ar_result);
}

void HostLookup::abandon(std::unique_ptr<HostLookup> l) {
    if (!l) return;
    for (gaicb& cb : l->cbs_) gai_cancel(&cb);
    reap();
    if (!l->done()) orphans().push_back(std::move(l));
}

void HostLookup::reap() {
    std::erase_if(orphans(), [](const std::unique_ptr<HostLookup>& l) { return l->done(); });
}

}  // namespace tend::pg
