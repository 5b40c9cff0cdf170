// Chart loading: a directory walk or an archive read into one map of files,
// then one constructor from that map (FromFiles), so directories, packages
// and packages nested under charts/ all get the same checks and limits.
#include "upgrade_core/chart/chart.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "upgrade_core/document/file_reader.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::chart {
namespace {

using document::Document;

bool IsArchiveName(absl::string_view path) {
  return absl::EndsWith(path, ".tgz") || absl::EndsWith(path, ".tar.gz");
}

// Adds `bytes` to the running total; InvalidArgument past the limit.
absl::Status Account(size_t bytes, const std::string& what,
                     const ChartLimits& limits, size_t* total) {
  if (bytes > limits.max_file_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", bytes, " bytes, over the limit of ",
                     limits.max_file_bytes, " bytes for one chart file"));
  }
  *total += bytes;
  if (*total > limits.max_total_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": the chart expands past ", limits.max_total_bytes,
        " bytes in all (an archive that expands without end is refused)"));
  }
  return absl::OkStatus();
}

struct DirectoryWalk {
  const ChartLimits& limits;
  size_t* total;
  int files = 0;
  std::map<std::string, std::string> out;

  // Reads the wanted files under root/relative (relative "" is the root).
  absl::Status Walk(const std::string& root, const std::string& relative,
                    int depth) {
    if (depth > limits.max_directory_depth) {
      return absl::InvalidArgumentError(
          absl::StrCat(root, "/", relative, ": directories nested deeper than ",
                       limits.max_directory_depth));
    }
    const std::string dir = relative.empty() ? root : root + "/" + relative;
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(dir, ": cannot list the directory: ", strerror(errno)));
    }
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
      absl::string_view n = e->d_name;
      if (n == "." || n == "..") continue;
      names.emplace_back(n);
      if (++files > limits.max_files) {
        closedir(d);
        return absl::InvalidArgumentError(absl::StrCat(
            root, ": more than ", limits.max_files, " files in the chart"));
      }
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    for (const std::string& n : names) {
      const std::string rel = relative.empty() ? n : relative + "/" + n;
      const std::string full = root + "/" + rel;
      struct stat st;
      if (lstat(full.c_str(), &st) != 0) continue;  // vanished: not ours
      if (S_ISLNK(st.st_mode)) {
        // A link to a file is followed, as the plan loader follows links
        // (Bazel runfiles and mounted ConfigMaps are link farms), and read
        // through the bounded reader, which refuses anything but a regular
        // file; a link to a directory could loop, and is refused.
        struct stat target;
        if (stat(full.c_str(), &target) == 0 && S_ISDIR(target.st_mode)) {
          if (internal::WantedChartFile(rel + "/Chart.yaml") ||
              internal::WantedChartFile(rel + "/x.yaml")) {
            return absl::InvalidArgumentError(
                absl::StrCat(full,
                             ": a symbolic link to a directory is not followed "
                             "(copy the files into the chart)"));
          }
          continue;
        }
      }
      if (S_ISDIR(st.st_mode)) {
        // Only descend where wanted files can be.
        if (rel == "templates" || absl::StartsWith(rel, "templates/") ||
            rel == "charts" ||
            (absl::StartsWith(rel, "charts/") &&
             internal::WantedChartFile(rel + "/Chart.yaml"))) {
          UC_RETURN_IF_ERROR(Walk(root, rel, depth + 1));
        }
        continue;
      }
      if (!internal::WantedChartFile(rel)) continue;
      const size_t max =
          IsArchiveName(rel) ? limits.max_archive_bytes : limits.max_file_bytes;
      UC_ASSIGN_OR_RETURN(std::string text,
                          document::ReadFileBounded(full, max));
      if (!IsArchiveName(rel)) {
        UC_RETURN_IF_ERROR(Account(text.size(), full, limits, total));
      }
      out.emplace(rel, std::move(text));
    }
    return absl::OkStatus();
  }
};

absl::StatusOr<Document> ParseYamlFile(
    const std::map<std::string, std::string>& files, const std::string& name,
    const std::string& source) {
  auto it = files.find(name);
  if (it == files.end()) return Document();
  return Document::FromYaml(it->second, absl::StrCat(source, "/", name));
}

}  // namespace

namespace internal {

bool WantedChartFile(absl::string_view relative) {
  while (true) {
    if (relative == "Chart.yaml" || relative == "values.yaml" ||
        relative == "values.schema.json" ||
        absl::StartsWith(relative, "templates/")) {
      return true;
    }
    if (!absl::ConsumePrefix(&relative, "charts/")) return false;
    size_t slash = relative.find('/');
    if (slash == absl::string_view::npos) return IsArchiveName(relative);
    relative.remove_prefix(slash + 1);  // a chart directory under charts/
  }
}

}  // namespace internal

