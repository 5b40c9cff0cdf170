// The C++ examples of docs/versions.md, run. The code is not copied here:
// the build extracts the page's blocks (//tools/doc_examples). The quick
// start's ```cpp block becomes the body of a test that checks what the
// block's comments say about the values it computes; the page's list of
// error messages is checked against the parsers.
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "upgrade_core/version/versions_md.h"  // the block's #includes

namespace upgrade_core {
namespace {

TEST(VersionsDocTest, QuickStartDoesWhatItsCommentsSay) {
  ASSERT_EQ(doc_versions_md::kNumBlocks, 1);
#include "upgrade_core/version/versions_md.inc"

  // v->major() == 1, v->minor() == 28, v->prerelease() == "gke.100",
  // v->ToString() == "1.28.3-gke.100", v->original() == "v1.28.3-gke.100"
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->major(), 1);
  EXPECT_EQ(v->minor(), 28);
  EXPECT_EQ(v->prerelease(), "gke.100");
  EXPECT_EQ(v->ToString(), "1.28.3-gke.100");
  EXPECT_EQ(v->original(), "v1.28.3-gke.100");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(ok);
  EXPECT_EQ(canonical, ">=1.28.0-0 <1.32.0-0");
  ASSERT_TRUE(quick.ok()) << quick.status();
  EXPECT_TRUE(*quick);
  ASSERT_EQ(problems.size(), 1);
  EXPECT_EQ(problems[0].message,
            "kubelet (node-7) 1.27.9 is 4 minor versions older than "
            "kube-apiserver 1.31.5; kubelet may be at most 3 minor versions "
            "older");
  EXPECT_EQ(problems[0].rule->id, "kubelet-vs-apiserver");
}

// Every line of the page's error list is the message that parsing the
// quoted input returns (in strict mode when the message says so).
TEST(VersionsDocTest, ErrorMessagesAreThoseOfTheParsers) {
  // invalid version "INPUT": ...  (INPUT C-escaped)
  const std::regex kError(
      R"re(^invalid (version|constraint) "((?:[^"\\]|\\.)*)": )re");
  int checked = 0;
  for (const doc_versions_md::Block& b : doc_versions_md::kBlocks) {
    if (!absl::StartsWith(b.code, "invalid ")) continue;
    int line_number = b.line;
    for (absl::string_view line : absl::StrSplit(b.code, '\n')) {
      const int at = line_number++;
      if (line.empty()) continue;
      SCOPED_TRACE(absl::StrCat("docs/versions.md:", at, ": ", line));
      std::cmatch m;
      ASSERT_TRUE(std::regex_search(line.begin(), line.end(), m, kError));
      std::string input;
      ASSERT_TRUE(absl::CUnescape(m[2].str(), &input));
      absl::Status status;
      if (m[1] == "version") {
        status = Version::Parse(input, absl::StrContains(line, "(strict mode)")
                                           ? ParseMode::kStrict
                                           : ParseMode::kLoose)
                     .status();
      } else {
        status = Constraint::Parse(input).status();
      }
      EXPECT_EQ(status.message(), line);
      ++checked;
    }
  }
  EXPECT_GT(checked, 0) << "docs/versions.md lists no error messages";
}

}  // namespace
}  // namespace upgrade_core
