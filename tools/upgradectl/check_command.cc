// `upgradectl check`: configuration compatibility checks before an upgrade.
//
//   upgradectl check --old-defaults old/values.yaml
//       --new-defaults new/values.yaml --values my-values.yaml [--values
//       more.yaml]
//       [--manifests rendered/ ...] [--kubernetes 1.32.0]
//       [--rules my-pack.yaml | --rules builtin:workload-safety ...]
//       [--format text|json|sarif] [--fail-on error|warning|info]
//
// Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it,
// 2 bad input (unreadable or malformed file, bad flag, bad rule pack).
#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tools/upgradectl/command.h"
#include "upgrade_core/compat/chart_check.h"
#include "upgrade_core/compat/document.h"
#include "upgrade_core/compat/manifest_check.h"
#include "upgrade_core/compat/merge.h"
#include "upgrade_core/compat/rules.h"

namespace upgrade_core::cli {
namespace {

using compat::Document;
using compat::Report;
using compat::RulePack;

constexpr char kUsage[] =
    "usage: upgradectl check [--old-defaults FILE --new-defaults FILE "
    "[--values FILE]...] [--manifests FILE|DIR]... [--kubernetes VERSION] "
    "[--rules FILE|builtin:NAME]... [--format text|json|sarif] "
    "[--fail-on error|warning|info]\n";

struct Flags {
  std::string old_defaults;
  std::string new_defaults;
  std::vector<std::string> values;
  std::vector<std::string> manifests;
  std::string kubernetes;
  std::vector<std::string> rules;
  std::string format = "text";
  std::string fail_on = "error";
};

// Parses `--flag=value` / `--flag value`; repeatable flags append.
absl::StatusOr<Flags> ParseFlags(const std::vector<std::string>& args) {
  Flags f;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i], value;
    if (!absl::StartsWith(name, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument '", name, "'"));
    }
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
      }
      value = args[++i];
    }
    if (name == "--old-defaults") {
      f.old_defaults = value;
    } else if (name == "--new-defaults") {
      f.new_defaults = value;
    } else if (name == "--values") {
      f.values.push_back(value);
    } else if (name == "--manifests") {
      f.manifests.push_back(value);
    } else if (name == "--kubernetes") {
      f.kubernetes = value;
    } else if (name == "--rules") {
      f.rules.push_back(value);
    } else if (name == "--format") {
      if (value != "text" && value != "json" && value != "sarif") {
        return absl::InvalidArgumentError(absl::StrCat(
            "--format must be text, json or sarif, not '", value, "'"));
      }
      f.format = value;
    } else if (name == "--fail-on") {
      f.fail_on = value;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag '", name, "'"));
    }
  }
  if (f.old_defaults.empty() != f.new_defaults.empty()) {
    return absl::InvalidArgumentError(
        "--old-defaults and --new-defaults go together");
  }
  if (!f.values.empty() && f.old_defaults.empty()) {
    return absl::InvalidArgumentError(
        "--values needs --old-defaults and --new-defaults");
  }
  if (f.old_defaults.empty() && f.manifests.empty()) {
    return absl::InvalidArgumentError(
        "nothing to check: give --old-defaults/--new-defaults and/or "
        "--manifests");
  }
  return f;
}

// Files named by --manifests: files as given, directories expanded to their
// *.yaml/*.yml/*.json files (recursively, sorted).
absl::StatusOr<std::vector<std::string>> ManifestFiles(
    const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end;
           it.increment(ec)) {
        if (!it->is_regular_file()) continue;
        std::string ext = it->path().extension().string();
        if (ext == ".yaml" || ext == ".yml" || ext == ".json") {
          found.push_back(it->path().string());
        }
      }
      if (ec) {
        return absl::InvalidArgumentError(absl::StrCat(p, ": ", ec.message()));
      }
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

absl::StatusOr<std::vector<RulePack>> LoadPacks(
    const std::vector<std::string>& specs) {
  std::vector<RulePack> packs;
  for (const std::string& spec : specs) {
    absl::StatusOr<RulePack> p = absl::StartsWith(spec, "builtin:")
                                     ? RulePack::Builtin(spec.substr(8))
                                     : RulePack::FromFile(spec);
    if (!p.ok()) return p.status();
    packs.push_back(*std::move(p));
  }
  return packs;
}

absl::StatusOr<Report> Check(const Flags& f) {
  absl::StatusOr<compat::Severity> fail_on = compat::ParseSeverity(f.fail_on);
  if (!fail_on.ok()) return fail_on.status();
  absl::StatusOr<std::vector<RulePack>> packs = LoadPacks(f.rules);
  if (!packs.ok()) return packs.status();
  compat::RuleContext context;
  if (!f.kubernetes.empty()) context["kubernetes"] = f.kubernetes;
  Report report;
  if (!f.old_defaults.empty()) {
    absl::StatusOr<Document> old_defaults = Document::FromFile(f.old_defaults);
    if (!old_defaults.ok()) return old_defaults.status();
    absl::StatusOr<Document> new_defaults = Document::FromFile(f.new_defaults);
    if (!new_defaults.ok()) return new_defaults.status();
    std::vector<Document> files;
    std::vector<compat::Node> roots;
    for (const std::string& v : f.values) {
      absl::StatusOr<Document> d = Document::FromFile(v);
      if (!d.ok()) return d.status();
      files.push_back(*std::move(d));
      roots.push_back(files.back().root());
    }
    // Several --values files combine like `helm -f a -f b` (later wins).
    Document overrides =
        files.size() == 1
            ? files[0]
            : compat::MergeValues(compat::Node(), roots, "<values>");
    absl::StatusOr<compat::ChartUpgradeReport> chart =
        compat::CheckChartUpgrade(*old_defaults, *new_defaults, overrides,
                                  *packs, context);
    if (!chart.ok()) return chart.status();
    report.findings = std::move(chart->findings);
  }
  if (!f.manifests.empty()) {
    absl::StatusOr<std::vector<std::string>> files = ManifestFiles(f.manifests);
    if (!files.ok()) return files.status();
    std::vector<Document> docs;
    for (const std::string& file : *files) {
      absl::StatusOr<std::vector<Document>> d = Document::StreamFromFile(file);
      if (!d.ok()) return d.status();
      for (Document& doc : *d) docs.push_back(std::move(doc));
    }
    absl::StatusOr<Report> m =
        compat::CheckManifests(docs, f.kubernetes, *packs, context);
    if (!m.ok()) return m.status();
    for (compat::Finding& finding : m->findings) {
      report.findings.push_back(std::move(finding));
    }
  }
  report.Normalize();
  return report;
}

}  // namespace

int RunCheckCommand(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err) {
  absl::StatusOr<Flags> flags = ParseFlags(args);
  if (!flags.ok()) {
    err << "upgradectl check: " << flags.status().message() << "\n" << kUsage;
    return kExitBadInput;
  }
  absl::StatusOr<Report> report = Check(*flags);
  if (!report.ok()) {
    err << "upgradectl check: " << report.status().message() << "\n";
    return kExitBadInput;
  }
  if (flags->format == "json") {
    out << report->ToJson() << "\n";
  } else if (flags->format == "sarif") {
    out << report->ToSarif() << "\n";
  } else {
    out << report->ToText();
  }
  return report->ok(*compat::ParseSeverity(flags->fail_on)) ? kExitOk
                                                            : kExitFindings;
}

}  // namespace upgrade_core::cli
