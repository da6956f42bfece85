// The few libpq functions `tend migrate` and a direct `tend submit` need, loaded from libpq.so.5 on
// first use.
//
// Why not link libpq: every `tend` command would pay for loading it and its dependencies
// (libssl, libcrypto, GSSAPI, LDAP) at start, while only `tend migrate` and a submit while tendd is
// down talk to PostgreSQL; `tend submit` must cost little more than an exec (journal_api.hpp does
// the same for libsystemd). The CLI is not on tendd's loop: blocking libpq calls are fine here.
#pragma once

#include <libpq-fe.h>

namespace tend::cli {

struct PqApi {
    decltype(&PQconnectdbParams) connectdb_params = nullptr;
    decltype(&PQstatus) status = nullptr;
    decltype(&PQerrorMessage) error_message = nullptr;
    decltype(&PQfinish) finish = nullptr;
    decltype(&PQexec) exec = nullptr;
    decltype(&PQexecParams) exec_params = nullptr;
    decltype(&PQresultStatus) result_status = nullptr;
    decltype(&PQresultErrorMessage) result_error_message = nullptr;
    decltype(&PQresultErrorField) result_error_field = nullptr;  // SQLSTATE of a refusal
    decltype(&PQnfields) nfields = nullptr;
    decltype(&PQgetisnull) getisnull = nullptr;
    decltype(&PQntuples) ntuples = nullptr;
    decltype(&PQgetvalue) getvalue = nullptr;
    decltype(&PQclear) clear = nullptr;
};

// Loads libpq.so.5 once. Throws CliError (exit 1) naming the library and dlerror() when it or
// one of the functions is missing.
const PqApi& pq_api();

}  // namespace tend::cli
