// File: chart.h
// -----------------------------------------------------------------------------
// A Helm chart as the checks need it: Chart.yaml, values.yaml,
// values.schema.json (when present), every file under templates/ (manifests
// and `_*.tpl` helpers alike) and its dependencies under charts/ (chart
// directories and packaged .tgz files), loaded from a chart directory or a
// packaged chart (.tgz).
//
//   absl::StatusOr<Chart> chart =
//   Chart::Load("charts/ingress-nginx-4.12.8.tgz");
//   chart->values().root().Find("controller.kind");
//   for (const TemplateFile& t : chart->templates()) ...
//
// Loading is bounded like every other input (document/file_reader.h): only
// regular files are read, every file and the chart as a whole have a size
// limit, and archives are read with libarchive, refusing entries that are
// not regular files or directories, entries whose path leaves the chart
// (absolute, `..`) and archives that expand past the limits (zip bombs).
// Files the checks do not need (README, crds/, files/) are never read.
#ifndef UPGRADE_CORE_CHART_CHART_H_
#define UPGRADE_CORE_CHART_CHART_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::chart {

struct ChartLimits {
  // Any one file the chart holds (after decompression).
  size_t max_file_bytes = size_t{4} << 20;
  // All files of the chart and its dependencies together (after
  // decompression): what bounds an archive that expands without end.
  size_t max_total_bytes = size_t{64} << 20;
  // A packaged chart (.tgz) as stored.
  size_t max_archive_bytes = size_t{32} << 20;
  // Entries in one archive or files in one directory tree.
  int max_files = 20000;
  // Directory nesting inside a chart and charts nested under charts/.
  int max_directory_depth = 32;
  int max_dependency_depth = 8;
};

struct TemplateFile {
  // Relative to the chart: "templates/_helpers.tpl".
  std::string name;
  // What locations print: "<chart source>/templates/_helpers.tpl".
  std::string source;
  std::string text;
};

class Chart {
 public:
  // A chart directory or a packaged chart (a file; gzip'd tar as `helm
  // package` writes it). Errors name the path and what was wrong:
  // NotFound, InvalidArgument (no Chart.yaml, a malformed YAML file, a limit,
  // an unsafe archive entry), PermissionDenied.
  static absl::StatusOr<Chart> Load(const std::string& path,
                                    const ChartLimits& limits = {});
  // A chart from its files, keyed by path relative to the chart root
  // ("Chart.yaml", "templates/x.yaml", "charts/dep.tgz", ...). `source`
  // prefixes every location. Used by the loaders and by tests.
  static absl::StatusOr<Chart> FromFiles(
      const std::map<std::string, std::string>& files,
      const std::string& source, const ChartLimits& limits = {});

  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  const std::string& source() const { return source_; }
  const document::Document& metadata() const { return metadata_; }
  const document::Document& values() const { return values_; }
  // values.schema.json, when the chart has one.
  const std::optional<document::Document>& schema() const { return schema_; }
  // Sorted by name.
  const std::vector<TemplateFile>& templates() const { return templates_; }
  const std::vector<Chart>& dependencies() const { return dependencies_; }

 private:
  static absl::StatusOr<Chart> FromFilesAtDepth(
      const std::map<std::string, std::string>& files,
      const std::string& source, const ChartLimits& limits, int depth,
      size_t* total);

  std::string name_;
  std::string version_;
  std::string source_;
  document::Document metadata_;
  document::Document values_;
  std::optional<document::Document> schema_;
  std::vector<TemplateFile> templates_;
  std::vector<Chart> dependencies_;
};

namespace internal {

// The files of a packaged chart (gzip'd tar) held in memory, with the chart's
// top directory ("ingress-nginx/") stripped, keeping only the files a check
// reads (see WantedChartFile). `source` names the archive in errors.
absl::StatusOr<std::map<std::string, std::string>> ReadChartArchive(
    absl::string_view bytes, const std::string& source,
    const ChartLimits& limits, size_t* total);

// Whether a path relative to a chart root is one the checks read.
bool WantedChartFile(absl::string_view relative);

}  // namespace internal

}  // namespace upgrade_core::chart

#endif  // UPGRADE_CORE_CHART_CHART_H_
