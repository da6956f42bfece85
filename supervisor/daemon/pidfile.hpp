// Pidfiles of instances: written atomically (temp file + rename), removed on exit.
#pragma once

#include <string>

#include "supervisor/util/result.hpp"

namespace tend {

Status write_pidfile(const std::string& path, int pid);
// Removes the file only if it still names `pid`, so a newer instance's file survives.
void remove_pidfile(const std::string& path, int pid);

}  // namespace tend
