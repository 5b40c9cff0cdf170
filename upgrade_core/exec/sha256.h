// File: sha256.h
// -----------------------------------------------------------------------------
// SHA-256 (FIPS 180-4) of a byte string, as lower-case hex, from OpenSSL's
// libcrypto: the plan hash (exec::PlanHash) needs a digest that is the same
// in every process, and Debian's Abseil and protobuf offer none.
#ifndef UPGRADE_CORE_EXEC_SHA256_H_
#define UPGRADE_CORE_EXEC_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace upgrade_core::exec {

// 64 hex digits.
std::string Sha256Hex(absl::string_view data);

}  // namespace upgrade_core::exec

#endif  // UPGRADE_CORE_EXEC_SHA256_H_
