// Loads the sd-journal functions of `tend logs` from libsystemd.so.0 at first use (see the header).
#include "cmd/journal_api.hpp"

#include <dlfcn.h>

#include "cmd/cli_context.hpp"

namespace tend::cli {
namespace {

constexpr const char* kLibrary = "libsystemd.so.0";

template <typename Fn>
void resolve(void* lib, Fn& fn, const char* name) {
    fn = reinterpret_cast<Fn>(dlsym(lib, name));
    if (!fn) {
        const char* why = dlerror();
        throw CliError(kExitFailed, std::string("cannot read the journal: ") + kLibrary +
                                        " has no " + name +
                                        (why ? std::string(" (") + why + ")" : ""));
    }
}

JournalApi load() {
    // Never closed: the functions are used until the process exits.
    void* lib = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char* why = dlerror();
        throw CliError(kExitFailed,
                       std::string("cannot read the journal: ") + (why ? why : kLibrary),
                       "install libsystemd0, or log to files (log = \"file\")");
    }
    JournalApi api;
    resolve(lib, api.open, "sd_journal_open");
    resolve(lib, api.close, "sd_journal_close");
    resolve(lib, api.add_match, "sd_journal_add_match");
    resolve(lib, api.add_disjunction, "sd_journal_add_disjunction");
    resolve(lib, api.get_data, "sd_journal_get_data");
    resolve(lib, api.get_realtime_usec, "sd_journal_get_realtime_usec");
    resolve(lib, api.seek_head, "sd_journal_seek_head");
    resolve(lib, api.seek_tail, "sd_journal_seek_tail");
    resolve(lib, api.previous_skip, "sd_journal_previous_skip");
    resolve(lib, api.next, "sd_journal_next");
    resolve(lib, api.wait, "sd_journal_wait");
    return api;
}

}  // namespace

const JournalApi& journal_api() {
    static const JournalApi api = load();
    return api;
}

}  // namespace tend::cli
