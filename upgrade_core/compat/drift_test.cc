// Tests of drift detection.
#include "upgrade_core/compat/drift.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::compat {
using diag::Report;
using document::Document;

namespace {

using ::testing::HasSubstr;
using ::upgrade_core::testing::StatusIs;

Document Yaml(const std::string& text, const std::string& source) {
  absl::StatusOr<Document> d = Document::FromYaml(text, source);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *std::move(d) : Document();
}

constexpr char kDesired[] = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: web
          image: web:1.2
)";

constexpr char kLive[] = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
  uid: 0b1c
  resourceVersion: "4711"
  generation: 7
  creationTimestamp: "2026-01-01T00:00:00Z"
  managedFields: [{manager: kubectl}]
  annotations: {deployment.kubernetes.io/revision: "7"}
spec:
  replicas: 5
  progressDeadlineSeconds: 600
  template:
    spec:
      containers:
        - name: web
          image: web:1.2
status:
  readyReplicas: 5
)";

std::vector<std::string> Describe(const std::vector<Change>& changes) {
  std::vector<std::string> out;
  for (const Change& c : changes) {
    out.push_back(std::string(ChangeKindName(c.kind)) + " " + c.path);
  }
  return out;
}

TEST(DriftTest, IgnoresSystemFieldsAndConfiguredPaths) {
  Document desired = Yaml(kDesired, "web.yaml"), live = Yaml(kLive, "live");
  struct Case {
    const char* name;
    DriftOptions options;
    std::vector<std::string> want;
  };
  DriftOptions defaults;
  DriftOptions extra;
  extra.ignore = {"metadata.annotations", "spec.progressDeadlineSeconds"};
  DriftOptions declared_only;
  declared_only.ignore_live_only_fields = true;
  DriftOptions raw;
  raw.ignore_system_fields = false;
  raw.ignore_live_only_fields = true;
  const Case kCases[] = {
      {"defaults",
       defaults,
       {"added metadata.annotations", "changed spec.replicas",
        "added spec.progressDeadlineSeconds"}},
      {"extra ignores", extra, {"changed spec.replicas"}},
      {"declared only", declared_only, {"changed spec.replicas"}},
      {"system fields kept", raw, {"changed spec.replicas"}},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<std::vector<Change>> d =
        Drift(desired.root(), live.root(), c.options);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(Describe(*d), c.want);
  }
  DriftOptions bad;
  bad.ignore = {"spec..x"};
  EXPECT_THAT(
      Drift(desired.root(), live.root(), bad).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad path")));
}

TEST(DriftTest, ReportPointsAtDesiredSource) {
  Document desired = Yaml(kDesired, "web.yaml"), live = Yaml(kLive, "live");
  DriftOptions o;
  o.ignore_live_only_fields = true;
  absl::StatusOr<std::vector<Change>> d = Drift(desired.root(), live.root(), o);
  ASSERT_TRUE(d.ok());
  Report r = DriftReport(*d);
  ASSERT_EQ(r.findings.size(), 1);
  EXPECT_EQ(r.findings[0].code, "drift/changed");
  EXPECT_EQ(r.findings[0].location.ToString(), "web.yaml:7:13");
  EXPECT_THAT(r.findings[0].message, HasSubstr("is 5 live but 3 desired"));
}

}  // namespace
}  // namespace upgrade_core::compat
