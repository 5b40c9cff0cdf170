#include "upgrade_core/chart/chart.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/chart/template_reader.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::chart {
namespace {

using ::testing::HasSubstr;
using ::upgrade_core::testing::StatusIs;

std::string TestDir() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return tmp != nullptr ? tmp : "/tmp";
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

struct Entry {
  Entry(std::string p, std::string d = "", mode_t t = AE_IFREG,
        std::string l = "")
      : path(std::move(p)), data(std::move(d)), type(t), link(std::move(l)) {}
  std::string path;
  std::string data;
  mode_t type;
  std::string link;  // symlink target
};

// A gzip'd tar holding `entries`, the way `helm package` writes one.
std::string MakeArchive(const std::vector<Entry>& entries) {
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  std::vector<char> buffer(size_t{8} << 20);
  size_t used = 0;
  archive_write_open_memory(a, buffer.data(), buffer.size(), &used);
  for (const Entry& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_filetype(entry, e.type);
    archive_entry_set_perm(entry, 0644);
    if (!e.link.empty()) archive_entry_set_symlink(entry, e.link.c_str());
    const bool data = e.type == AE_IFREG;
    archive_entry_set_size(entry, data ? e.data.size() : 0);
    archive_write_header(a, entry);
    if (data) archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buffer.data(), used);
}

const char kChartYaml[] = "apiVersion: v2\nname: demo\nversion: 1.2.3\n";

std::vector<Entry> GoodEntries() {
  return {
      {"demo/", "", AE_IFDIR},
      {"demo/Chart.yaml", kChartYaml},
      {"demo/values.yaml", "image:\n  tag: v1\n"},
      {"demo/values.schema.json", R"({"type": "object"})"},
      {"demo/README.md", "not read"},
      {"demo/templates/_helpers.tpl",
       "{{ define \"tag\" }}{{ .tag }}{{ end }}"},
      {"demo/templates/deploy.yaml",
       "image: {{ include \"tag\" .Values.image }}"},
      {"demo/charts/sub/Chart.yaml", "name: sub\nversion: 0.1.0\n"},
      {"demo/charts/sub/templates/cm.yaml",
       "a: {{ .Values.a }}\nr: {{ .Values.global.registry }}"},
  };
}

TEST(ChartArchive, LoadsAPackagedChart) {
  const std::string path = TestDir() + "/demo-1.2.3.tgz";
  WriteFile(path, MakeArchive(GoodEntries()));
  absl::StatusOr<Chart> chart = Chart::Load(path);
  ASSERT_TRUE(chart.ok()) << chart.status();
  EXPECT_EQ(chart->name(), "demo");
  EXPECT_EQ(chart->version(), "1.2.3");
  ASSERT_TRUE(chart->schema().has_value());
  ASSERT_EQ(chart->templates().size(), 2u);
  EXPECT_EQ(chart->templates()[0].name, "templates/_helpers.tpl");
  EXPECT_EQ(chart->templates()[1].source, path + "/templates/deploy.yaml");
  ASSERT_EQ(chart->dependencies().size(), 1u);
  EXPECT_EQ(chart->dependencies()[0].name(), "sub");
  EXPECT_EQ(chart->values().root().Find("image.tag")->location().ToString(),
            path + "/values.yaml:2:8");

  // The dependency's .Values is the parent's .Values.sub; global is shared.
  ValuesUsage usage = ReadValuesUsage(*chart);
  EXPECT_EQ(usage.Classify({"image", "tag"}).use, ValuesUsage::Use::kRead);
  EXPECT_EQ(usage.Classify({"sub", "a"}).use, ValuesUsage::Use::kRead);
  EXPECT_EQ(usage.Classify({"global", "registry"}).use,
            ValuesUsage::Use::kRead);
  EXPECT_EQ(usage.Classify({"a"}).use, ValuesUsage::Use::kNotRead);
}

TEST(ChartArchive, NestedPackagedDependency) {
  std::vector<Entry> sub = {{"sub/Chart.yaml", "name: sub\nversion: 1.0.0\n"},
                            {"sub/templates/x.yaml", "{{ .Values.k }}"}};
  std::vector<Entry> entries = {
      {"demo/Chart.yaml", kChartYaml},
      {"demo/charts/sub-1.0.0.tgz", MakeArchive(sub)}};
  const std::string path = TestDir() + "/nested.tgz";
  WriteFile(path, MakeArchive(entries));
  absl::StatusOr<Chart> chart = Chart::Load(path);
  ASSERT_TRUE(chart.ok()) << chart.status();
  ASSERT_EQ(chart->dependencies().size(), 1u);
  EXPECT_EQ(chart->dependencies()[0].source(), path + "/charts/sub-1.0.0.tgz");
  EXPECT_EQ(ReadValuesUsage(*chart).Classify({"sub", "k"}).use,
            ValuesUsage::Use::kRead);
}

struct BadArchive {
  std::string name;
  std::vector<Entry> entries;
  std::string message;
};

class BadArchiveTest : public ::testing::TestWithParam<BadArchive> {};

TEST_P(BadArchiveTest, IsRefusedClearly) {
  const BadArchive& c = GetParam();
  const std::string path = TestDir() + "/" + c.name + ".tgz";
  WriteFile(path, MakeArchive(c.entries));
  ChartLimits limits;
  limits.max_file_bytes = 1000;
  limits.max_total_bytes = 5000;
  EXPECT_THAT(
      Chart::Load(path, limits),
      StatusIs(absl::StatusCode::kInvalidArgument,
               ::testing::AllOf(HasSubstr(path), HasSubstr(c.message))));
}

std::vector<Entry> With(Entry extra) {
  std::vector<Entry> e = {{"demo/Chart.yaml", kChartYaml}};
  e.push_back(std::move(extra));
  return e;
}

INSTANTIATE_TEST_SUITE_P(
    Unsafe, BadArchiveTest,
    ::testing::ValuesIn(std::vector<BadArchive>{
        {"dotdot", With({"demo/../../etc/passwd", "x"}), "leaves the chart"},
        {"absolute", With({"/etc/passwd", "x"}), "absolute or unsafe path"},
        {"symlink",
         With({"demo/templates/x.yaml", "", AE_IFLNK, "/etc/passwd"}),
         "not a regular file"},
        {"two_tops", With({"other/values.yaml", "x"}),
         "outside the chart's top"},
        {"big_file", With({"demo/templates/x.yaml", std::string(2000, 'a')}),
         "over the limit of 1000"},
        {"bomb",
         {{"demo/Chart.yaml", kChartYaml},
          {"demo/a", std::string(900, 'a')},
          {"demo/b", std::string(900, 'a')},
          {"demo/c", std::string(900, 'a')},
          {"demo/d", std::string(900, 'a')},
          {"demo/e", std::string(900, 'a')},
          {"demo/f", std::string(900, 'a')}},
         "expands past 5000"},
        {"no_chart_yaml", {{"demo/values.yaml", "a: 1"}}, "no Chart.yaml"},
        {"empty", {}, "empty archive"},
    }),
    [](const ::testing::TestParamInfo<BadArchive>& info) {
      return info.param.name;
    });

TEST(ChartArchive, NotAnArchive) {
  const std::string path = TestDir() + "/plain.tgz";
  WriteFile(path, "this is not gzip");
  EXPECT_THAT(Chart::Load(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("not a packaged chart")));
}

TEST(ChartDirectory, LoadsTheFixture) {
  absl::StatusOr<Chart> chart =
      Chart::Load("upgrade_core/chart/testdata/ingress-new");
  ASSERT_TRUE(chart.ok()) << chart.status();
  EXPECT_EQ(chart->name(), "ingress-nginx");
  EXPECT_EQ(chart->version(), "4.12.8");
  EXPECT_FALSE(chart->schema().has_value());
  EXPECT_EQ(chart->templates().size(), 5u);
  ValuesUsage usage = ReadValuesUsage(*chart);
  EXPECT_TRUE(usage.problems.empty());
  EXPECT_TRUE(usage.unresolved.empty());
}

TEST(ChartDirectory, Errors) {
  const std::string root = TestDir() + "/dirchart";
  mkdir(root.c_str(), 0755);
  EXPECT_THAT(Chart::Load(root), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("no Chart.yaml")));
  EXPECT_THAT(
      Chart::Load(root + "/missing"),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("no such chart")));
  WriteFile(root + "/Chart.yaml", "name: [unclosed");
  EXPECT_THAT(Chart::Load(root), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("Chart.yaml")));
  WriteFile(root + "/Chart.yaml", kChartYaml);
  WriteFile(root + "/values.yaml", "- a list\n");
  EXPECT_THAT(Chart::Load(root), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("not a mapping")));
  WriteFile(root + "/values.yaml", "a: 1\n");
  mkdir((root + "/templates").c_str(), 0755);
  // A FIFO is never opened for reading (it would block).
  ASSERT_EQ(mkfifo((root + "/templates/fifo.yaml").c_str(), 0644), 0);
  EXPECT_THAT(Chart::Load(root), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("not a regular file")));
  unlink((root + "/templates/fifo.yaml").c_str());
  WriteFile(root + "/templates/big.yaml", std::string(3000, 'x'));
  ChartLimits limits;
  limits.max_file_bytes = 1000;
  EXPECT_THAT(Chart::Load(root, limits),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1000")));
  ASSERT_EQ(symlink("/", (root + "/templates/root").c_str()), 0);
  EXPECT_THAT(Chart::Load(root), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("symbolic link")));
}

