// The keys of [program.NAME]: one table that parsing, `tend check`, reload classification, a
// reload's live update and the man page check all read. A new key is a row here, its field
// in ProgramConfig and its entry in tend.toml(5).
#pragma once

#include <vector>

#include "supervisor/config/config.hpp"
#include "supervisor/config/section_keys.hpp"

namespace tend {

// What a reload does when a key's value changes (SPEC §5.6, tend.toml(5) RELOAD).
enum class KeyReload {
    roll,   // it changes what runs: a rolling restart to a new generation
    live,   // a policy: the running instances take it, nothing restarts
    scale,  // `instances`: only the extra instances start or stop
};

struct ProgramKey {
    const char* name;  // as in tend.toml
    void (*parse)(const KeyInput& in, ProgramConfig& out);
    KeyReload reload;
    // How a reload plan names a change: the key's own name, or its group ("restart" for
    // every key of the restart policy).
    const char* plan_name;
    bool (*same)(const ProgramConfig& a, const ProgramConfig& b);
    // Live and scale keys: the running config takes the new value.
    void (*take)(ProgramConfig& running, const ProgramConfig& fresh);
};

// In the order a reload plan lists changed keys.
const std::vector<ProgramKey>& program_keys();

}  // namespace tend
