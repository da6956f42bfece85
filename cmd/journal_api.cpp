// Loads the sd-journal functions of `tend logs` from libsystemd.so.0 at first use (see the header).
#include "cmd/journal_api.hpp"

#include "cmd/dl_library.hpp"

namespace tend::cli {
namespace {

JournalApi load() {
    static const DlLibrary lib("libsystemd.so.0", "cannot read the journal",
                               "install libsystemd0, or log to files (log = \"file\")");
    JournalApi api;
    lib.resolve(api.open, "sd_journal_open");
    lib.resolve(api.close, "sd_journal_close");
    lib.resolve(api.add_match, "sd_journal_add_match");
    lib.resolve(api.add_disjunction, "sd_journal_add_disjunction");
    lib.resolve(api.get_data, "sd_journal_get_data");
    lib.resolve(api.get_realtime_usec, "sd_journal_get_realtime_usec");
    lib.resolve(api.seek_head, "sd_journal_seek_head");
    lib.resolve(api.seek_tail, "sd_journal_seek_tail");
    lib.resolve(api.previous_skip, "sd_journal_previous_skip");
    lib.resolve(api.next, "sd_journal_next");
    lib.resolve(api.wait, "sd_journal_wait");
    return api;
}

}  // namespace

const JournalApi& journal_api() {
    static const JournalApi api = load();
    return api;
}

}  // namespace tend::cli
