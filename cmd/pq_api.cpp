// Loads the libpq functions of `tend migrate` and direct submits from libpq.so.5 at first use (see
// the header).
#include "cmd/pq_api.hpp"

#include "cmd/dl_library.hpp"

namespace tend::cli {
namespace {

PqApi load() {
    static const DlLibrary lib("libpq.so.5", "cannot use PostgreSQL", "install libpq5");
    PqApi api;
    lib.resolve(api.connectdb_params, "PQconnectdbParams");
    lib.resolve(api.status, "PQstatus");
    lib.resolve(api.error_message, "PQerrorMessage");
    lib.resolve(api.finish, "PQfinish");
    lib.resolve(api.exec, "PQexec");
    lib.resolve(api.exec_params, "PQexecParams");
    lib.resolve(api.result_status, "PQresultStatus");
    lib.resolve(api.result_error_message, "PQresultErrorMessage");
    lib.resolve(api.result_error_field, "PQresultErrorField");
    lib.resolve(api.nfields, "PQnfields");
    lib.resolve(api.getisnull, "PQgetisnull");
    lib.resolve(api.ntuples, "PQntuples");
    lib.resolve(api.getvalue, "PQgetvalue");
    lib.resolve(api.clear, "PQclear");
    return api;
}

}  // namespace

const PqApi& pq_api() {
    static const PqApi api = load();
    return api;
}

}  // namespace tend::cli
