// `upgradectl check`: configuration compatibility checks before an upgrade.
// The flags are in kCheckUsage (`upgradectl check --help`).
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
#include "upgrade_core/chart/chart.h"
#include "upgrade_core/compat/chart_check.h"
#include "upgrade_core/compat/manifest_check.h"
#include "upgrade_core/compat/merge.h"
#include "upgrade_core/compat/rule_help.h"
#include "upgrade_core/compat/rules.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::cli {

extern const char kCheckUsage[] =
    "usage: upgradectl check [--old-defaults FILE --new-defaults FILE\n"
    "                         | --old-chart PATH --new-chart PATH\n"
    "                         | --chart PATH]\n"
    "                        [--values FILE]... [--manifests FILE|DIR]...\n"
    "                        [--kubernetes VERSION] [--rules "
    "FILE|builtin:NAME]...\n"
    "                        [--format text|json|sarif] "
    "[--fail-on error|warning|info]\n"
    "\n"
    "Checks a chart's values and/or rendered manifests before an upgrade\n"
    "(docs/compat-findings.md). Give a chart (--old-defaults and\n"
    "--new-defaults, or --old-chart and --new-chart), manifests, or both.\n"
    "Flags take `--flag VALUE` or\n"
    "`--flag=VALUE`; a FILE of \"-\" reads standard input (one at most).\n"
    "\n"
    "  --old-defaults FILE   the chart's values.yaml before the upgrade\n"
    "  --new-defaults FILE   the chart's values.yaml after it\n"
    "  --old-chart PATH      the chart before the upgrade: a chart directory\n"
    "                        or a packaged .tgz; its templates are read too,\n"
    "                        to tell which values it really reads\n"
    "                        (docs/compat-chart-check.md)\n"
    "  --new-chart PATH      the chart after it; its templates are also\n"
    "                        evaluated with the new effective values to\n"
    "                        predict render failures (chart/render-*)\n"
    "  --chart PATH          only predict where this chart fails to render\n"
    "                        with its defaults and --values\n"
    "                        (docs/compat-chart-render.md)\n"
    "  --values FILE         your overrides (repeatable; combined like\n"
    "                        `helm -f a -f b`, later wins); needs the "
    "defaults\n"
    "                        or the charts\n"
    "  --manifests FILE|DIR  rendered manifests (repeatable); a directory is\n"
    "                        searched recursively for *.yaml, *.yml, *.json\n"
    "  --kubernetes VERSION  the target Kubernetes version, e.g. 1.32.0\n"
    "  --rules FILE|builtin:NAME\n"
    "                        a rule pack to apply (repeatable): a YAML file\n"
    "                        or a built-in pack (kubernetes-apis,\n"
    "                        workload-safety, version-skew); without it,\n"
    "                        manifests get kubernetes-apis and\n"
    "                        workload-safety\n"
    "  --format text|json|sarif\n"
    "                        output (default text); json is the diagnostics\n"
    "                        document, also for an unreadable or malformed\n"
    "                        input; sarif is SARIF 2.1.0\n"
    "  --fail-on error|warning|info\n"
    "                        the severity that fails the check (default "
    "error)\n"
    "  -h, --help            show this help\n"
    "\n"
    "exit codes: 0 nothing at or above --fail-on, 1 findings at or above it,\n"
    "            2 bad input (unreadable or malformed file, bad flag or rule "
    "pack)\n";

