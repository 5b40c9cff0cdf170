// The C++ example of docs/compat-manifests.md, compiled and run on a
// rendered manifest that uses an API Kubernetes 1.32 no longer serves.
#include <filesystem>
#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/compat_manifests_md.h"  // the block's #includes
#include "tests/doc_cc/compat_test_util.h"

namespace {

void PageExample() {
#include "tests/compat_manifests_md.inc"
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_TRUE(r.ok()) << r.status();
}

TEST(CompatManifestsDocTest, ReportsTheRemovedApi) {
  std::filesystem::current_path(doc_cc::ScratchDir("manifests"));
  doc_cc::Write("rendered.yaml",
                "apiVersion: policy/v1beta1\n"
                "kind: PodDisruptionBudget\n"
                "metadata: {name: web}\n"
                "spec: {minAvailable: 1}\n");
  testing::internal::CaptureStdout();
  PageExample();
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_TRUE(absl::StrContains(out, "policy/v1beta1")) << out;
}

}  // namespace
