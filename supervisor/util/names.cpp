// The name rule shared by programs, queues and cron entries (names.hpp).
#include "supervisor/util/names.hpp"

namespace tend {
namespace {

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

const char* kind_text(NameKind kind) {
    switch (kind) {
        case NameKind::program:
            return "program";
        case NameKind::queue:
            return "queue";
        case NameKind::cron_entry:
            return "cron entry";
    }
    return "";
}

}  // namespace

bool valid_name(std::string_view name, NameKind kind) {
    if (name.empty() || name.size() > 64) return false;
    if (kind != NameKind::cron_entry && (name[0] == '.' || name[0] == '-')) return false;
    for (char c : name)
        if (!name_char(c)) return false;
    return true;
}

std::string invalid_name_message(std::string_view name, NameKind kind) {
    return std::string("invalid ") + kind_text(kind) + " name \"" + std::string(name) +
           "\": use letters, digits, '-', '_' and '.', at most 64";
}

std::optional<std::string> name_error(std::string_view name, NameKind kind) {
    if (valid_name(name, kind)) return std::nullopt;
    return invalid_name_message(name, kind);
}

}  // namespace tend
