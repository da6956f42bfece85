// The one rule for what may name a program, a queue or a cron entry, and its one message.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tend {

// Names appear in file names, journal fields, job keys ("cron:NAME:TICK"), listings and
// PROGRAM:INSTANCE arguments.
enum class NameKind { program, queue, cron_entry };

// Letters, digits, '-', '_' and '.', at most 64 characters. Program and queue names may not
// start with '.' or '-' (tend.toml(5)); cron entry names always could, and still may.
bool valid_name(std::string_view name, NameKind kind);

// The error for a name valid_name refuses: invalid KIND name "NAME": use letters, ...
std::string invalid_name_message(std::string_view name, NameKind kind);

// nullopt when `name` is valid, else invalid_name_message.
std::optional<std::string> name_error(std::string_view name, NameKind kind);

}  // namespace tend
