// The C++ example of docs/compat-chart-check.md, compiled and run on the
// compat fixtures (upgrade_core/compat/testdata) copied to the names the
// example reads. `packs` is the page's rule pack, as its Python example.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/compat_chart_check_md.h"  // the block's #includes
#include "tests/doc_cc/compat_test_util.h"
#include "upgrade_core/compat/rules.h"

namespace {

void PageExample(const std::vector<upgrade_core::compat::RulePack>& packs) {
#include "tests/compat_chart_check_md.inc"
  ASSERT_TRUE(r.ok()) << r.status();
}

TEST(CompatChartCheckDocTest, ReportsTheRenamedOverride) {
  const std::string d = "upgrade_core/compat/testdata/";
  const std::string old_values =
      doc_cc::Runfile(d + "ingress-nginx-old-values.yaml");
  const std::string new_values =
      doc_cc::Runfile(d + "ingress-nginx-new-values.yaml");
  const std::string user_values =
      doc_cc::Runfile(d + "ingress-nginx-user-values.yaml");
  absl::StatusOr<upgrade_core::compat::RulePack> pack =
      upgrade_core::compat::RulePack::FromFile(
          doc_cc::Runfile(d + "ingress-nginx-pack.yaml"));
  ASSERT_TRUE(pack.ok()) << pack.status();
  std::filesystem::current_path(doc_cc::ScratchDir("chart_check"));
  doc_cc::Copy(old_values, "old/values.yaml");
  doc_cc::Copy(new_values, "new/values.yaml");
  doc_cc::Copy(user_values, "my-values.yaml");
  testing::internal::CaptureStderr();
  PageExample({*pack});
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(absl::StrContains(err, "chart/renamed-override")) << err;
}

}  // namespace
