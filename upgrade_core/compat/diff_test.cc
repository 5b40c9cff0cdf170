// Tests of the structured diff and Helm merging.
#include "upgrade_core/compat/diff.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/compat/merge.h"

namespace upgrade_core::compat {
using document::Document;
using document::Node;

namespace {

Document Yaml(const std::string& text, const std::string& source) {
  absl::StatusOr<Document> d = Document::FromYaml(text, source);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *std::move(d) : Document();
}

std::vector<std::string> Describe(const std::vector<Change>& changes) {
  std::vector<std::string> out;
  for (const Change& c : changes) {
    out.push_back(std::string(ChangeKindName(c.kind)) + " " + c.path);
  }
  return out;
}

TEST(DiffTest, Kinds) {
  struct Case {
    const char* old_yaml;
    const char* new_yaml;
    std::vector<std::string> want;
  };
  const Case kCases[] = {
      {"a: 1\nb: x\n", "a: 1\nb: x\n", {}},
      {"a: 1\n", "a: 2\n", {"changed a"}},
      {"a: 1\n", "a: \"1\"\n", {"type_changed a"}},
      {"a: {b: 1}\n", "a: {b: 1, c: 2}\n", {"added a.c"}},
      {"a: {b: 1, c: 2}\n", "a: {c: 2}\n", {"removed a.b"}},
      {"a: [1, 2]\n", "a: [1, 3, 4]\n", {"changed a[1]", "added a[2]"}},
      {"a: 0x10\n", "a: 16\n", {}},
      {"m: {\"x.y\": 1}\n", "m: {\"x.y\": 2}\n", {"changed m[\"x.y\"]"}},
      {"a: {b: 1}\n", "a: [1]\n", {"type_changed a"}},
      {"b: 1\na: 2\n", "a: 2\nb: 1\n", {}},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(c.old_yaml) + " -> " + c.new_yaml);
    Document a = Yaml(c.old_yaml, "old.yaml"), b = Yaml(c.new_yaml, "new.yaml");
    EXPECT_EQ(Describe(Diff(a.root(), b.root())), c.want);
  }
}

TEST(DiffTest, ListsMatchedByIdentityKey) {
  Document a = Yaml(R"(containers:
  - name: controller
    image: nginx:1
    ports:
      - containerPort: 80
        protocol: TCP
      - containerPort: 443
  - name: sidecar
    image: envoy:1
)",
                    "old.yaml");
  Document b = Yaml(R"(containers:
  - name: sidecar
    image: envoy:1
  - name: controller
    image: nginx:2
    ports:
      - containerPort: 443
      - containerPort: 80
        protocol: UDP
  - name: metrics
    image: exporter:1
)",
                    "new.yaml");
  std::vector<Change> changes = Diff(a.root(), b.root());
  EXPECT_EQ(Describe(changes),
            (std::vector<std::string>{
                "changed containers[name=controller].image",
                "changed containers[name=controller].ports[containerPort=80]"
                ".protocol",
                "added containers[name=metrics]"}));
  ASSERT_EQ(changes.size(), 3);
  EXPECT_EQ(changes[0].old_location.ToString(), "old.yaml:3:12");
  EXPECT_EQ(changes[0].new_location.ToString(), "new.yaml:5:12");
  EXPECT_EQ(changes[0].old_value.text(), "nginx:1");
  EXPECT_EQ(changes[0].new_value.text(), "nginx:2");

  DiffOptions by_index;
  by_index.identity_keys = {};
  EXPECT_GT(Diff(a.root(), b.root(), by_index).size(), 3);

  DiffOptions custom;
  custom.identity_keys = {"id"};
  Document x = Yaml("l: [{id: a, v: 1}, {id: b, v: 2}]\n", "x");
  Document y = Yaml("l: [{id: b, v: 2}, {id: a, v: 3}]\n", "y");
  EXPECT_EQ(Describe(Diff(x.root(), y.root(), custom)),
            (std::vector<std::string>{"changed l[id=a].v"}));
}

TEST(DiffTest, DuplicateIdentityFallsBackToIndex) {
  Document a = Yaml("l: [{name: a, v: 1}, {name: a, v: 2}]\n", "a");
  Document b = Yaml("l: [{name: a, v: 1}, {name: a, v: 3}]\n", "b");
  EXPECT_EQ(Describe(Diff(a.root(), b.root())),
            (std::vector<std::string>{"changed l[1].v"}));
}

TEST(DiffTest, IgnorePaths) {
  Document a = Yaml("metadata: {uid: 1, name: x}\nspec: {a: [{b: 1}]}\n", "a");
  Document b = Yaml("metadata: {uid: 2, name: z}\nspec: {a: [{b: 2}]}\n", "b");
  DiffOptions o;
  o.ignore = *ParsePaths({"metadata.uid", "spec.a[*].b"});
  EXPECT_EQ(Describe(Diff(a.root(), b.root(), o)),
            (std::vector<std::string>{"changed metadata.name"}));
  EXPECT_FALSE(ParsePaths({"a..b"}).ok());
}

TEST(MergeTest, HelmSemantics) {
  Document defaults = Yaml(R"(controller:
  image: {repository: nginx, tag: "1.0"}
  args: [a, b]
  tolerations: []
  extra: {keep: true}
  service: {type: ClusterIP}
top: 1
)",
                           "values.yaml");
  Document user = Yaml(R"(controller:
  image: {tag: "2.0"}
  args: [c]
  extra: null
  service: LoadBalancer
  newKey: 5
)",
                       "user.yaml");
  Document merged = MergeValues(defaults.root(), user.root());
  EXPECT_EQ(merged.ToJson(),
            R"({"controller":{"image":{"repository":"nginx","tag":"2.0"},)"
            R"("args":["c"],"tolerations":[],"service":"LoadBalancer",)"
            R"("newKey":5},"top":1})");
  Node root = merged.root();
  EXPECT_EQ(root.Find("controller.image.tag")->location().ToString(),
            "user.yaml:2:16");
  EXPECT_EQ(root.Find("controller.image.repository")->location().ToString(),
            "values.yaml:2:23");

  // Several override files: later wins, null still deletes defaults.
  Document second =
      Yaml("controller: {image: {tag: \"3.0\"}, args: null}\n", "second.yaml");
  std::vector<Node> files = {user.root(), second.root()};
  Document merged2 = MergeValues(defaults.root(), files);
  EXPECT_EQ(merged2.root().Find("controller.image.tag")->text(), "3.0");
  EXPECT_FALSE(merged2.root().Find("controller.args"));
  EXPECT_FALSE(merged2.root().Find("controller.extra"));

  Document none = MergeValues(defaults.root(), Node());
  EXPECT_TRUE(none.root().Equals(defaults.root()));
}

}  // namespace
}  // namespace upgrade_core::compat
