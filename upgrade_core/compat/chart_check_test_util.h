// File: chart_check_test_util.h
// -----------------------------------------------------------------------------
// Helpers shared by the chart check's tests (testonly): a document from YAML
// text and the finding of a rule at a path.
#ifndef UPGRADE_CORE_COMPAT_CHART_CHECK_TEST_UTIL_H_
#define UPGRADE_CORE_COMPAT_CHART_CHECK_TEST_UTIL_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "upgrade_core/diag/diagnostic.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::compat::test_util {

// The document read from YAML `text` named `source`; a test failure (and an
// empty document) when it does not parse.
inline document::Document Yaml(const std::string& text,
                               const std::string& source) {
  absl::StatusOr<document::Document> d =
      document::Document::FromYaml(text, source);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *std::move(d) : document::Document();
}

// The finding of `rule` at `path`, or nullptr.
inline const diag::Diagnostic* FindingAt(const diag::Report& r,
                                         const std::string& rule,
                                         const std::string& path) {
  for (const diag::Diagnostic& f : r.findings) {
    if (f.code == rule && f.path == path) return &f;
  }
  return nullptr;
}

}  // namespace upgrade_core::compat::test_util

#endif  // UPGRADE_CORE_COMPAT_CHART_CHECK_TEST_UTIL_H_
