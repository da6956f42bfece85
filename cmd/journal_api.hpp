// The few sd-journal functions `tend logs` needs, loaded from libsystemd.so.0 on first use.
//
// Why not link libsystemd: every `tend` command would pay for loading it and its five
// dependencies (about 1.5 ms per process here), while only `tend logs` of a program that
// logs to journald ever reads the journal. `tend submit` must cost little more than an exec.
#pragma once

#include <systemd/sd-journal.h>

#include <string>

namespace tend::cli {

struct JournalApi {
    decltype(&sd_journal_open) open = nullptr;
    decltype(&sd_journal_close) close = nullptr;
    decltype(&sd_journal_add_match) add_match = nullptr;
    decltype(&sd_journal_add_disjunction) add_disjunction = nullptr;
    decltype(&sd_journal_get_data) get_data = nullptr;
    decltype(&sd_journal_get_realtime_usec) get_realtime_usec = nullptr;
    decltype(&sd_journal_seek_head) seek_head = nullptr;
    decltype(&sd_journal_seek_tail) seek_tail = nullptr;
    decltype(&sd_journal_previous_skip) previous_skip = nullptr;
    decltype(&sd_journal_next) next = nullptr;
    decltype(&sd_journal_wait) wait = nullptr;
};

// Loads libsystemd.so.0 once. Throws CliError (exit 1) naming the library and dlerror()
// when it or one of the functions is missing.
const JournalApi& journal_api();

}  // namespace tend::cli
