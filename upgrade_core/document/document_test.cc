// Tests of document loading, locations, paths and input limits.
#include "upgrade_core/document/document.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/document/path.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::document {
namespace {

using ::testing::HasSubstr;
using ::upgrade_core::testing::StatusIs;

TEST(DocumentTest, LoadsYamlWithLocations) {
  absl::StatusOr<Document> doc = Document::FromYaml(R"(controller:
  image:
    tag: "1.10"
  replicaCount: 2
  ratio: 1.5
  enabled: yes
  empty:
  ports:
    - name: http
      containerPort: 80
)",
                                                    "values.yaml");
  ASSERT_TRUE(doc.ok()) << doc.status();
  Node root = doc->root();
  ASSERT_TRUE(root.is_map());
  std::optional<Node> tag = root.Find("controller.image.tag");
  ASSERT_TRUE(tag);
  EXPECT_EQ(tag->kind(), NodeKind::kString);
  EXPECT_EQ(tag->text(), "1.10");
  EXPECT_EQ(tag->location().ToString(), "values.yaml:3:10");
  EXPECT_EQ(root.Find("controller.replicaCount")->int_value(), 2);
  EXPECT_EQ(root.Find("controller.ratio")->kind(), NodeKind::kFloat);
  EXPECT_TRUE(root.Find("controller.enabled")->bool_value());
  EXPECT_TRUE(root.Find("controller.empty")->is_null());
  std::optional<Node> port =
      root.Find("controller.ports[name=http].containerPort");
  ASSERT_TRUE(port);
  EXPECT_EQ(port->int_value(), 80);
  EXPECT_EQ(port->line(), 10);
  Node controller = *root.Get("controller");
  EXPECT_EQ(controller.key_location(1).ToString(), "values.yaml:4:3");
}

TEST(DocumentTest, InvalidHandleReadsAsNull) {
  Node n;
  EXPECT_FALSE(n.valid());
  EXPECT_EQ(n.kind(), NodeKind::kNull);
  EXPECT_EQ(n.size(), 0);
  EXPECT_EQ(n.text(), "");
  EXPECT_FALSE(n.location().known());
  EXPECT_FALSE(n.Get("x"));
  EXPECT_FALSE(n.Find("a.b"));
  EXPECT_EQ(NodeToDisplay(n), "<none>");
  EXPECT_EQ(NodeToJson(n), "null");
}

TEST(DocumentTest, ScalarResolution) {
  struct Case {
    const char* yaml;
    NodeKind kind;
  };
  const Case kCases[] = {
      {"~", NodeKind::kNull},        {"null", NodeKind::kNull},
      {"true", NodeKind::kBool},     {"Off", NodeKind::kBool},
      {"42", NodeKind::kInt},        {"-0x1F", NodeKind::kInt},
      {"0755", NodeKind::kInt},      {"1_000", NodeKind::kInt},
      {"1.5", NodeKind::kFloat},     {"1e3", NodeKind::kFloat},
      {".inf", NodeKind::kFloat},    {"1.2.3", NodeKind::kString},
      {"'true'", NodeKind::kString}, {"!!str 42", NodeKind::kString},
      {"v1", NodeKind::kString},     {"99999999999999999999", NodeKind::kFloat},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.yaml);
    absl::StatusOr<Document> d = Document::FromYaml(c.yaml);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->root().kind(), c.kind);
  }
}

TEST(DocumentTest, MultiDocumentStream) {
  absl::StatusOr<std::vector<Document>> docs =
      Document::FromYamlStream("a: 1\n---\nb: 2\n---\n---\nc: 3\n", "m.yaml");
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 3);
  EXPECT_EQ((*docs)[2].root().Get("c")->line(), 6);
  EXPECT_THAT(
      Document::FromYaml("a: 1\n---\nb: 2\n", "m.yaml").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("m.yaml:2:1")));
}

TEST(DocumentTest, Json) {
  absl::StatusOr<Document> d =
      Document::FromJson(R"({"a": [1, 2.5, "x", true, null]})", "v.json");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->ToJson(), R"({"a":[1,2.5,"x",true,null]})");
  absl::StatusOr<Document> emoji = Document::FromJson(
      R"({"s": "\ud83d\ude00 \\ud83d", "t": "caf\u00e9"})", "e.json");
  ASSERT_TRUE(emoji.ok()) << emoji.status();
  EXPECT_EQ(emoji->root().Get("s")->text(), "\xF0\x9F\x98\x80 \\ud83d");
  EXPECT_EQ(emoji->root().Get("t")->text(), "caf\xC3\xA9");
  EXPECT_THAT(
      Document::FromJson("{\"a\": yes}", "v.json").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("v.json:1:7")));
  EXPECT_THAT(
      Document::FromJson("a: 1", "v.json").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid JSON")));
}

