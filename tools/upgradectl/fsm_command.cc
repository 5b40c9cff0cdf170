// `upgradectl fsm`: loads a state machine definition (a YAML file, or a
// built-in lifecycle), runs the definition checks and prints them, or emits
// its diagram. The flags are in kFsmUsage (`upgradectl fsm --help`).
//
// Exit codes: 0 sound (or a diagram was printed), 1 the checks found
// problems (text/json), 2 bad input (unreadable file, invalid definition with
// line/column, bad flag).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/upgradectl/command.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/fsm/lifecycles.h"
#include "upgrade_core/fsm/state_machine.h"
#include "upgrade_core/fsm/yaml_loader.h"
#include "upgrade_core/util/json_string.h"
#include "upgrade_core/version_info.h"

namespace upgrade_core::cli {

extern const char kFsmUsage[] =
    "usage: upgradectl fsm [--format text|json|mermaid|dot]\n"
    "                      FILE.yaml|-|builtin:component|builtin:plan\n"
    "\n"
    "Loads a state machine definition (docs/fsm.md) and runs its checks, or\n"
    "prints its diagram.\n"
    "\n"
    "  FILE.yaml             a definition; \"-\" reads it from standard input\n"
    "  builtin:component     the component lifecycle\n"
    "  builtin:plan          the plan lifecycle\n"
    "  --format text|json|mermaid|dot\n"
    "                        output (default text): the checks (text, json)\n"
    "                        or a diagram (mermaid, dot); json prints the\n"
    "                        diagnostics document for an unreadable or\n"
    "                        invalid definition\n"
    "  -h, --help            show this help\n"
    "\n"
    "exit codes: 0 sound (or a diagram was printed), 1 the checks found\n"
    "            problems, 2 bad input (unreadable file, invalid definition,\n"
    "            bad flag)\n";

namespace {}  // namespace

int RunFsmCommand(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err) {
  std::string format = "text";
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--format") {
      if (i + 1 >= args.size()) {
        return UsageError("fsm", "--format needs a value", err);
      }
      format = args[++i];
    } else if (absl::StartsWith(a, "--format=")) {
      format = a.substr(9);
    } else if (absl::StartsWith(a, "-") && a != "-") {
      return UsageError("fsm", absl::StrCat("unknown flag '", a, "'"), err);
    } else {
      positional.push_back(a);
    }
  }
  if (format != "text" && format != "json" && format != "mermaid" &&
      format != "dot") {
    return UsageError("fsm",
                      absl::StrCat("unknown format '", format,
                                   "' (want text, json, mermaid or dot)"),
                      err);
  }
  if (positional.size() != 1) {
    return UsageError(
        "fsm",
        positional.empty()
            ? "no definition given (FILE.yaml, -, builtin:component or "
              "builtin:plan)"
            : "one definition only",
        err);
  }
  const std::string& source = positional[0];
  absl::StatusOr<fsm::StateMachine> machine;
  if (source == "builtin:component") {
    machine = fsm::ComponentLifecycle();
  } else if (source == "builtin:plan") {
    machine = fsm::PlanLifecycle();
  } else {
    // Bounded, regular files only, `-` for standard input; every problem is
    // already `file:line:col: message`, one per line.
    machine = fsm::StateMachineFromFile(source);
    if (!machine.ok()) {
      if (format == "json") {
        out << InputErrorJson(machine.status(), source,
                              "fsm.invalid-definition");
      } else {
        err << machine.status().message() << "\n";
      }
      return kExitBadInput;
    }
  }
  if (format == "mermaid") {
    out << machine->ToMermaid();
    return kExitOk;
  }
  if (format == "dot") {
    out << machine->ToDot();
    return kExitOk;
  }
  // The definition checks' problems as the diagnostics every command prints
  // (diag/report.h): code "fsm.<kind>", the states and events as the path.
  std::vector<diag::Diagnostic> problems;
  for (const fsm::DefinitionProblem& p : machine->Check()) {
    diag::Diagnostic& d = problems.emplace_back();
    d.code = absl::StrCat("fsm.", fsm::DefinitionProblemKindName(p.kind));
    d.message = p.message;
    std::vector<std::string> where;
    if (!p.states.empty()) {
      where.push_back(absl::StrCat("states ", absl::StrJoin(p.states, ",")));
    }
    if (!p.events.empty()) {
      where.push_back(absl::StrCat("events ", absl::StrJoin(p.events, ",")));
    }
    d.path = absl::StrJoin(where, "; ");
    d.location.source = source;
  }
  if (format == "json") {
    out << "{\"version\":" << kJsonOutputVersion
        << ",\"ok\":" << (problems.empty() ? "true" : "false")
        << ",\"machine\":" << JsonQuote(machine->name())
        << ",\"states\":" << machine->num_states()
        << ",\"events\":" << machine->num_events()
        << ",\"transitions\":" << machine->definition().transitions.size()
        << ",";
    std::string members;
    diag::AppendDiagnosticsMembers(&members, problems);
    out << members << "}\n";
  } else {
    out << (machine->name().empty() ? source : machine->name()) << ": "
        << machine->num_states() << " states, " << machine->num_events()
        << " events, " << machine->definition().transitions.size()
        << " transitions\n";
    for (const diag::Diagnostic& d : problems) {
      out << "  " << diag::FormatDiagnostic(d) << "\n";
    }
    out << (problems.empty() ? "sound\n"
                             : absl::StrCat(problems.size(), " problem(s)\n"));
  }
  return problems.empty() ? kExitOk : kExitFindings;
}

}  // namespace upgrade_core::cli
