// File: file_errors.h
// -----------------------------------------------------------------------------
// The words and status codes for failed file operations, shared by the
// bounded reader (document/file_reader) and the journal's file store, so a
// missing file, a permission problem or a FIFO given as a file reads the same
// wherever it happens.
#ifndef UPGRADE_CORE_UTIL_FILE_ERRORS_H_
#define UPGRADE_CORE_UTIL_FILE_ERRORS_H_

#include <sys/types.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace upgrade_core::util {

// "PATH: WHAT: strerror(error)" as NotFound (ENOENT, ENOTDIR),
// PermissionDenied (EACCES, EPERM, EROFS) or Internal (anything else).
absl::Status ErrnoStatus(absl::string_view path, absl::string_view what,
                         int error);

// What a non-regular file is, in words a user recognises: "a directory",
// "a FIFO (named pipe)", "a character device", "a block device", "a socket",
// or "not a regular file".
absl::string_view FileTypeName(mode_t mode);

}  // namespace upgrade_core::util

#endif  // UPGRADE_CORE_UTIL_FILE_ERRORS_H_
