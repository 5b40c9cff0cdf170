// The C++ example of docs/compat-drift.md, compiled and run on the page's
// Python example's documents (desired and live, replicas 3 -> 5). The
// example uses the names the page's prose assumes: the compat namespace and
// two Documents `desired` and `live`.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/compat_drift_md.h"  // the block's #includes
#include "upgrade_core/compat/drift.h"
#include "upgrade_core/document/document.h"

namespace {

using namespace upgrade_core::compat;  // NOLINT: as the page's example
using upgrade_core::diag::Report;

TEST(CompatDriftDocTest, ReportsTheReplicaDrift) {
  upgrade_core::document::Document desired =
      *upgrade_core::document::Document::FromYaml(
          "kind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n",
          "desired.yaml");
  upgrade_core::document::Document live =
      *upgrade_core::document::Document::FromYaml(
          "kind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 5\n",
          "live.yaml");
#include "tests/compat_drift_md.inc"
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ((*d)[0].path, "spec.replicas");
  EXPECT_EQ(r.Count(upgrade_core::diag::Severity::kWarning), 1u);
}

}  // namespace
