// The bounded file reader: open without blocking, check the opened descriptor
// with fstat (not the path, so what is checked is what is read), then read to
// EOF, stopping once past the limit.
#include "upgrade_core/document/file_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "upgrade_core/util/file_errors.h"

namespace upgrade_core::document {
namespace {

using util::FileTypeName;

absl::Status TooBig(absl::string_view path, absl::string_view size,
                    size_t max_bytes) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": file is ", size, " bytes, over the limit of ",
                   max_bytes, " bytes (max_bytes)"));
}

// Reads `fd` to its end, failing once more than `max_bytes` arrive.
absl::StatusOr<std::string> ReadAll(int fd, absl::string_view path,
                                    size_t size_hint, size_t max_bytes) {
  std::string data;
  data.resize(size_hint < max_bytes ? size_hint + 1 : max_bytes + 1);
  size_t used = 0;
  while (true) {
    if (used == data.size()) {
      if (used > max_bytes) break;
      data.resize(std::min(max_bytes + 1, std::max<size_t>(4096, used * 2)));
    }
    const ssize_t n = ::read(fd, data.data() + used, data.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return util::ErrnoStatus(path, "read failed", errno);
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  if (used > max_bytes)
    return TooBig(path, absl::StrCat("more than ", max_bytes), max_bytes);
  data.resize(used);
  return data;
}

// Closes a descriptor on every path out of ReadFileBounded.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { ::close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

}  // namespace

absl::StatusOr<std::string> ReadFileBounded(absl::string_view path,
                                            size_t max_bytes) {
  if (path == "-") return ReadAll(STDIN_FILENO, "<stdin>", 0, max_bytes);
  if (path.empty()) {
    return absl::InvalidArgumentError("empty file name");
  }
  const std::string name(path);
  if (name.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("file name contains a NUL byte");
  }
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  const int fd =
      ::open(name.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == EISDIR) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": is a directory, not a regular file"));
    }
    return util::ErrnoStatus(path, "cannot open", errno);
  }
  FdCloser closer(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0)
    return util::ErrnoStatus(path, "cannot stat", errno);
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is ", FileTypeName(st.st_mode),
                     ", not a regular file; give the path of a file"));
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return TooBig(path, absl::StrCat(st.st_size), max_bytes);
  }
  // Regular files never block; clear the flag so reads behave normally on
  // file systems that honour it.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return ReadAll(fd, path, static_cast<size_t>(st.st_size), max_bytes);
}

}  // namespace upgrade_core::document
