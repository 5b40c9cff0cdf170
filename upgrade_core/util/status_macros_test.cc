#include "upgrade_core/util/status_macros.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core {
namespace {

using ::testing::HasSubstr;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::IsOkAndHolds;
using ::upgrade_core::testing::StatusIs;

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError(absl::StrCat(n, " is odd"));
  return n / 2;
}

absl::StatusOr<int> Quarter(int n) {
  UC_ASSIGN_OR_RETURN(int half, Half(n));
  UC_ASSIGN_OR_RETURN(half, Half(half));  // reassigns an existing variable
  return half;
}

absl::Status CheckEven(int n) {
  UC_RETURN_IF_ERROR(Half(n).status());
  return absl::OkStatus();
}

TEST(StatusMacrosTest, PropagatesFirstError) {
  struct Case {
    int n;
    absl::StatusCode code;
    const char* message;
  };
  const Case kCases[] = {{8, absl::StatusCode::kOk, ""},
                         {6, absl::StatusCode::kInvalidArgument, "3 is odd"},
                         {5, absl::StatusCode::kInvalidArgument, "5 is odd"}};
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.n);
    EXPECT_THAT(Quarter(c.n), StatusIs(c.code, HasSubstr(c.message)));
  }
  EXPECT_THAT(Quarter(8), IsOkAndHolds(2));
  EXPECT_THAT(CheckEven(4), IsOk());
  EXPECT_THAT(CheckEven(3), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("3 is odd")));
}

}  // namespace
}  // namespace upgrade_core
