// The file store: POSIX descriptors, flock, fdatasync. Every descriptor is
// opened O_NONBLOCK and checked with fstat before it is used, so what is
// checked is what is read, and a FIFO at the path cannot hang the caller.
#include "upgrade_core/exec/file_journal_store.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/util/file_errors.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::exec {
namespace {

using util::FileTypeName;

// Closes a descriptor unless released.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

absl::Status CheckPath(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty journal path");
  if (path.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("journal path contains a NUL byte");
  }
  return absl::OkStatus();
}

// open(2) with O_NONBLOCK | O_CLOEXEC | O_NOCTTY, retried on EINTR.
int OpenRaw(const std::string& path, int flags) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0644);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

absl::Status OpenError(const std::string& path, int error) {
  if (error == EISDIR) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": is a directory, not a regular file; give the path of a "
                     "journal file"));
  }
  return util::ErrnoStatus(path, "cannot open", error);
}

// fstat's the descriptor: a regular file, or InvalidArgument naming what it
// is. Then clears O_NONBLOCK (regular files never block; some file systems
// honour the flag anyway). Returns the file's size.
absl::StatusOr<uint64_t> CheckRegular(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0)
    return util::ErrnoStatus(path, "cannot stat", errno);
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is ", FileTypeName(st.st_mode),
                     ", not a regular file; give the path of a journal file"));
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return static_cast<uint64_t>(st.st_size);
}

absl::Status TooBig(const std::string& path, absl::string_view size,
                    uint64_t max_bytes) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": journal is ", size, " bytes, over the limit of ",
                   max_bytes, " bytes (max_journal_bytes)"));
}

// Reads `fd` from offset 0 to its end, failing once more than `max_bytes`
// arrive (the size may change between fstat and read; /proc lies about it).
absl::StatusOr<std::string> ReadFd(int fd, const std::string& path,
                                   uint64_t size_hint, uint64_t max_bytes) {
  if (size_hint > max_bytes)
    return TooBig(path, absl::StrCat(size_hint), max_bytes);
  std::string data;
  data.resize(static_cast<size_t>(size_hint) + 1);
  uint64_t used = 0;
  while (true) {
    if (used == data.size()) {
      if (used > max_bytes) break;
      data.resize(static_cast<size_t>(std::min<uint64_t>(
          max_bytes + 1, std::max<uint64_t>(4096, used * 2))));
    }
    const ssize_t n = ::pread(fd, data.data() + used, data.size() - used,
                              static_cast<off_t>(used));
    if (n < 0) {
      if (errno == EINTR) continue;
      return util::ErrnoStatus(path, "read failed", errno);
    }
    if (n == 0) break;
    used += static_cast<uint64_t>(n);
  }
  if (used > max_bytes) {
    return TooBig(path, absl::StrCat("more than ", max_bytes), max_bytes);
  }
  data.resize(static_cast<size_t>(used));
  return data;
}

// pwrite(2) of all of `bytes` at `offset`; errno on failure.
int WriteAllAt(int fd, absl::string_view bytes, uint64_t offset) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done,
                               static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;
    done += static_cast<size_t>(n);
  }
  return 0;
}

// fsync of the directory holding `path`, so a name created in it survives a
// crash (a file's own fsync does not cover its directory entry).
absl::Status SyncParentDirectory(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const int fd = OpenRaw(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0)
    return util::ErrnoStatus(dir, "cannot open directory to sync", errno);
  Fd closer(fd);
  if (::fsync(fd) != 0)
    return util::ErrnoStatus(dir, "directory fsync failed", errno);
  return absl::OkStatus();
}

