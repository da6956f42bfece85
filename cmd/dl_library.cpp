// Opening a shared library and its functions for one CLI command (dl_library.hpp).
#include "cmd/dl_library.hpp"

#include <dlfcn.h>

#include "cmd/cli_context.hpp"

namespace tend::cli {

DlLibrary::DlLibrary(const char* soname, std::string purpose, std::string hint)
    : soname_(soname), purpose_(std::move(purpose)) {
    handle_ = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
        const char* why = dlerror();
        throw CliError(kExitFailed, purpose_ + ": " + (why ? why : soname), std::move(hint));
    }
}

void* DlLibrary::address(const char* symbol) const {
    void* f = dlsym(handle_, symbol);
    if (!f) {
        const char* why = dlerror();
        throw CliError(kExitFailed, purpose_ + ": " + soname_ + " has no " + symbol +
                                        (why ? std::string(" (") + why + ")" : ""));
    }
    return f;
}

}  // namespace tend::cli
