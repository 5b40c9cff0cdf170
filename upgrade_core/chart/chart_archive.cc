// Packaged charts: gzip'd tar read with libarchive from memory. Everything an
// archive says about itself is checked before it is believed: entry types,
// entry paths, entry sizes (tar headers state them; the data read is counted
// as well) and the number of entries.
#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "upgrade_core/chart/chart.h"

namespace upgrade_core::chart::internal {
namespace {

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

// The entry's path inside the chart: "ingress-nginx/templates/x.yaml" ->
// "templates/x.yaml" (the top directory is the chart's name); "" for the top
// directory itself. InvalidArgument for a path that could leave the chart.
absl::StatusOr<std::string> ChartRelative(absl::string_view raw,
                                          const std::string& source,
                                          std::string* top) {
  const std::string quoted = absl::StrCat("\"", raw, "\"");
  if (raw.empty() || raw[0] == '/' || absl::StrContains(raw, '\\') ||
      absl::StrContains(raw, '\0')) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": archive entry ", quoted,
        " has an absolute or unsafe path; a chart archive holds relative "
        "paths under one top directory"));
  }
  std::vector<absl::string_view> parts;
  for (absl::string_view p : absl::StrSplit(raw, '/')) {
    if (p.empty() || p == ".") continue;
    if (p == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": archive entry ", quoted,
                       " leaves the chart (\"..\"); refusing the archive"));
    }
    parts.push_back(p);
  }
  if (parts.empty()) return std::string();
  if (top->empty()) *top = std::string(parts[0]);
  if (parts[0] != *top) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": archive entry ", quoted,
                     " is outside the chart's top "
                     "directory \"",
                     *top, "/\" (a chart archive has exactly one)"));
  }
  return absl::StrJoin(parts.begin() + 1, parts.end(), "/");
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ReadChartArchive(
    absl::string_view bytes, const std::string& source,
    const ChartLimits& limits, size_t* total) {
  std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
  if (a == nullptr) return absl::InternalError("libarchive: out of memory");
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) !=
      ARCHIVE_OK) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": not a packaged chart (expected a gzip'd tar): ",
        archive_error_string(a.get()) ? archive_error_string(a.get()) : ""));
  }
  std::map<std::string, std::string> files;
  std::string top;
  int entries = 0;
  while (true) {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": broken archive: ",
          archive_error_string(a.get()) ? archive_error_string(a.get())
                                        : "unreadable entry"));
    }
    if (++entries > limits.max_files) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": more than ", limits.max_files, " entries in the archive"));
    }
    const char* raw = archive_entry_pathname(entry);
    absl::StatusOr<std::string> rel =
        ChartRelative(raw ? raw : "", source, &top);
    if (!rel.ok()) return rel.status();
    const mode_t type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) continue;
    if (type != AE_IFREG || archive_entry_hardlink(entry) != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": archive entry \"", raw ? raw : "",
          "\" is not a regular file (a link, device or FIFO); a chart archive "
          "holds only files and directories"));
    }
    const int64_t size = archive_entry_size(entry);
    const std::string what =
        absl::StrCat(source, ": archive entry \"", raw, "\"");
    const bool nested_archive =
        absl::EndsWith(*rel, ".tgz") || absl::EndsWith(*rel, ".tar.gz");
    const size_t max =
        nested_archive ? limits.max_archive_bytes : limits.max_file_bytes;
    if (size < 0 || static_cast<uint64_t>(size) > max) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": ", size, " bytes, over the limit of ", max, " bytes"));
    }
    // Every entry counts towards the total, read or not: skipping still
    // decompresses it.
    *total += static_cast<size_t>(size);
    if (*total > limits.max_total_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": the archive expands past ", limits.max_total_bytes,
          " bytes in all (an archive that expands without end is refused)"));
    }
    if (rel->empty() || !WantedChartFile(*rel)) {
      archive_read_data_skip(a.get());
      continue;
    }
    std::string data;
    data.resize(static_cast<size_t>(size));
    size_t got = 0;
    while (got < data.size()) {
      la_ssize_t n = archive_read_data(a.get(), &data[got], data.size() - got);
      if (n < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            what, ": broken data: ",
            archive_error_string(a.get()) ? archive_error_string(a.get())
                                          : ""));
      }
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    if (got != data.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": truncated (", got, " of ", size, " bytes)"));
    }
    if (!files.emplace(*rel, std::move(data)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": the archive holds this path twice"));
    }
  }
  if (top.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": an empty archive, not a packaged chart"));
  }
  return files;
}

}  // namespace upgrade_core::chart::internal