// Refuses a path that exists but is not a journal, before anything is
// created next to it: not a regular file, or content not starting with
// (a prefix of) the magic.
absl::Status CheckExisting(const std::string& path, absl::string_view magic) {
  const int fd = OpenRaw(path, O_RDONLY);
  if (fd < 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return OpenError(path, errno);
  }
  Fd closer(fd);
  UC_RETURN_IF_ERROR(CheckRegular(fd, path).status());
  std::string head(magic.size(), '\0');
  ssize_t n;
  do {
    n = ::pread(fd, head.data(), head.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return util::ErrnoStatus(path, "read failed", errno);
  head.resize(static_cast<size_t>(n));
  if (head != magic.substr(0, head.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a journal (the file does not start with \"",
                     magic, "\"); it was left unchanged"));
  }
  return absl::OkStatus();
}

// Takes the exclusive lock on PATH.lock and records our pid in it.
absl::StatusOr<int> Lock(const std::string& path) {
  const std::string lock_path = path + ".lock";
  const int fd = OpenRaw(lock_path, O_RDWR | O_CREAT);
  if (fd < 0) return OpenError(lock_path, errno);
  Fd lock(fd);
  UC_RETURN_IF_ERROR(CheckRegular(fd, lock_path).status());
  int rc;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno != EWOULDBLOCK) {
      return util::ErrnoStatus(lock_path, "cannot lock", errno);
    }
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    int pid = 0;
    if (n > 0 && absl::SimpleAtoi(absl::StripAsciiWhitespace(absl::string_view(
                                      buf, static_cast<size_t>(n))),
                                  &pid)) {
      return absl::FailedPreconditionError(
          absl::StrCat("journal ", path, " is locked by pid ", pid,
                       " (another orchestrator is running on it)"));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "journal ", path,
        " is locked by another process (another orchestrator is running on "
        "it; its pid is not yet written in ",
        lock_path, ")"));
  }
  const std::string pid = absl::StrCat(::getpid(), "\n");
  if (::ftruncate(fd, 0) != 0) {
    return util::ErrnoStatus(lock_path, "cannot write the pid", errno);
  }
  // WriteAllAt returns its error (errno may be stale: a 0-byte write is EIO).
  if (const int error = WriteAllAt(fd, pid, 0); error != 0) {
    return util::ErrnoStatus(lock_path, "cannot write the pid", error);
  }
  return lock.release();
}

}  // namespace

FileJournalStore::FileJournalStore(std::string path, int fd, int lock_fd,
                                   uint64_t size, bool created)
    : path_(std::move(path)),
      fd_(fd),
      lock_fd_(lock_fd),
      size_(size),
      created_(created) {}

FileJournalStore::~FileJournalStore() {
  ::close(fd_);
  // Clear the pid before letting go, so the next opener never reads a pid
  // that no longer holds the lock (after a crash the pid stays until the
  // next holder overwrites it).
  (void)!::ftruncate(lock_fd_, 0);
  ::close(lock_fd_);  // releases the flock
}

absl::StatusOr<std::unique_ptr<FileJournalStore>> FileJournalStore::Open(
    const std::string& path, absl::string_view magic) {
  UC_RETURN_IF_ERROR(CheckPath(path));
  UC_RETURN_IF_ERROR(CheckExisting(path, magic));
  UC_ASSIGN_OR_RETURN(const int lock_fd, Lock(path));
  Fd lock(lock_fd);
  bool created = true;
  int fd = OpenRaw(path, O_RDWR | O_CREAT | O_EXCL);
  if (fd < 0 && errno == EEXIST) {
    created = false;
    fd = OpenRaw(path, O_RDWR);
  }
  if (fd < 0) return OpenError(path, errno);
  Fd file(fd);
  UC_ASSIGN_OR_RETURN(const uint64_t size, CheckRegular(fd, path));
  if (created) UC_RETURN_IF_ERROR(SyncParentDirectory(path));
  return std::unique_ptr<FileJournalStore>(new FileJournalStore(
      path, file.release(), lock.release(), size, created));
}

absl::Status FileJournalStore::CheckUsable() const { return broken_; }

absl::StatusOr<std::string> FileJournalStore::ReadAll(uint64_t max_bytes) {
  UC_RETURN_IF_ERROR(CheckUsable());
  return ReadFd(fd_, path_, size_, max_bytes);
}

