// CLI11 checks of option values that several commands share (durations, job ids).
#include "cmd/cli_checks.hpp"

#include "supervisor/util/duration.hpp"

namespace tend::cli {

CLI::Validator duration_validator() {
    return CLI::Validator(
        [](std::string& text) {
            auto d = tend::parse_duration(text);
            return d ? std::string() : d.error();
        },
        "");  // the option's type name says DURATION
}

CLI::Validator job_id_validator() {
    return CLI::Validator(
        [](std::string& id) {
            const bool digits = !id.empty() && id.find_first_not_of("0123456789") == id.npos;
            return digits && id.find_first_not_of('0') != id.npos && id.size() < 20
                       ? std::string()
                       : "expected a job id (a positive number), not \"" + id + "\"";
        },
        "");
}

}  // namespace tend::cli