TEST(DocumentTest, MergeKeysAndAliases) {
  absl::StatusOr<Document> d = Document::FromYaml(
      "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\nlist: [*b, *b]\n");
  ASSERT_TRUE(d.ok()) << d.status();
  Node r = d->root();
  EXPECT_EQ(r.Find("derived.x")->int_value(), 1);
  EXPECT_EQ(r.Find("derived.y")->int_value(), 3);
  EXPECT_EQ(r.Find("list[1].y")->int_value(), 2);
}

TEST(DocumentTest, BadInputNamesLocation) {
  struct Case {
    std::string text;
    LoadOptions options;
    const char* want;
  };
  LoadOptions tiny;
  tiny.max_bytes = 10;
  LoadOptions shallow;
  shallow.max_depth = 3;
  LoadOptions few;
  few.max_nodes = 1000;
  LoadOptions no_alias;
  no_alias.allow_aliases = false;
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string prev(1, c - 1);
    laughs += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev +
              ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
              ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
  }
  const Case kCases[] = {
      {"a: [1, 2\nb: 3\n", {}, "v.yaml:2:"},
      {"a: 1\n  b: 2\n", {}, "v.yaml:2:4"},
      {"a: 1\na: 2\n", {}, "v.yaml:2:1: duplicate key 'a'"},
      {"a: *nope\n", {}, "v.yaml:1:4: unknown anchor 'nope'"},
      {"0123456789abc", tiny, "over the limit of 10"},
      {"a: {b: {c: {d: 1}}}", shallow, "v.yaml:1:12: nesting deeper than 3"},
      {laughs, {}, "LoadOptions.max_nodes"},
      {"a: &x 1\nb: *x\n", no_alias, "v.yaml:2:4: aliases are not allowed"},
      {"? [a]\n: 1\n", {}, "complex map keys"},
      {"a: !!int abc\n", {}, "not a valid !!int"},
      // Regressions (issue 9, defect 8): merge keys never silently dropped.
      {"l: &l [1, 2]\nm:\n  <<: *l\n  a: 1\n",
       {},
       "v.yaml:3:3: merge key '<<' needs a map or a list of maps, got a list "
       "with a non-map element"},
      {"m:\n  <<: 5\n",
       {},
       "v.yaml:2:3: merge key '<<' needs a map or a list of maps, got int"},
      // Regressions (issue 9, defect 9): invalid UTF-8 and NUL at their real
      // position, not 1:1.
      {"a: 1\nb: x\xc3\x28\n",
       {},
       "v.yaml:2:6: invalid YAML: invalid trailing UTF-8 octet (#x28)"},
      {"a: 1\nbb: \xe2\x82\xac\xff\n",
       {},
       "v.yaml:2:6: invalid YAML: invalid leading UTF-8 octet (#xff)"},
      {std::string("a: 1\nb: [x,\0]\n", 14),
       {},
       "v.yaml:2:7: invalid YAML: control characters are not allowed (#x0)"},
  };
  LoadOptions small_nodes;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.want);
    LoadOptions o = c.options;
    if (std::string(c.want) == "LoadOptions.max_nodes") o.max_nodes = 1000000;
    EXPECT_THAT(
        Document::FromYaml(c.text, "v.yaml", o).status(),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.want)));
  }
  (void)few;
  (void)small_nodes;
}

// Hostile input never crashes: every truncation and byte flip of a real
// values file either loads or fails with a located error.
TEST(DocumentTest, TruncatedAndCorruptedInputNeverCrashes) {
  const std::string text = R"(controller:
  image: {registry: "registry.k8s.io", tag: 'v1.12'}
  args: [--a, --b]
  anchors: &base
    x: 1
  merged:
    <<: *base
    y: |
      line one
      line two
  list:
    - {name: a, v: 0x1F}
    - !!str 42
)";
  for (size_t n = 0; n <= text.size(); ++n) {
    absl::StatusOr<Document> d =
        Document::FromYaml(text.substr(0, n), "t.yaml");
    if (!d.ok()) {
      EXPECT_THAT(d.status().message(), HasSubstr("t.yaml:"));
    }
    (void)n;
  }
  const char kBytes[] = {'[', ']',  '{', '}',  ':', '-', '&', '*',  '!',   '\'',
                         '"', '\n', ' ', '\t', '|', '>', '#', '\0', '\xff'};
  for (size_t i = 0; i < text.size(); ++i) {
    for (char b : kBytes) {
      std::string mutated = text;
      mutated[i] = b;
      absl::StatusOr<Document> d = Document::FromYaml(mutated, "t.yaml");
      if (d.ok()) {
        EXPECT_GT(d->node_count(), 0);
      } else {
        EXPECT_THAT(d.status().message(), HasSubstr("t.yaml"));
      }
      absl::StatusOr<Document> j = Document::FromJson(mutated, "t.json");
      if (!j.ok()) {
        EXPECT_THAT(j.status().message(), HasSubstr("t.json"));
      }
    }
  }
}

