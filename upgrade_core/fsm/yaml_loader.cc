// YAML -> StateMachineDefinition through the shared document loader
// (document::Document: libyaml, source locations, hostile-input limits), so a
// definition file gets the same parser, limits and `file:line:col` errors as
// every other input.
#include "upgrade_core/fsm/yaml_loader.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/document/file_reader.h"

namespace upgrade_core::fsm {
namespace {

using document::Node;

// Walks the definition document. Every error is prefixed with where it was
// written: the node's `file:line:col`, or (for documents built from Python
// data, which have no lines a user wrote) its path in the data,
// "transitions[0].from".
class Parser {
 public:
  explicit Parser(DefinitionLocations locations) : locations_(locations) {}

  absl::StatusOr<StateMachineDefinition> Parse(const Node& root) {
    if (!root.is_map()) {
      return absl::InvalidArgumentError(absl::StrCat(
          root.is_null() || locations_ == DefinitionLocations::kPaths
              ? ""
              : Where(root, "") + ": ",
          "a state machine definition must be a mapping with initial, "
          "states and transitions"));
    }
    StateMachineDefinition def;
    bool has_states = false, has_initial = false, has_transitions = false;
    for (size_t i = 0; i < root.size(); ++i) {
      const absl::string_view key = root.key(i);
      const Node value = root.child(i);
      const std::string path(key);
      if (key == "name") {
        Scalar(value, path, &def.name);
      } else if (key == "initial") {
        has_initial = true;
        def.initial_where = Where(value, path);
        Scalar(value, path, &def.initial);
      } else if (key == "terminal") {
        def.terminal_where = Where(value, path);
        if (value.is_scalar() && !value.is_null()) {
          Scalar(value, path, &def.terminal.emplace_back());
        } else {
          ScalarList(value, path, &def.terminal);
        }
      } else if (key == "states") {
        has_states = true;
        States(value, &def);
      } else if (key == "events") {
        ScalarList(value, path, &def.events);
        if (value.is_list() && value.size() == 0) {
          Error(value, path, "empty list (omit the key to infer events)");
        }
      } else if (key == "transitions") {
        has_transitions = true;
        Transitions(value, &def);
      } else {
        Error(root.key_location(i), "",
              absl::StrCat("unknown key '", key,
                           "' (want name, initial, terminal, states, events, "
                           "transitions)"));
      }
    }
    if (!has_initial) Error(root, "", "missing key 'initial'");
    if (!has_states) Error(root, "", "missing key 'states'");
    if (!has_transitions) Error(root, "", "missing key 'transitions'");
    if (!errors_.empty()) {
      return absl::InvalidArgumentError(absl::StrJoin(errors_, "\n"));
    }
    return def;
  }

 private:
  // "file:line:col" or the path ("" for the root in path mode).
  std::string Where(const document::Location& location,
                    const std::string& path) const {
    if (locations_ == DefinitionLocations::kPaths) return path;
    return location.known() ? location.ToString() : "";
  }
  std::string Where(const Node& node, const std::string& path) const {
    return Where(node.location(), path);
  }

  // "file:line:col: path: message" (or "path: message").
  void Error(const document::Location& location, const std::string& path,
             absl::string_view message) {
    std::string at = Where(location, path);
    if (locations_ == DefinitionLocations::kSource && !path.empty()) {
      at = at.empty() ? path : absl::StrCat(at, ": ", path);
    }
    errors_.push_back(at.empty() ? std::string(message)
                                 : absl::StrCat(at, ": ", message));
  }
  void Error(const Node& node, const std::string& path,
             absl::string_view message) {
    Error(node.location(), path, message);
  }

  // A name: a non-empty scalar, taken as written (`yes` is the name "yes").
  bool Scalar(const Node& node, const std::string& path, std::string* out) {
    if (!node.is_scalar() || node.is_null() || node.text().empty()) {
      Error(node, path,
            absl::StrCat("want a name, got ",
                         node.is_scalar() && !node.is_null()
                             ? "an empty string"
                             : document::NodeKindName(node.kind())));
      return false;
    }
    *out = std::string(node.text());
    return true;
  }

  void ScalarList(const Node& node, const std::string& path,
                  std::vector<std::string>* out) {
    if (!node.is_list()) {
      Error(node, path,
            absl::StrCat("want a list of names, got ",
                         document::NodeKindName(node.kind())));
      return;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      std::string name;
      if (Scalar(node.child(i), absl::StrCat(path, "[", i, "]"), &name)) {
        out->push_back(std::move(name));
      }
    }
  }