TEST(ChartFiles, DependenciesAliasesConditionsAndNesting) {
  std::map<std::string, std::string> files = {
      {"Chart.yaml",
       "name: top\nversion: 1.0.0\ndependencies:\n"
       "  - name: db\n    alias: primary\n    condition: primary.enabled\n"
       "  - name: cache\n    tags: [backend]\n"},
      {"charts/db/Chart.yaml", "name: db\nversion: 1.0.0\n"},
      {"charts/db/templates/x.yaml", "{{ .Values.port }}"},
      {"charts/cache/Chart.yaml", "name: cache\nversion: 1.0.0\n"},
      {"charts/cache/charts/inner/Chart.yaml", "name: inner\nversion: 1\n"},
      {"charts/cache/charts/inner/templates/y.yaml",
       "{{ .Values.deep }}{{ .Values.global.g }}"},
  };
  absl::StatusOr<Chart> chart = Chart::FromFiles(files, "top");
  ASSERT_TRUE(chart.ok()) << chart.status();
  ValuesUsage u = ReadValuesUsage(*chart);
  using Use = ValuesUsage::Use;
  EXPECT_EQ(u.Classify({"primary", "port"}).use, Use::kRead);
  EXPECT_EQ(u.Classify({"db", "port"}).use, Use::kNotRead);
  ValuesUsage::Verdict cond = u.Classify({"primary", "enabled"});
  ASSERT_EQ(cond.use, Use::kRead);
  EXPECT_EQ(cond.read->location.ToString(), "top/Chart.yaml:6:16");
  EXPECT_EQ(u.Classify({"tags", "backend"}).use, Use::kRead);
  EXPECT_EQ(u.Classify({"cache", "inner", "deep"}).use, Use::kRead);
  EXPECT_EQ(u.Classify({"global", "g"}).use, Use::kRead);
}

TEST(ChartFiles, WantedFiles) {
  EXPECT_TRUE(internal::WantedChartFile("Chart.yaml"));
  EXPECT_TRUE(internal::WantedChartFile("templates/a/b.tpl"));
  EXPECT_TRUE(internal::WantedChartFile("charts/x.tgz"));
  EXPECT_TRUE(internal::WantedChartFile("charts/x/values.yaml"));
  EXPECT_TRUE(internal::WantedChartFile("charts/x/charts/y/templates/z"));
  EXPECT_FALSE(internal::WantedChartFile("README.md"));
  EXPECT_FALSE(internal::WantedChartFile("charts/x/README.md"));
  EXPECT_FALSE(internal::WantedChartFile("files/x.conf"));
}

}  // namespace
}  // namespace upgrade_core::chart
