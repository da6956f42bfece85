// The tz database library (libdate-tz), loaded by `tend` with dlopen only for `tend cron next`
// (the header says why). Only `tend` links this; tendd and the unit tests link libdate-tz.
#include "cmd/tz_library.hpp"

#include <date/tz.h>
#include <string>

#include "cmd/dl_library.hpp"

namespace tend::cli {
namespace {

const DlLibrary& library() {
    static const DlLibrary lib("libdate-tz.so.3", "cannot use the time zone library");
    return lib;
}

// A function of the library by its (Itanium C++ ABI) symbol name.
template <typename Fn>
Fn function(const char* symbol) {
    return library().function<Fn>(symbol);
}

}  // namespace

void load_tz_library() {
    library();
}

}  // namespace tend::cli

// The definitions cron_schedule links against, forwarding to the library. A member function
// is called as a function whose first argument is `this` (Itanium C++ ABI).
namespace date {

const time_zone* current_zone() {
    using Fn = const time_zone* (*)();
    static const Fn f = tend::cli::function<Fn>("_ZN4date12current_zoneEv");
    return f();
}

const time_zone* locate_zone(std::string_view name) {
    using Fn = const time_zone* (*)(std::string_view);
    static const Fn f =
        tend::cli::function<Fn>("_ZN4date11locate_zoneESt17basic_string_viewIcSt11char_traitsIcEE");
    return f(name);
}

sys_info time_zone::get_info_impl(sys_seconds tp) const {
    using Fn = sys_info (*)(const time_zone*, sys_seconds);
    static const Fn f = tend::cli::function<Fn>(
        "_ZNK4date9time_zone13get_info_implENSt6chrono10time_pointINS1_3_V212system_clockENS1_"
        "8durationIlSt5ratioILl1ELl1EEEEEE");
    return f(this, tp);
}

local_info time_zone::get_info_impl(local_seconds tp) const {
    using Fn = local_info (*)(const time_zone*, local_seconds);
    static const Fn f = tend::cli::function<Fn>(
        "_ZNK4date9time_zone13get_info_implENSt6chrono10time_pointINS_7local_tENS1_8durationIlSt5"
        "ratioILl1ELl1EEEEEE");
    return f(this, tp);
}

}  // namespace date