absl::Status FileJournalStore::Append(absl::string_view bytes) {
  UC_RETURN_IF_ERROR(CheckUsable());
  if (const int error = WriteAllAt(fd_, bytes, size_); error != 0) {
    const absl::Status status = util::ErrnoStatus(path_, "write failed", error);
    // Cut off whatever part of `bytes` did reach the file, so the next
    // append does not follow a torn record (recovery would drop it and
    // everything after it).
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
      broken_ = absl::InternalError(absl::StrCat(
          status.message(), "; cutting the partial write off failed too: ",
          std::strerror(errno), "; reopen the journal to recover"));
      return broken_;
    }
    return status;
  }
  size_ += bytes.size();
  return absl::OkStatus();
}

absl::Status FileJournalStore::Sync() {
  UC_RETURN_IF_ERROR(CheckUsable());
  int rc;
  do {
    rc = ::fdatasync(fd_);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    // After a failed fsync the kernel may have dropped the dirty pages and
    // cleared the error: retrying could report success for lost data.
    broken_ = absl::InternalError(
        absl::StrCat(path_, ": fdatasync failed: ", std::strerror(errno),
                     "; records since the last sync may be lost; reopen the "
                     "journal to recover what is on disk"));
    return broken_;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FileJournalStore::Truncate(uint64_t size) {
  UC_RETURN_IF_ERROR(CheckUsable());
  if (size > size_) {
    return absl::InvalidArgumentError(absl::StrCat(
        path_, ": cannot truncate to ", size, " bytes, the file has ", size_));
  }
  if (size == size_) return std::string();
  // Keep the cut bytes: they may be a record a person wants back.
  std::string cut(static_cast<size_t>(size_ - size), '\0');
  size_t got = 0;
  while (got < cut.size()) {
    const ssize_t n = ::pread(fd_, cut.data() + got, cut.size() - got,
                              static_cast<off_t>(size + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return util::ErrnoStatus(path_, "read failed", errno);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  cut.resize(got);
  const std::string base = absl::StrCat(path_, ".dropped-at-", size);
  std::string kept;
  Fd out;
  for (int i = 0; i < 1000 && out.get() < 0; ++i) {
    kept = i == 0 ? base : absl::StrCat(base, ".", i);
    const int fd = OpenRaw(kept, O_WRONLY | O_CREAT | O_EXCL);
    if (fd >= 0) {
      out.reset(fd);
    } else if (errno != EEXIST) {
      return util::ErrnoStatus(kept, "cannot keep the dropped bytes", errno);
    }
  }
  if (out.get() < 0) {
    return absl::InternalError(
        absl::StrCat(base,
                     ": cannot keep the dropped bytes: 1000 such "
                     "files exist; remove old ones"));
  }
  if (const int error = WriteAllAt(out.get(), cut, 0); error != 0) {
    return util::ErrnoStatus(kept, "cannot keep the dropped bytes", error);
  }
  if (::fsync(out.get()) != 0)
    return util::ErrnoStatus(kept, "fsync failed", errno);
  UC_RETURN_IF_ERROR(SyncParentDirectory(kept));
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
    return util::ErrnoStatus(path_, "cannot truncate", errno);
  }
  if (::fsync(fd_) != 0) {
    broken_ = util::ErrnoStatus(path_, "fsync after truncating failed", errno);
    return broken_;
  }
  size_ = size;
  return kept;
}

absl::StatusOr<std::string> ReadJournalFile(const std::string& path,
                                            uint64_t max_bytes) {
  UC_RETURN_IF_ERROR(CheckPath(path));
  const int fd = OpenRaw(path, O_RDONLY);
  if (fd < 0) return OpenError(path, errno);
  Fd closer(fd);
  UC_ASSIGN_OR_RETURN(const uint64_t size, CheckRegular(fd, path));
  return ReadFd(fd, path, size, max_bytes);
}

}  // namespace upgrade_core::exec
