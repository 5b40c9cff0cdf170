// The subcommand table and dispatcher of `upgradectl`, and the helpers every
// command shares (usage errors, standard input, JSON input errors).
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "tools/upgradectl/command.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/version_info.h"

namespace upgrade_core::cli {

// Defined in <name>_command.cc; add new subcommands to kCommands below.
int RunVersionCommand(const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err);
int RunValidateCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err);
int RunPlanCommand(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err);
int RunFsmCommand(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err);
int RunCheckCommand(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err);
extern const char kVersionUsage[];
extern const char kValidateUsage[];
extern const char kPlanUsage[];
extern const char kFsmUsage[];
extern const char kCheckUsage[];
int RunSimulateCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err);
extern const char kSimulateUsage[];
int RunRunCommand(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err);
extern const char kRunUsage[];

namespace {

int RunHelp(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err);

constexpr char kHelpUsage[] =
    "usage: upgradectl help [COMMAND]\n"
    "\n"
    "Lists the commands, or shows the usage of one (same as\n"
    "`upgradectl COMMAND --help`).\n";

constexpr Command kCommands[] = {
    {"help", "show the commands, or one command's flags", kHelpUsage, RunHelp},
    {"version", "print upgradectl's version", kVersionUsage, RunVersionCommand},
    {"validate", "check an UpgradePlan (schema + safety checks)",
     kValidateUsage, RunValidateCommand},
    {"plan", "compile an UpgradePlan: --format text|json|dot|mermaid",
     kPlanUsage, RunPlanCommand},
    {"fsm", "check a state machine definition or print its diagram", kFsmUsage,
     RunFsmCommand},
    {"check", "check values/manifests before an upgrade (compat)", kCheckUsage,
     RunCheckCommand},
    {"simulate", "show what a plan would do, in simulated time", kSimulateUsage,
     RunSimulateCommand},
    {"run", "run a plan's commands, with a journal to resume from", kRunUsage,
     RunRunCommand},
};

const Command* Find(absl::string_view name) {
  for (const Command& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

void PrintOverview(std::ostream& out) {
  out << "usage: upgradectl <command> [flags] [FILE]\n"
         "       upgradectl <command> --help    every flag of a command\n"
         "       upgradectl --version\n"
         "\ncommands:\n";
  for (const Command& c : kCommands) {
    out << absl::StrFormat("  %-10s %s\n", c.name, c.summary);
  }
  out << "\nA file argument \"-\" reads standard input (one per command).\n"
         "exit codes: 0 ok, 1 findings/failure, 2 bad input\n";
}

int RunHelp(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err) {
  if (args.empty()) {
    PrintOverview(out);
    return kExitOk;
  }
  const Command* c = args.size() == 1 ? Find(args[0]) : nullptr;
  if (c == nullptr) {
    return UsageError("help", absl::StrCat("no command '", args[0], "'"), err);
  }
  out << c->usage;
  return kExitOk;
}

bool IsHelpFlag(absl::string_view arg) {
  return arg == "--help" || arg == "-h";
}

// A leading "file:line:col: " (line and column > 0) of `text`; advances
// `text` past it.
bool ConsumeLineColumn(absl::string_view& text, int& line, int& column) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::MaxSplits(':', 2));
  if (parts.size() != 3 || !absl::StartsWith(parts[2], " ")) return false;
  int l = 0, c = 0;
  if (!absl::SimpleAtoi(parts[0], &l) || !absl::SimpleAtoi(parts[1], &c) ||
      l <= 0 || c <= 0) {
    return false;
  }
  line = l;
  column = c;
  text = absl::StripLeadingAsciiWhitespace(parts[2]);
  return true;
}

}  // namespace

absl::Span<const Command> Commands() { return kCommands; }

std::string VersionLine() {
  return absl::StrCat("upgradectl ", kVersion, " (plan schema ",
                      plan::kPlanApiVersion, ", JSON output version ",
                      kJsonOutputVersion, ")");
}

int UsageError(absl::string_view command, absl::string_view message,
               std::ostream& err) {
  err << "upgradectl " << command << ": " << message << "\n"
      << "Run 'upgradectl " << command << " --help' for its usage.\n";
  return kExitBadInput;
}

bool AtMostOneStdin(absl::string_view command,
                    const std::vector<std::string>& paths, std::ostream& err) {
  int n = 0;
  for (const std::string& p : paths) n += p == "-";
  if (n <= 1) return true;
  UsageError(command,
             absl::StrCat("only one argument may be \"-\" (standard input is "
                          "read once); got ",
                          n),
             err);
  return false;
}

std::string InputErrorJson(const absl::Status& status, absl::string_view file,
                           absl::string_view code) {
  const std::string name = file == "-" ? "<stdin>" : std::string(file);
  // Only a named file can be unreadable (a missing built-in rule pack is
  // NotFound too).
  const bool unreadable =
      !name.empty() && (status.code() == absl::StatusCode::kNotFound ||
                        status.code() == absl::StatusCode::kPermissionDenied ||
                        status.code() == absl::StatusCode::kInternal ||
                        status.code() == absl::StatusCode::kDataLoss ||
                        status.code() == absl::StatusCode::kUnavailable);
  struct Line {
    std::string message;
    std::string file;
    std::string code;
    int line = 0, column = 0;
  };
  std::vector<Line> lines;
  for (absl::string_view text : absl::StrSplit(status.message(), '\n')) {
    text = absl::StripAsciiWhitespace(text);
    if (text.empty()) continue;
    Line l;
    l.file = name;
    absl::string_view rest = text;
    bool about_file = false;  // "file: message", no position
    if (!name.empty() && absl::ConsumePrefix(&rest, name) &&
        absl::ConsumePrefix(&rest, ":")) {
      if (!ConsumeLineColumn(rest, l.line, l.column)) {
        rest = absl::StripLeadingAsciiWhitespace(rest);
        about_file = true;
      }
    } else {
      rest = text;
    }
    l.message = std::string(rest);
    if (unreadable || about_file) {
      l.code = "input.unreadable";
    } else if (!code.empty()) {
      l.code = std::string(code);
    } else if (l.line > 0) {
      l.code = absl::EndsWith(name, ".json") ? "json.syntax" : "yaml.syntax";
    } else {
      l.code = "input.invalid";
    }
    lines.push_back(std::move(l));
  }
  std::vector<diag::Diagnostic> diagnostics;
  for (const Line& l : lines) {
    diag::Diagnostic& d = diagnostics.emplace_back();
    d.code = l.code;
    d.message = l.message;
    d.location = {l.file, l.line, l.column};
  }
  return diag::DiagnosticsJson(diagnostics, false) + "\n";
}

int RunUpgradectl(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err) {
  if (args.empty()) {
    PrintOverview(err);
    return kExitBadInput;
  }
  if (IsHelpFlag(args[0])) return RunHelp({}, out, err);
  if (args[0] == "--version") {
    if (args.size() > 1) {
      return UsageError("version", "--version takes no arguments", err);
    }
    out << VersionLine() << "\n";
    return kExitOk;
  }
  const Command* c = Find(args[0]);
  if (c == nullptr) {
    err << "upgradectl: unknown command '" << args[0]
        << "' (run 'upgradectl help')\n";
    return kExitBadInput;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  for (const std::string& a : rest) {
    if (IsHelpFlag(a)) {
      out << c->usage;
      return kExitOk;
    }
  }
  return c->run(rest, out, err);
}

}  // namespace upgrade_core::cli
