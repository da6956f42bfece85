// Small helpers on the typed configuration.
#include "supervisor/config/config.hpp"

namespace tend {

const ProgramConfig* Config::find_program(const std::string& name) const {
    for (const auto& p : programs)
        if (p.name == name) return &p;
    return nullptr;
}

std::string expand_instance(const std::string& text, int instance) {
    static const std::string token = "{instance}";
    std::string out;
    size_t pos = 0;
    while (true) {
        size_t hit = text.find(token, pos);
        if (hit == std::string::npos) break;
        out.append(text, pos, hit - pos);
        out += std::to_string(instance);
        pos = hit + token.size();
    }
    out.append(text, pos, std::string::npos);
    return out;
}

}  // namespace tend
