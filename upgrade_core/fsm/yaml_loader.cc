// YAML -> StateMachineDefinition, with line/column on every error.
#include "upgrade_core/fsm/yaml_loader.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "yaml-cpp/yaml.h"

namespace upgrade_core::fsm {
namespace {

std::string Where(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return absl::StrCat("line ", mark.line + 1, ", column ", mark.column + 1);
}

std::string Where(const YAML::Node& node) { return Where(node.Mark()); }

class Parser {
 public:
  absl::StatusOr<StateMachineDefinition> Parse(absl::string_view yaml) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(e.mark), ": YAML syntax error: ", e.msg));
    }
    if (!root.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(
          root.IsNull() ? "" : Where(root) + ": ",
          "a state machine definition must be a mapping with initial, "
          "states and transitions"));
    }
    StateMachineDefinition def;
    bool has_states = false, has_initial = false, has_transitions = false;
    std::vector<std::string> seen;
    for (const auto& kv : root) {
      if (!FirstTime(kv.first, seen)) continue;
      const std::string key = kv.first.Scalar();
      const YAML::Node& value = kv.second;
      if (key == "name") {
        Scalar(value, "name", &def.name);
      } else if (key == "initial") {
        has_initial = true;
        def.initial_where = Where(value);
        Scalar(value, "initial", &def.initial);
      } else if (key == "terminal") {
        def.terminal_where = Where(value);
        if (value.IsScalar()) {
          def.terminal.push_back(value.Scalar());
        } else {
          ScalarList(value, "terminal", &def.terminal);
        }
      } else if (key == "states") {
        has_states = true;
        States(value, &def);
      } else if (key == "events") {
        ScalarList(value, "events", &def.events);
        if (value.IsSequence() && value.size() == 0) {
          Error(value, "events: empty list (omit the key to infer events)");
        }
      } else if (key == "transitions") {
        has_transitions = true;
        Transitions(value, &def);
      } else {
        Error(kv.first,
              absl::StrCat("unknown key '", key,
                           "' (want name, initial, terminal, states, events, "
                           "transitions)"));
      }
    }
    if (!has_initial) Error(root, "missing key 'initial'");
    if (!has_states) Error(root, "missing key 'states'");
    if (!has_transitions) Error(root, "missing key 'transitions'");
    if (!errors_.empty()) {
      return absl::InvalidArgumentError(absl::StrJoin(errors_, "\n"));
    }
    return def;
  }

 private:
  void Error(const YAML::Node& node, absl::string_view message) {
    std::string where = Where(node);
    errors_.push_back(where.empty() ? std::string(message)
                                    : absl::StrCat(where, ": ", message));
  }

  bool Scalar(const YAML::Node& node, absl::string_view what,
              std::string* out) {
    if (!node.IsScalar() || node.Scalar().empty()) {
      Error(node, absl::StrCat(what, ": want a name"));
      return false;
    }
    *out = node.Scalar();
    return true;
  }

  void ScalarList(const YAML::Node& node, absl::string_view what,
                  std::vector<std::string>* out) {
    if (!node.IsSequence()) {
      Error(node, absl::StrCat(what, ": want a list of names"));
      return;
    }
    for (const YAML::Node& item : node) {
      std::string name;
      if (Scalar(item, what, &name)) out->push_back(std::move(name));
    }
  }

  void States(const YAML::Node& node, StateMachineDefinition* def) {
    if (!node.IsSequence()) {
      Error(node, "states: want a list");
      return;
    }
    for (const YAML::Node& item : node) {
      StateDef state;
      state.where = Where(item);
      if (item.IsScalar()) {
        Scalar(item, "states", &state.name);
      } else if (item.IsMap()) {
        std::vector<std::string> seen;
        for (const auto& kv : item) {
          if (!FirstTime(kv.first, seen)) continue;
          const std::string key = kv.first.Scalar();
          if (key == "name") {
            Scalar(kv.second, "name", &state.name);
          } else if (key == "on_entry") {
            Scalar(kv.second, "on_entry", &state.on_entry);
          } else if (key == "on_exit") {
            Scalar(kv.second, "on_exit", &state.on_exit);
          } else {
            Error(kv.first, absl::StrCat("unknown state key '", key,
                                         "' (want name, on_entry, on_exit)"));
          }
        }
        if (!item["name"]) Error(item, "state without a name");
      } else {
        Error(item, "states: want a name or {name, on_entry, on_exit}");
        continue;
      }
      def->states.push_back(std::move(state));
    }
  }

  void Transitions(const YAML::Node& node, StateMachineDefinition* def) {
    if (!node.IsSequence()) {
      Error(node, "transitions: want a list");
      return;
    }
    for (const YAML::Node& item : node) {
      if (!item.IsMap()) {
        Error(item, "transition: want {from, event, to[, guard, action]}");
        continue;
      }
      TransitionDef row;
      row.where = Where(item);
      bool ok = true;
      std::vector<std::string> seen;
      for (const auto& kv : item) {
        if (!FirstTime(kv.first, seen)) {
          ok = false;
          continue;
        }
        const std::string key = kv.first.Scalar();
        std::string* field = key == "from"     ? &row.from
                             : key == "event"  ? &row.event
                             : key == "to"     ? &row.to
                             : key == "guard"  ? &row.guard
                             : key == "action" ? &row.action
                                               : nullptr;
        if (field == nullptr) {
          Error(kv.first,
                absl::StrCat("unknown transition key '", key,
                             "' (want from, event, to, guard, action)"));
          ok = false;
        } else if (!Scalar(kv.second, key, field)) {
          ok = false;
        }
      }
      for (const char* key : {"from", "event", "to"}) {
        if (!item[key]) {
          Error(item, absl::StrCat("transition without '", key, "'"));
          ok = false;
        }
      }
      if (ok) def->transitions.push_back(std::move(row));
    }
  }

  // yaml-cpp keeps both entries of a repeated key; the second would
  // silently win, so a repeated key is an error.
  bool FirstTime(const YAML::Node& key, std::vector<std::string>& seen) {
    const std::string& name = key.Scalar();
    for (const std::string& s : seen) {
      if (s == name) {
        Error(key, absl::StrCat("duplicate key '", name, "'"));
        return false;
      }
    }
    seen.push_back(name);
    return true;
  }

  std::vector<std::string> errors_;
};

}  // namespace

absl::StatusOr<StateMachineDefinition> ParseStateMachineYaml(
    absl::string_view yaml) {
  return Parser().Parse(yaml);
}

absl::StatusOr<StateMachine> StateMachineFromYaml(absl::string_view yaml) {
  absl::StatusOr<StateMachineDefinition> def = ParseStateMachineYaml(yaml);
  if (!def.ok()) return def.status();
  return StateMachine::Create(*std::move(def));
}

}  // namespace upgrade_core::fsm
