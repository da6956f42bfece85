// Small file-system helpers shared by the job log and the spool.
#include "queue/store/file_ops.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "supervisor/util/unique_fd.hpp"

namespace tend::jobs {

Error sys_error(const std::string& what, const std::string& path, int err) {
    return make_error(what + " " + path + ": " + std::strerror(err));
}

Status fsync_dir(const std::string& dir) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return sys_error("cannot open directory", dir, errno);
    if (::fsync(fd.get()) != 0) return sys_error("cannot fsync directory", dir, errno);
    return ok_status();
}

}  // namespace tend::jobs
