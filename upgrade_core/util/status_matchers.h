// File: status_matchers.h
// -----------------------------------------------------------------------------
// Test-only GoogleMock matchers for absl::Status / absl::StatusOr (Debian's
// Abseil lacks absl/status/status_matchers.h):
//
//   EXPECT_THAT(Parse("x"), StatusIs(absl::StatusCode::kInvalidArgument,
//                                    HasSubstr("position 0")));
//   EXPECT_THAT(Parse("1.2.3"), IsOkAndHolds(Field(&Version::major, 1)));
#ifndef UPGRADE_CORE_UTIL_STATUS_MATCHERS_H_
#define UPGRADE_CORE_UTIL_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"

namespace upgrade_core::testing {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER_P2(StatusIs, code, message_matcher,
           absl::StrCat("has status code ", absl::StatusCodeToString(code))) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(status.message()), result_listener);
}

MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "whose status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "whose status is " << status;
  return status.ok();
}

}  // namespace upgrade_core::testing

#endif  // UPGRADE_CORE_UTIL_STATUS_MATCHERS_H_
