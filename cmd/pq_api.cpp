// Loads the libpq functions of `tend migrate` from libpq.so.5 at first use (see the header).
#include "cmd/pq_api.hpp"

#include <dlfcn.h>

#include "cmd/cli_context.hpp"

namespace tend::cli {
namespace {

constexpr const char* kPqLibrary = "libpq.so.5";

template <typename Fn>
void resolve(void* lib, Fn& fn, const char* name) {
    fn = reinterpret_cast<Fn>(dlsym(lib, name));
    if (!fn) {
        const char* why = dlerror();
        throw CliError(kExitFailed, std::string("cannot use PostgreSQL: ") + kPqLibrary +
                                        " has no " + name +
                                        (why ? std::string(" (") + why + ")" : ""));
    }
}

PqApi load() {
    // Never closed: the functions are used until the process exits.
    void* lib = dlopen(kPqLibrary, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char* why = dlerror();
        throw CliError(kExitFailed,
                       std::string("cannot use PostgreSQL: ") + (why ? why : kPqLibrary),
                       "install libpq5");
    }
    PqApi api;
    resolve(lib, api.connectdb_params, "PQconnectdbParams");
    resolve(lib, api.status, "PQstatus");
    resolve(lib, api.error_message, "PQerrorMessage");
    resolve(lib, api.finish, "PQfinish");
    resolve(lib, api.exec, "PQexec");
    resolve(lib, api.exec_params, "PQexecParams");
    resolve(lib, api.result_status, "PQresultStatus");
    resolve(lib, api.result_error_message, "PQresultErrorMessage");
    resolve(lib, api.ntuples, "PQntuples");
    resolve(lib, api.getvalue, "PQgetvalue");
    resolve(lib, api.clear, "PQclear");
    return api;
}

}  // namespace

const PqApi& pq_api() {
    static const PqApi api = load();
    return api;
}

}  // namespace tend::cli