namespace {

using compat::RulePack;
using diag::Report;
using document::Document;

struct Flags {
  std::string old_defaults;
  std::string new_defaults;
  std::string old_chart;
  std::string new_chart;
  std::string chart;  // --chart: the render check alone
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
    } else if (name == "--old-chart") {
      f.old_chart = value;
    } else if (name == "--new-chart") {
      f.new_chart = value;
    } else if (name == "--chart") {
      f.chart = value;
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
      if (absl::Status s = diag::ParseSeverity(value).status(); !s.ok()) {
        return s;
      }
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
  if (f.old_chart.empty() != f.new_chart.empty()) {
    return absl::InvalidArgumentError(
        "--old-chart and --new-chart go together");
  }
  if (!f.old_chart.empty() && !f.old_defaults.empty()) {
    return absl::InvalidArgumentError(
        "give --old-chart/--new-chart or --old-defaults/--new-defaults, not "
        "both (a chart brings its own values.yaml)");
  }
  if (!f.chart.empty() && (!f.old_chart.empty() || !f.old_defaults.empty() ||
                           !f.new_chart.empty() || !f.new_defaults.empty())) {
    return absl::InvalidArgumentError(
        "--chart checks one chart's rendering; give it without "
        "--old-chart/--new-chart or --old-defaults/--new-defaults");
  }
  if (f.old_chart == "-" || f.new_chart == "-" || f.chart == "-") {
    return absl::InvalidArgumentError(
        "--old-chart and --new-chart name a directory or a .tgz file, not "
        "standard input");
  }
  if (!f.values.empty() && f.old_defaults.empty() && f.old_chart.empty() &&
      f.chart.empty()) {
    return absl::InvalidArgumentError(
        "--values needs --old-defaults and --new-defaults (or --old-chart "
        "and --new-chart)");
  }
  if (f.old_defaults.empty() && f.old_chart.empty() && f.chart.empty() &&
      f.manifests.empty()) {
    return absl::InvalidArgumentError(
        "nothing to check: give --old-defaults/--new-defaults, "
        "--old-chart/--new-chart, --chart and/or --manifests");
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

// Why Check() failed: the file it was loading ("" for none) and the
// diagnostic code for JSON output ("" to derive it from the status).
struct Failure {
  std::string file;
  std::string code;
};

absl::StatusOr<std::vector<RulePack>> LoadPacks(
    const std::vector<std::string>& specs, Failure& failure) {
  std::vector<RulePack> packs;
  for (const std::string& spec : specs) {
    const bool builtin = absl::StartsWith(spec, "builtin:");
    failure = {builtin ? "" : spec, "rules.invalid"};
    absl::StatusOr<RulePack> p =
        builtin ? RulePack::Builtin(spec.substr(8)) : RulePack::FromFile(spec);
    if (!p.ok()) return p.status();
    packs.push_back(*std::move(p));
  }
  return packs;
}

// Document::FromFile, remembering the file in `failure`.
absl::StatusOr<Document> Load(const std::string& path, Failure& failure) {
  failure = {path, ""};
  return Document::FromFile(path);
}

// chart::Chart::Load, remembering the chart in `failure`.
absl::StatusOr<chart::Chart> LoadChart(const std::string& path,
                                       Failure& failure) {
  failure = {path, ""};
  return chart::Chart::Load(path);
}

// The --values files combined like `helm -f a -f b` (later wins).
absl::StatusOr<Document> LoadOverrides(const std::vector<std::string>& values,
                                       Failure& failure) {
  std::vector<Document> files;
  std::vector<document::Node> roots;
  for (const std::string& v : values) {
    absl::StatusOr<Document> d = Load(v, failure);
    if (!d.ok()) return d.status();
    files.push_back(*std::move(d));
    roots.push_back(files.back().root());
  }
  failure = {};
  return files.size() == 1
             ? files[0]
             : compat::MergeValues(document::Node(), roots, "<values>");
}

absl::StatusOr<Report> Check(const Flags& f, Failure& failure) {
  absl::StatusOr<diag::Severity> fail_on = diag::ParseSeverity(f.fail_on);
  if (!fail_on.ok()) return fail_on.status();
  absl::StatusOr<std::vector<RulePack>> packs = LoadPacks(f.rules, failure);
  if (!packs.ok()) return packs.status();
  compat::RuleContext context;
  if (!f.kubernetes.empty()) context["kubernetes"] = f.kubernetes;
  Report report;
  if (!f.old_chart.empty()) {
    absl::StatusOr<chart::Chart> old_chart = LoadChart(f.old_chart, failure);
    if (!old_chart.ok()) return old_chart.status();
    absl::StatusOr<chart::Chart> new_chart = LoadChart(f.new_chart, failure);
    if (!new_chart.ok()) return new_chart.status();
    absl::StatusOr<Document> overrides = LoadOverrides(f.values, failure);
    if (!overrides.ok()) return overrides.status();
    absl::StatusOr<compat::ChartUpgradeReport> checked =
        compat::CheckChartUpgrade(*old_chart, *new_chart, *overrides, *packs,
                                  context);
    if (!checked.ok()) return checked.status();
    report.findings = std::move(checked->findings);
  }
  if (!f.chart.empty()) {
    absl::StatusOr<chart::Chart> chart = LoadChart(f.chart, failure);
    if (!chart.ok()) return chart.status();
    std::vector<Document> files;
    for (const std::string& v : f.values) {
      absl::StatusOr<Document> d = Load(v, failure);
      if (!d.ok()) return d.status();
      files.push_back(*std::move(d));
    }
    failure = {};
    absl::StatusOr<compat::ChartRenderReport> rendered =
        compat::CheckChartRender(*chart, files);
    if (!rendered.ok()) return rendered.status();
    report.findings = std::move(rendered->findings);
  }
  if (!f.old_defaults.empty()) {
    absl::StatusOr<Document> old_defaults = Load(f.old_defaults, failure);
    if (!old_defaults.ok()) return old_defaults.status();
    absl::StatusOr<Document> new_defaults = Load(f.new_defaults, failure);
    if (!new_defaults.ok()) return new_defaults.status();
    absl::StatusOr<Document> overrides = LoadOverrides(f.values, failure);
    if (!overrides.ok()) return overrides.status();
    absl::StatusOr<compat::ChartUpgradeReport> chart =
        compat::CheckChartUpgrade(*old_defaults, *new_defaults, *overrides,
                                  *packs, context);
    if (!chart.ok()) return chart.status();
    report.findings = std::move(chart->findings);
  }
  if (!f.manifests.empty()) {
    failure = {};
    absl::StatusOr<std::vector<std::string>> files = ManifestFiles(f.manifests);
    if (!files.ok()) return files.status();
    std::vector<Document> docs;
    for (const std::string& file : *files) {
      failure = {file, ""};
      absl::StatusOr<std::vector<Document>> d = Document::StreamFromFile(file);
      if (!d.ok()) return d.status();
      for (Document& doc : *d) docs.push_back(std::move(doc));
    }
    failure = {};
    absl::StatusOr<Report> m =
        compat::CheckManifests(docs, f.kubernetes, *packs, context);
    if (!m.ok()) return m.status();
    for (diag::Diagnostic& finding : m->findings) {
      report.findings.push_back(std::move(finding));
    }
  }
  report.Normalize();
  // SARIF rules[].help for the rules of the user's own packs (the built-in
  // ones are known to compat::RuleHelp).
  for (const RulePack& pack : *packs) {
    for (const compat::Rule& r : pack.rules()) {
      if (compat::RuleHelp(r.id).empty()) {
        report.rule_help[r.id] =
            compat::PackRuleHelp(compat::RuleKindName(r.kind), r.hint);
      }
    }
  }
  return report;
}

}  // namespace

int RunCheckCommand(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err) {
  absl::StatusOr<Flags> flags = ParseFlags(args);
  if (!flags.ok()) return UsageError("check", flags.status().message(), err);
  std::vector<std::string> files = {flags->old_defaults, flags->new_defaults};
  files.insert(files.end(), flags->values.begin(), flags->values.end());
  files.insert(files.end(), flags->manifests.begin(), flags->manifests.end());
  files.insert(files.end(), flags->rules.begin(), flags->rules.end());
  if (!AtMostOneStdin("check", files, err)) return kExitBadInput;
  Failure failure;
  absl::StatusOr<Report> report = Check(*flags, failure);
  if (!report.ok()) {
    if (flags->format == "json") {
      out << InputErrorJson(report.status(), failure.file, failure.code);
    } else {
      err << "upgradectl check: " << report.status().message() << "\n";
    }
    return kExitBadInput;
  }
  if (flags->format == "json") {
    out << report->ToJson() << "\n";
  } else if (flags->format == "sarif") {
    out << report->ToSarif(compat::RuleHelp) << "\n";
  } else {
    out << report->ToText();
  }
  return report->ok(*diag::ParseSeverity(flags->fail_on)) ? kExitOk
                                                          : kExitFindings;
}

}  // namespace upgrade_core::cli
