// CLI11 checks of option values that several commands share (durations, job ids).
#pragma once

#include <CLI/CLI.hpp>

namespace tend::cli {

// Checks that an option's value is a duration ("30s", "1h30m").
CLI::Validator duration_validator();
// Checks that an option's value is a job id (a positive integer).
CLI::Validator job_id_validator();

}  // namespace tend::cli