absl::StatusOr<Chart> Chart::Load(const std::string& path,
                                  const ChartLimits& limits) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat(path, ": no such chart"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot read the chart: ", strerror(errno)));
  }
  size_t total = 0;
  if (S_ISDIR(st.st_mode)) {
    DirectoryWalk walk{limits, &total, 0, {}};
    UC_RETURN_IF_ERROR(walk.Walk(path, "", 0));
    std::string source = path;
    while (source.size() > 1 && source.back() == '/') source.pop_back();
    return FromFilesAtDepth(walk.out, source, limits, 0, &total);
  }
  UC_ASSIGN_OR_RETURN(std::string bytes, document::ReadFileBounded(
                                             path, limits.max_archive_bytes));
  UC_ASSIGN_OR_RETURN(auto files,
                      internal::ReadChartArchive(bytes, path, limits, &total));
  return FromFilesAtDepth(files, path, limits, 0, &total);
}

absl::StatusOr<Chart> Chart::FromFiles(
    const std::map<std::string, std::string>& files, const std::string& source,
    const ChartLimits& limits) {
  size_t total = 0;
  for (const auto& [name, text] : files) {
    if (!IsArchiveName(name)) {
      UC_RETURN_IF_ERROR(
          Account(text.size(), source + "/" + name, limits, &total));
    }
  }
  return FromFilesAtDepth(files, source, limits, 0, &total);
}

absl::StatusOr<Chart> Chart::FromFilesAtDepth(
    const std::map<std::string, std::string>& files, const std::string& source,
    const ChartLimits& limits, int depth, size_t* total) {
  if (depth > limits.max_dependency_depth) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": charts nested under charts/ deeper than ",
                     limits.max_dependency_depth));
  }
  if (files.find("Chart.yaml") == files.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": not a Helm chart: no Chart.yaml at its top level"));
  }
  Chart chart;
  chart.source_ = source;
  UC_ASSIGN_OR_RETURN(chart.metadata_,
                      ParseYamlFile(files, "Chart.yaml", source));
  const document::Node meta = chart.metadata_.root();
  if (!meta.is_map()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, "/Chart.yaml: expected a mapping (name, version, ...)"));
  }
  if (std::optional<document::Node> n = meta.Get("name"); n && n->is_scalar()) {
    chart.name_ = std::string(n->text());
  }
  if (std::optional<document::Node> v = meta.Get("version");
      v && v->is_scalar()) {
    chart.version_ = std::string(v->text());
  }
  if (chart.name_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, "/Chart.yaml: the chart has no name"));
  }
  UC_ASSIGN_OR_RETURN(chart.values_,
                      ParseYamlFile(files, "values.yaml", source));
  if (!chart.values_.root().is_map() && !chart.values_.root().is_null()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, "/values.yaml: the top level is a ",
                     document::NodeKindName(chart.values_.root().kind()),
                     ", not a mapping of keys to values"));
  }
  if (auto it = files.find("values.schema.json"); it != files.end()) {
    UC_ASSIGN_OR_RETURN(
        chart.schema_,
        Document::FromJson(it->second, source + "/values.schema.json"));
  }
  std::map<std::string, std::map<std::string, std::string>> dep_dirs;
  for (const auto& [name, text] : files) {
    if (absl::StartsWith(name, "templates/")) {
      chart.templates_.push_back({name, absl::StrCat(source, "/", name), text});
      continue;
    }
    absl::string_view rest = name;
    if (!absl::ConsumePrefix(&rest, "charts/")) continue;
    size_t slash = rest.find('/');
    if (slash == absl::string_view::npos) {
      if (!IsArchiveName(rest)) continue;
      const std::string dep_source = absl::StrCat(source, "/", name);
      UC_ASSIGN_OR_RETURN(auto dep_files, internal::ReadChartArchive(
                                              text, dep_source, limits, total));
      UC_ASSIGN_OR_RETURN(
          Chart dep,
          FromFilesAtDepth(dep_files, dep_source, limits, depth + 1, total));
      chart.dependencies_.push_back(std::move(dep));
      continue;
    }
    dep_dirs[std::string(rest.substr(0, slash))].emplace(
        std::string(rest.substr(slash + 1)), text);
  }
  for (const auto& [dir, dep_files] : dep_dirs) {
    UC_ASSIGN_OR_RETURN(
        Chart dep,
        FromFilesAtDepth(dep_files, absl::StrCat(source, "/charts/", dir),
                         limits, depth + 1, total));
    chart.dependencies_.push_back(std::move(dep));
  }
  return chart;
}

}  // namespace upgrade_core::chart