  void States(const Node& node, StateMachineDefinition* def) {
    if (!node.is_list()) {
      Error(node, "states", "want a list");
      return;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      const Node item = node.child(i);
      const std::string path = absl::StrCat("states[", i, "]");
      StateDef state;
      state.where = Where(item, path);
      if (item.is_map()) {
        bool named = false;
        for (size_t k = 0; k < item.size(); ++k) {
          const absl::string_view key = item.key(k);
          const Node value = item.child(k);
          const std::string field = absl::StrCat(path, ".", key);
          if (key == "name") {
            named = true;
            Scalar(value, field, &state.name);
          } else if (key == "on_entry") {
            Scalar(value, field, &state.on_entry);
          } else if (key == "on_exit") {
            Scalar(value, field, &state.on_exit);
          } else {
            Error(item.key_location(k), path,
                  absl::StrCat("unknown state key '", key,
                               "' (want name, on_entry, on_exit)"));
          }
        }
        if (!named) Error(item, path, "state without a name");
      } else if (item.is_list()) {
        Error(item, path, "want a name or {name, on_entry, on_exit}");
        continue;
      } else {
        Scalar(item, path, &state.name);
      }
      def->states.push_back(std::move(state));
    }
  }

  void Transitions(const Node& node, StateMachineDefinition* def) {
    if (!node.is_list()) {
      Error(node, "transitions", "want a list");
      return;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      const Node item = node.child(i);
      const std::string path = absl::StrCat("transitions[", i, "]");
      if (!item.is_map()) {
        Error(item, path, "want {from, event, to[, guard, action]}");
        continue;
      }
      TransitionDef row;
      row.where = Where(item, path);
      bool ok = true;
      bool has[3] = {false, false, false};
      for (size_t k = 0; k < item.size(); ++k) {
        const absl::string_view key = item.key(k);
        std::string* field = key == "from"     ? &row.from
                             : key == "event"  ? &row.event
                             : key == "to"     ? &row.to
                             : key == "guard"  ? &row.guard
                             : key == "action" ? &row.action
                                               : nullptr;
        if (field == nullptr) {
          Error(item.key_location(k), path,
                absl::StrCat("unknown transition key '", key,
                             "' (want from, event, to, guard, action)"));
          ok = false;
          continue;
        }
        if (field == &row.from) has[0] = true;
        if (field == &row.event) has[1] = true;
        if (field == &row.to) has[2] = true;
        // An optional guard or action may be null (Python None): absent.
        if ((field == &row.guard || field == &row.action) &&
            item.child(k).is_null()) {
          continue;
        }
        if (!Scalar(item.child(k), absl::StrCat(path, ".", key), field)) {
          ok = false;
        }
      }
      const char* required[] = {"from", "event", "to"};
      for (int r = 0; r < 3; ++r) {
        if (!has[r]) {
          Error(item, path,
                absl::StrCat("transition without '", required[r], "'"));
          ok = false;
        }
      }
      if (ok) def->transitions.push_back(std::move(row));
    }
  }

  const DefinitionLocations locations_;
  std::vector<std::string> errors_;
};

}  // namespace

absl::StatusOr<StateMachineDefinition> StateMachineDefinitionFromDocument(
    const document::Node& root, DefinitionLocations locations) {
  return Parser(locations).Parse(root);
}

absl::StatusOr<StateMachineDefinition> ParseStateMachineYaml(
    absl::string_view yaml, absl::string_view source) {
  // Duplicate keys, a second document, bad UTF-8 and the size, depth and
  // alias limits are the document loader's errors, located like ours.
  absl::StatusOr<document::Document> doc =
      document::Document::FromYaml(yaml, source);
  if (!doc.ok()) return doc.status();
  return Parser(DefinitionLocations::kSource).Parse(doc->root());
}

absl::StatusOr<StateMachine> StateMachineFromYaml(absl::string_view yaml,
                                                  absl::string_view source) {
  absl::StatusOr<StateMachineDefinition> def =
      ParseStateMachineYaml(yaml, source);
  if (!def.ok()) return def.status();
  return StateMachine::Create(*std::move(def));
}

absl::StatusOr<StateMachine> StateMachineFromFile(absl::string_view path) {
  absl::StatusOr<std::string> text = document::ReadFileBounded(path);
  if (!text.ok()) return text.status();
  return StateMachineFromYaml(*text, path == "-" ? "<stdin>" : path);
}

}  // namespace upgrade_core::fsm
