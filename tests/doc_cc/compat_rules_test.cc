// The C++ example of docs/compat-rules.md, compiled and run: the page's rule
// pack (its first ```yaml block) on values that surge a host-port
// DaemonSet. The example uses the names the page's prose assumes: the
// compat namespace, `diag`, and a values Document `values`.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/compat_rules_md.h"  // the blocks' #includes
#include "tests/doc_cc/compat_test_util.h"
#include "upgrade_core/compat/rules.h"
#include "upgrade_core/document/document.h"

namespace {

using namespace upgrade_core::compat;  // NOLINT: as the page's example
namespace diag = upgrade_core::diag;

std::string FirstYamlBlock() {
  for (const auto& b : doc_compat_rules_md::kBlocks) {
    if (std::string(b.lang) == "yaml") return b.code;
  }
  return "";
}

TEST(CompatRulesDocTest, ThePagesPackFindsTheSurge) {
  std::filesystem::current_path(doc_cc::ScratchDir("rules"));
  doc_cc::Write("ingress-nginx-pack.yaml", FirstYamlBlock());
  upgrade_core::document::Document values =
      *upgrade_core::document::Document::FromYaml(
          "controller:\n  kind: DaemonSet\n  hostPort: {enabled: true}\n"
          "  updateStrategy: {rollingUpdate: {maxSurge: 1}}\n",
          "values.yaml");
#include "tests/compat_rules_md.inc"
  ASSERT_TRUE(pack.ok()) << pack.status();
  ASSERT_TRUE(findings.ok()) << findings.status();
  ASSERT_FALSE(findings->empty());
  EXPECT_EQ((*findings)[0].code, "ingress-nginx/daemonset-hostport-surge");
}

}  // namespace
