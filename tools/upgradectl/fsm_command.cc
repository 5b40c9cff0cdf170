// `upgradectl fsm`: loads a state machine definition (a YAML file, or a
// built-in lifecycle), runs the definition checks and prints them, or emits
// its diagram.
//
//   upgradectl fsm [--format text|json|mermaid|dot] <file.yaml |
//   builtin:component | builtin:plan>
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
#include "absl/strings/str_split.h"
#include "tools/upgradectl/command.h"
#include "upgrade_core/fsm/lifecycles.h"
#include "upgrade_core/fsm/state_machine.h"
#include "upgrade_core/fsm/yaml_loader.h"
#include "upgrade_core/util/json_string.h"

namespace upgrade_core::cli {
namespace {

constexpr char kUsage[] =
    "usage: upgradectl fsm [--format text|json|mermaid|dot] "
    "<file.yaml | builtin:component | builtin:plan>\n";

std::string JsonList(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const std::string& s : items) quoted.push_back(JsonQuote(s));
  return "[" + absl::StrJoin(quoted, ", ") + "]";
}

}  // namespace

int RunFsmCommand(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err) {
  std::string format = "text";
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--format" && i + 1 < args.size()) {
      format = args[++i];
    } else if (absl::StartsWith(a, "--format=")) {
      format = a.substr(9);
    } else if (a == "-h" || a == "--help") {
      out << kUsage;
      return kExitOk;
    } else if (absl::StartsWith(a, "-")) {
      err << "upgradectl fsm: unknown flag '" << a << "'\n" << kUsage;
      return kExitBadInput;
    } else {
      positional.push_back(a);
    }
  }
  if (format != "text" && format != "json" && format != "mermaid" &&
      format != "dot") {
    err << "upgradectl fsm: unknown format '" << format
        << "' (want text, json, mermaid or dot)\n";
    return kExitBadInput;
  }
  if (positional.size() != 1) {
    err << kUsage;
    return kExitBadInput;
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
      err << machine.status().message() << "\n";
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
  const std::vector<fsm::Problem> problems = machine->Check();
  if (format == "json") {
    std::vector<std::string> items;
    for (const fsm::Problem& p : problems) {
      items.push_back(absl::StrCat(
          "{\"kind\": ", JsonQuote(fsm::ProblemKindName(p.kind)),
          ", \"states\": ", JsonList(p.states), ", \"events\": ",
          JsonList(p.events), ", \"message\": ", JsonQuote(p.message), "}"));
    }
    out << "{\"machine\": " << JsonQuote(machine->name())
        << ", \"states\": " << machine->num_states()
        << ", \"events\": " << machine->num_events()
        << ", \"transitions\": " << machine->transitions().size()
        << ", \"problems\": [" << absl::StrJoin(items, ", ") << "]}\n";
  } else {
    out << (machine->name().empty() ? source : machine->name()) << ": "
        << machine->num_states() << " states, " << machine->num_events()
        << " events, " << machine->transitions().size() << " transitions\n";
    for (const fsm::Problem& p : problems) {
      out << "  " << fsm::ProblemKindName(p.kind) << ": " << p.message << "\n";
    }
    out << (problems.empty() ? "sound\n"
                             : absl::StrCat(problems.size(), " problem(s)\n"));
  }
  return problems.empty() ? kExitOk : kExitFindings;
}

}  // namespace upgrade_core::cli
