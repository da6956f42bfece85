// A shared library the CLI opens with dlopen only for the commands that need it (libsystemd for
// `tend logs`, libpq for `tend migrate`, libdate-tz for `tend cron next`): every other command
// starts without loading it. A missing library or function is a CliError naming it.
#pragma once

#include <string>

namespace tend::cli {

class DlLibrary {
  public:
    // Opens `soname` (never closed: what it returns is used until the process exits). `purpose`
    // starts the error ("cannot use PostgreSQL"), `hint` says what to do about it.
    DlLibrary(const char* soname, std::string purpose, std::string hint = {});

    // The function `symbol` as a `Fn` (a function pointer type).
    template <typename Fn>
    Fn function(const char* symbol) const {
        return reinterpret_cast<Fn>(address(symbol));
    }
    template <typename Fn>
    void resolve(Fn& fn, const char* symbol) const {
        fn = function<Fn>(symbol);
    }

  private:
    void* address(const char* symbol) const;

    void* handle_ = nullptr;
    const char* soname_;
    std::string purpose_;
};

}  // namespace tend::cli
