// The C++ example of docs/simulate.md, run. The build extracts the page's
// ```cpp block (//tools/doc_examples) into simulate_md.inc, included below
// as the body of a test, which checks that the summary the page shows is
// the one the code prints.
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "upgrade_core/diag/diagnostic.h"
#include "upgrade_core/sim/simulate_md.h"  // the block's #includes

namespace upgrade_core::sim {
namespace {

const char* FirstTextBlock() {
  for (const doc_simulate_md::Block& b : doc_simulate_md::kBlocks) {
    if (std::string(b.lang) == "text") return b.code;
  }
  return nullptr;
}

TEST(SimulateDocTest, PrintsTheSummaryThePageShows) {
#include "upgrade_core/sim/simulate_md.inc"

  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_NE(FirstTextBlock(), nullptr);
  EXPECT_TRUE(absl::StartsWith(text, FirstTextBlock())) << text;
  // It was compiled despite the check the comment names.
  bool flagged = false;
  for (const diag::Diagnostic& d : compiled->warnings()) {
    flagged = flagged || d.code == "webhook.server-unavailable";
  }
  EXPECT_TRUE(flagged);
}

}  // namespace
}  // namespace upgrade_core::sim