TEST(PathTest, ParseAndPrint) {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case kCases[] = {
      {"controller.service.ports.http", "controller.service.ports.http"},
      {"spec.template.spec.containers[name=controller].ports[0]",
       "spec.template.spec.containers[name=controller].ports[0]"},
      {"metadata.annotations[\"a.b/c\"]", "metadata.annotations[\"a.b/c\"]"},
      {"a.*.b[*]", "a.*.b[*]"},
      {"['x y'].z", "[\"x y\"].z"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.in);
    absl::StatusOr<Path> p = Path::Parse(c.in);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->ToString(), c.out);
  }
  for (const char* bad : {"a..b", "a[", "a[x]", ".a", "a.", "a[0]b"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(
        Path::Parse(bad).status(),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad path")));
  }
}

TEST(PathTest, SelectWildcards) {
  absl::StatusOr<Document> d = Document::FromYaml(
      "containers:\n- name: a\n  ports: [{hostPort: 80}, {hostPort: 443}]\n"
      "- name: b\n  ports: []\n");
  ASSERT_TRUE(d.ok());
  absl::StatusOr<Path> p = Path::Parse("containers[*].ports[*].hostPort");
  ASSERT_TRUE(p.ok());
  std::vector<PathMatch> m = Select(d->root(), *p);
  ASSERT_EQ(m.size(), 2);
  EXPECT_EQ(m[1].path, "containers[0].ports[1].hostPort");
  EXPECT_EQ(m[1].node.int_value(), 443);
}

// Regression (fuzzing, docs/reliability.md): JSON allows DEL, the C1
// controls (NEL among them) and U+FFFE/U+FFFF raw in strings; libyaml does
// not, so FromJson refused them (or read NEL as a line break) and ToJson's
// output did not load back.
TEST(DocumentTest, JsonRoundTripKeepsCharactersYamlForbids) {
  const std::vector<std::string> values = {
      "a\x7f"
      "b",
      "x\xc2\x82y",
      "x\xc2\x85y",
      "\xef\xbf\xbe",
      "\xef\xbf\xbf!",
      "ls\xe2\x80\xa8ps\xe2\x80\xa9",  // YAML 1.1 line breaks, in CI's fuzz
      "plain",
      "caf\xc3\xa9",
  };
  for (const std::string& v : values) {
    SCOPED_TRACE(v);
    // Raw in the JSON text, as another JSON writer may emit them.
    absl::StatusOr<Document> raw =
        Document::FromJson("{\"k\": \"" + v + "\"}", "raw.json");
    ASSERT_TRUE(raw.ok()) << raw.status();
    EXPECT_EQ(raw->root().Get("k")->text(), v);
    // And through our own writer (which escapes them) and back.
    absl::StatusOr<Document> again =
        Document::FromJson(raw->ToJson(), "w.json");
    ASSERT_TRUE(again.ok()) << again.status() << " for " << raw->ToJson();
    EXPECT_TRUE(again->root().Equals(raw->root()));
  }
  EXPECT_EQ(Document::FromJson("{\"k\": \"a\x7f\"}")->ToJson(),
            "{\"k\":\"a\\u007f\"}");
  // Keys go through the same writer: a line separator in a key (fuzz/values'
  // finding) survives the round trip.
  absl::StatusOr<Document> key =
      Document::FromJson("{\"a\xe2\x80\xa8\": 1}", "key.json");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->ToJson(), "{\"a\\u2028\":1}");
  absl::StatusOr<Document> key_again = Document::FromJson(key->ToJson());
  ASSERT_TRUE(key_again.ok()) << key_again.status();
  EXPECT_TRUE(key_again->root().Equals(key->root()));
}

// Diagnostics quote values only through TruncateForDisplay: short, and never
// cut inside a UTF-8 sequence (a cut one broke decoding in Python).
TEST(DocumentTest, TruncateForDisplayKeepsUtf8Whole) {
  struct Case {
    std::string text;
    size_t max_len;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"short", 80, "short"},
      {"abcdefghij", 10, "abcdefghij"},
      {"abcdefghijk", 10, "abcdefg..."},
      // "é" is two bytes at 6..7: a cut at 7 backs up to 6.
      {"abcdef\xc3\xa9ghijk", 10, "abcdef..."},
      {"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 5, "..."},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(TruncateForDisplay(c.text, c.max_len), c.want);
  }
  absl::StatusOr<Document> doc =
      Document::FromYaml("k: \"" + std::string(100, 'x') + "\"\n");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(NodeToDisplay(*doc->root().Get("k"), 12), "\"xxxxxxxx...");
}

}  // namespace
}  // namespace upgrade_core::document
