// File: file_reader.h
// -----------------------------------------------------------------------------
// The one way upgrade_core reads a file. Every input (plans, values files,
// rule packs, state machine definitions) comes through here, so every input
// gets the same protections:
//
//   * only regular files: a directory, FIFO, socket or device is refused with
//     an error that says what it is, before anything is read;
//   * the open never blocks (O_NONBLOCK), so a FIFO cannot hang the caller;
//   * a size limit, checked against the file's size and again while reading
//     (files in /proc report size 0 and files can grow while being read).
//
//   absl::StatusOr<std::string> text = ReadFileBounded("values.yaml");
//
// The path "-" reads standard input, up to the same limit.
#ifndef UPGRADE_CORE_DOCUMENT_FILE_READER_H_
#define UPGRADE_CORE_DOCUMENT_FILE_READER_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace upgrade_core::document {

// The default limit on any one input: 256 MiB.
inline constexpr size_t kDefaultMaxInputBytes = size_t{256} << 20;

// Reads the whole of `path` (or standard input for "-"). Errors, each
// starting with the path: NotFound (no such file), PermissionDenied,
// InvalidArgument (not a regular file; over `max_bytes`), Internal (I/O).
absl::StatusOr<std::string> ReadFileBounded(
    absl::string_view path, size_t max_bytes = kDefaultMaxInputBytes);

}  // namespace upgrade_core::document

#endif  // UPGRADE_CORE_DOCUMENT_FILE_READER_H_
