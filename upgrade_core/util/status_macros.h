// File: status_macros.h
// -----------------------------------------------------------------------------
// UC_RETURN_IF_ERROR and UC_ASSIGN_OR_RETURN: early return on a non-OK
// absl::Status / absl::StatusOr. Debian's Abseil (LTS 20220623) predates
// absl/status/status_macros.h, so the project carries this one small pair.
//
//   absl::Status Load(absl::string_view path) {
//     UC_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
//     UC_RETURN_IF_ERROR(Parse(text));
//     return absl::OkStatus();
//   }
#ifndef UPGRADE_CORE_UTIL_STATUS_MACROS_H_
#define UPGRADE_CORE_UTIL_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define UC_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status uc_status_ = (expr);      \
    if (!uc_status_.ok()) return uc_status_; \
  } while (false)

#define UC_STATUS_MACROS_CONCAT_INNER_(a, b) a##b
#define UC_STATUS_MACROS_CONCAT_(a, b) UC_STATUS_MACROS_CONCAT_INNER_(a, b)

// `lhs` may declare a variable (`const Foo& foo`) or name an existing one.
#define UC_ASSIGN_OR_RETURN(lhs, expr)                                        \
  UC_ASSIGN_OR_RETURN_IMPL_(UC_STATUS_MACROS_CONCAT_(uc_statusor_, __LINE__), \
                            lhs, expr)

#define UC_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)     \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = *std::move(statusor)

#endif  // UPGRADE_CORE_UTIL_STATUS_MACROS_H_
