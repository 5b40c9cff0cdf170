// StateMachine: validation, compilation, checks and diagram output.
#include "upgrade_core/fsm/state_machine.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/fsm/internal/dispatch.h"

namespace upgrade_core::fsm {

using internal::CompiledTransition;
using internal::kNoTransition;
using internal::kPlainBit;
namespace {

// Names are identifiers so that they can be used verbatim in Mermaid, DOT,
// YAML and Python without quoting surprises.
bool IsIdentifier(absl::string_view name) {
  if (name.empty()) return false;
  if (!absl::ascii_isalpha(name[0]) && name[0] != '_') return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return true;
}

std::string Prefix(const std::string& where) {
  return where.empty() ? "" : absl::StrCat(where, ": ");
}

std::string RowName(const TransitionDef& row) {
  std::string text = absl::StrCat(row.from, " --", row.event, "--> ", row.to);
  if (!row.guard.empty()) absl::StrAppend(&text, " [", row.guard, "]");
  return text;
}

// "defs.yaml:7:5: " or "transition 3 (a --e--> b): ".
std::string RowPrefix(const TransitionDef& row, size_t index) {
  if (!row.where.empty()) return absl::StrCat(row.where, ": ");
  return absl::StrCat("transition ", index + 1, " (", RowName(row), "): ");
}

// Interns names into a vector, hashed so that a definition with many
// distinct guards or actions stays linear.
class Interner {
 public:
  explicit Interner(std::vector<std::string>& names) : names_(names) {}
  int32_t operator()(absl::string_view name) {
    auto [it, inserted] =
        index_.emplace(std::string(name), static_cast<int32_t>(names_.size()));
    if (inserted) names_.emplace_back(name);
    return it->second;
  }

 private:
  std::vector<std::string>& names_;
  absl::flat_hash_map<std::string, int32_t> index_;
};

std::string Label(const StateMachine& machine, const CompiledTransition& t) {
  std::string label = machine.event_name(t.event);
  if (t.guard >= 0) {
    absl::StrAppend(&label, " [", t.negate_guard ? "!" : "",
                    machine.guard_names()[t.guard], "]");
  }
  if (t.action >= 0) {
    absl::StrAppend(&label, " / ", machine.action_names()[t.action]);
  }
  return label;
}

// Rows in definition order (the compiled table is grouped by state/event).
std::vector<const CompiledTransition*> RowsInDefinitionOrder(
    const StateMachine& machine) {
  std::vector<const CompiledTransition*> rows(
      internal::Dispatch::Rows(machine).size());
  for (const CompiledTransition& t : internal::Dispatch::Rows(machine))
    rows[t.row] = &t;
  return rows;
}

}  // namespace

absl::string_view DefinitionProblemKindName(DefinitionProblemKind kind) {
  switch (kind) {
    case DefinitionProblemKind::kUnreachableState:
      return "unreachable_state";
    case DefinitionProblemKind::kDeadEnd:
      return "dead_end";
    case DefinitionProblemKind::kTerminalHasTransitions:
      return "terminal_has_transitions";
    case DefinitionProblemKind::kAmbiguousTransition:
      return "ambiguous_transition";
    case DefinitionProblemKind::kUnusedEvent:
      return "unused_event";
  }
  return "unknown";
}

absl::StatusOr<StateMachine> StateMachine::Create(
    StateMachineDefinition definition) {
  auto impl = std::make_shared<Impl>();
  std::vector<std::string> errors;

  // States.
  if (definition.states.empty()) errors.push_back("no states declared");
  if (definition.states.size() >= kMaxNames) {
    errors.push_back(absl::StrCat("too many states (", definition.states.size(),
                                  "; at most ", kMaxNames - 1, ")"));
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }
  for (size_t i = 0; i < definition.states.size(); ++i) {
    const StateDef& state = definition.states[i];
    if (!IsIdentifier(state.name)) {
      errors.push_back(absl::StrCat(Prefix(state.where), "invalid state name '",
                                    state.name,
                                    "' (want letters, digits and '_')"));
      continue;
    }
    if (!impl->state_index.emplace(state.name, static_cast<StateId>(i))
             .second) {
      errors.push_back(absl::StrCat(Prefix(state.where), "duplicate state '",
                                    state.name, "'"));
    }
  }
  auto find_state = [&](const std::string& name) -> std::optional<StateId> {
    auto it = impl->state_index.find(name);
    if (it == impl->state_index.end()) return std::nullopt;
    return it->second;
  };

  // Events: declared up front, or implicitly by first use.
  const bool events_declared = !definition.events.empty();
  for (const std::string& event : definition.events) {
    if (!IsIdentifier(event)) {
      errors.push_back(absl::StrCat("invalid event name '", event, "'"));
      continue;
    }
    if (impl->event_index.contains(event)) {
      errors.push_back(absl::StrCat("duplicate event '", event, "'"));
      continue;
    }
    impl->event_index.emplace(event,
                              static_cast<EventId>(impl->event_names.size()));
    impl->event_names.push_back(event);
  }

  // Initial and terminal states.
  if (definition.initial.empty()) {
    errors.push_back("no initial state");
  } else if (auto id = find_state(definition.initial)) {
    impl->initial = *id;
  } else {
    errors.push_back(absl::StrCat(Prefix(definition.initial_where),
                                  "unknown initial state '", definition.initial,
                                  "'"));
  }
  impl->terminal.assign(definition.states.size(), false);
  for (const std::string& name : definition.terminal) {
    if (auto id = find_state(name)) {
      impl->terminal[*id] = true;
    } else {
      errors.push_back(absl::StrCat(Prefix(definition.terminal_where),
                                    "unknown terminal state '", name, "'"));
    }
  }

  // Entry/exit actions.
  impl->entry.assign(definition.states.size(), -1);
  impl->exit.assign(definition.states.size(), -1);
  Interner intern_action(impl->action_names);
  Interner intern_guard(impl->guard_names);
  for (size_t i = 0; i < definition.states.size(); ++i) {
    const StateDef& state = definition.states[i];
    for (const auto& [action, slot] :
         {std::make_pair(&state.on_entry, &impl->entry[i]),
          std::make_pair(&state.on_exit, &impl->exit[i])}) {
      if (action->empty()) continue;
      if (!IsIdentifier(*action)) {
        errors.push_back(absl::StrCat(Prefix(state.where),
                                      "invalid action name '", *action,
                                      "' on state '", state.name, "'"));
        continue;
      }
      *slot = intern_action(*action);
    }
  }

  // Rows.
  struct RowKey {
    StateId from;
    EventId event;
    size_t row;
  };
  std::vector<RowKey> keys;
  std::vector<CompiledTransition> rows;
  for (size_t i = 0; i < definition.transitions.size(); ++i) {
    const TransitionDef& row = definition.transitions[i];
    const std::string prefix = RowPrefix(row, i);
    bool ok = true;
    std::optional<StateId> from = find_state(row.from);
    if (!from) {
      errors.push_back(absl::StrCat(prefix, "unknown state '", row.from, "'"));
      ok = false;
    }
    std::optional<StateId> to = find_state(row.to);
    if (!to) {
      errors.push_back(absl::StrCat(prefix, "unknown state '", row.to, "'"));
      ok = false;
    }
    std::optional<EventId> event;
    if (auto it = impl->event_index.find(row.event);
        it != impl->event_index.end()) {
      event = it->second;
    } else if (!IsIdentifier(row.event)) {
      errors.push_back(
          absl::StrCat(prefix, "invalid event name '", row.event, "'"));
      ok = false;
    } else if (events_declared) {
      errors.push_back(absl::StrCat(prefix, "unknown event '", row.event,
                                    "' (not in events)"));
      ok = false;
    } else if (impl->event_names.size() + 1 >= kMaxNames) {
      errors.push_back(absl::StrCat(prefix, "too many events"));
      ok = false;
    } else {
      event = static_cast<EventId>(impl->event_names.size());
      impl->event_index.emplace(row.event, *event);
      impl->event_names.push_back(row.event);
    }
    CompiledTransition t{};
    t.guard = -1;
    t.action = -1;
    t.row = static_cast<int32_t>(i);
    if (!row.guard.empty()) {
      absl::string_view guard = row.guard;
      t.negate_guard = !guard.empty() && guard[0] == '!';
      if (t.negate_guard) guard.remove_prefix(1);
      if (!IsIdentifier(guard)) {
        errors.push_back(absl::StrCat(prefix, "invalid guard '", row.guard,
                                      "' (want name or !name)"));
        ok = false;
      } else {
        t.guard = intern_guard(guard);
      }
    }
    if (!row.action.empty()) {
      if (!IsIdentifier(row.action)) {
        errors.push_back(
            absl::StrCat(prefix, "invalid action name '", row.action, "'"));
        ok = false;
      } else {
        t.action = intern_action(row.action);
      }
    }
    if (!ok) continue;
    t.from = *from;
    t.event = *event;
    t.to = *to;
    rows.push_back(t);
  }

  // Group candidates by (from, event), keeping definition order within each
  // group (it is the order guards are tried in).
  std::stable_sort(
      rows.begin(), rows.end(),
      [](const CompiledTransition& a, const CompiledTransition& b) {
        return std::tie(a.from, a.event) < std::tie(b.from, b.event);
      });
  // Within each (from, event) group, the first row seen per guard; hashed so
  // that a group of thousands of guarded rows stays linear.
  absl::flat_hash_map<int64_t, size_t> first_in_group;
  for (size_t i = 0; i < rows.size(); ++i) {
    const CompiledTransition& b = rows[i];
    if (i > 0 && (b.from != rows[i - 1].from || b.event != rows[i - 1].event) &&
        !first_in_group.empty()) {
      first_in_group = {};  // not clear(): that costs the old capacity
    }
    const int64_t guard_key = 2 * int64_t{b.guard} + (b.negate_guard ? 1 : 0);
    auto [seen, inserted] = first_in_group.emplace(guard_key, i);
    if (inserted) continue;
    const TransitionDef& first = definition.transitions[rows[seen->second].row];
    const TransitionDef& dup = definition.transitions[b.row];
    errors.push_back(absl::StrCat(
        RowPrefix(dup, b.row), "duplicate transition from '", dup.from,
        "' on event '", dup.event, "'",
        dup.guard.empty() ? "" : absl::StrCat(" with guard '", dup.guard, "'"),
        " (first defined ",
        first.where.empty()
            ? absl::StrCat("as transition ", rows[seen->second].row + 1)
            : absl::StrCat("at ", first.where),
        ")"));
  }

  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }

  // The dispatch tables are dense (states x events cells, two of them): a
  // clear error instead of a failed allocation for absurd definitions.
  const uint64_t cells =
      uint64_t{definition.states.size()} * impl->event_names.size();
  if (cells > kMaxTableCells) {
    return absl::InvalidArgumentError(absl::StrCat(
        "state machine too large: ", definition.states.size(), " states x ",
        impl->event_names.size(), " events = ", cells,
        " transition table cells, over the limit of ", kMaxTableCells,
        " (StateMachine::kMaxTableCells); split it into smaller machines"));
  }
  impl->num_states = static_cast<int>(definition.states.size());
  impl->num_events = static_cast<int>(impl->event_names.size());
  impl->compiled = std::move(rows);
  impl->table.assign(static_cast<size_t>(impl->num_states) * impl->num_events,
                     kNoTransition);
  for (size_t i = impl->compiled.size(); i-- > 0;) {
    const CompiledTransition& t = impl->compiled[i];
    impl->table[static_cast<size_t>(t.from) * impl->num_events + t.event] =
        static_cast<uint32_t>(i);
  }
  while ((1 << impl->event_shift) < impl->num_events) ++impl->event_shift;
  impl->dispatch.assign(static_cast<size_t>(impl->num_states)
                            << impl->event_shift,
                        kNoTransition);
  for (int s = 0; s < impl->num_states; ++s) {
    for (int e = 0; e < impl->num_events; ++e) {
      const uint32_t first =
          impl->table[static_cast<size_t>(s) * impl->num_events + e];
      uint32_t& cell =
          impl->dispatch[(static_cast<size_t>(s) << impl->event_shift) + e];
      cell = first;
      if (first == kNoTransition) continue;
      const CompiledTransition& t = impl->compiled[first];
      const bool single = first + 1 == impl->compiled.size() ||
                          impl->compiled[first + 1].from != t.from ||
                          impl->compiled[first + 1].event != t.event;
      if (single && t.guard < 0 && t.action < 0 && impl->exit[t.from] < 0 &&
          impl->entry[t.to] < 0) {
        cell = kPlainBit | (static_cast<uint32_t>(t.to) << impl->event_shift);
      }
    }
  }
  impl->definition = std::move(definition);
  return StateMachine(std::move(impl));
}

std::optional<StateId> StateMachine::FindState(absl::string_view name) const {
  auto it = impl_->state_index.find(name);
  if (it == impl_->state_index.end()) return std::nullopt;
  return it->second;
}

std::optional<EventId> StateMachine::FindEvent(absl::string_view name) const {
  auto it = impl_->event_index.find(name);
  if (it == impl_->event_index.end()) return std::nullopt;
  return it->second;
}

std::optional<StateId> StateMachine::Target(
    StateId state, EventId event,
    absl::FunctionRef<bool(int32_t guard)> guard_value) const {
  for (uint32_t r = internal::Dispatch::FirstCandidate(*this, state, event);
       r != kNoTransition; ++r) {
    const CompiledTransition& row = impl_->compiled[r];
    if (row.guard < 0 || guard_value(row.guard) != row.negate_guard) {
      return row.to;
    }
    if (internal::Dispatch::IsLastCandidate(*this, r)) break;
  }
  return std::nullopt;
}

std::vector<EventId> StateMachine::AllowedEvents(StateId state) const {
  std::vector<EventId> events;
  for (int e = 0; e < impl_->num_events; ++e) {
    if (internal::Dispatch::FirstCandidate(
            *this, state, static_cast<EventId>(e)) != kNoTransition) {
      events.push_back(static_cast<EventId>(e));
    }
  }
  return events;
}

std::vector<std::string> StateMachine::AllowedEventNames(StateId state) const {
  std::vector<std::string> names;
  for (EventId e : AllowedEvents(state)) names.push_back(event_name(e));
  return names;
}

std::vector<DefinitionProblem> StateMachine::Check() const {
  std::vector<DefinitionProblem> problems;
  const int n = num_states();
  std::vector<std::vector<StateId>> out(n);
  std::vector<bool> event_used(num_events(), false);
  for (const CompiledTransition& t : impl_->compiled) {
    out[t.from].push_back(t.to);
    event_used[t.event] = true;
  }

  // Reachability from the initial state, guards ignored.
  std::vector<bool> reached(n, false);
  std::deque<StateId> queue = {initial()};
  reached[initial()] = true;
  while (!queue.empty()) {
    StateId s = queue.front();
    queue.pop_front();
    for (StateId to : out[s]) {
      if (!reached[to]) {
        reached[to] = true;
        queue.push_back(to);
      }
    }
  }
  for (StateId s = 0; s < n; ++s) {
    if (reached[s]) continue;
    problems.push_back(
        {DefinitionProblemKind::kUnreachableState,
         {state_name(s)},
         {},
         absl::StrCat("state '", state_name(s),
                      "' is unreachable from the initial state '",
                      state_name(initial()), "'")});
  }
  for (StateId s = 0; s < n; ++s) {
    if (is_terminal(s) || !out[s].empty()) continue;
    problems.push_back(
        {DefinitionProblemKind::kDeadEnd,
         {state_name(s)},
         {},
         absl::StrCat("state '", state_name(s),
                      "' is not terminal but has no outgoing transitions")});
  }
  for (StateId s = 0; s < n; ++s) {
    if (!is_terminal(s) || out[s].empty()) continue;
    std::vector<std::string> events = AllowedEventNames(s);
    problems.push_back({DefinitionProblemKind::kTerminalHasTransitions,
                        {state_name(s)},
                        events,
                        absl::StrCat("terminal state '", state_name(s),
                                     "' has outgoing transitions on: ",
                                     absl::StrJoin(events, ", "))});
  }

  // Candidates on one (state, event) are exclusive when each later row is
  // the complement of an earlier one ("g" then "!g"), or is the unguarded
  // last row (an "else"). Anything else means two rows could both apply and
  // only declaration order decides.
  const auto& rows = impl_->compiled;
  for (size_t begin = 0; begin < rows.size();) {
    size_t end = begin + 1;
    while (end < rows.size() && rows[end].from == rows[begin].from &&
           rows[end].event == rows[begin].event) {
      ++end;
    }
    bool ambiguous = false;
    for (size_t i = begin; i < end && !ambiguous; ++i) {
      for (size_t j = i + 1; j < end; ++j) {
        const CompiledTransition& a = rows[i];
        const CompiledTransition& b = rows[j];
        bool complementary = a.guard >= 0 && a.guard == b.guard &&
                             a.negate_guard != b.negate_guard;
        bool else_branch = j + 1 == end && b.guard < 0 && a.guard >= 0;
        if (!complementary && !else_branch) {
          ambiguous = true;
          break;
        }
      }
    }
    if (ambiguous) {
      std::vector<std::string> states = {state_name(rows[begin].from)};
      std::vector<std::string> guards;
      for (size_t i = begin; i < end; ++i) {
        const TransitionDef& def = impl_->definition.transitions[rows[i].row];
        if (std::find(states.begin(), states.end(), def.to) == states.end()) {
          states.push_back(def.to);
        }
        guards.push_back(absl::StrCat(
            def.to, def.guard.empty() ? " (unguarded)"
                                      : absl::StrCat(" [", def.guard, "]")));
      }
      const std::string& event = event_name(rows[begin].event);
      problems.push_back(
          {DefinitionProblemKind::kAmbiguousTransition,
           states,
           {event},
           absl::StrCat("state '", states[0], "' has ", end - begin,
                        " transitions on event '", event,
                        "' whose guards are not mutually exclusive: -> ",
                        absl::StrJoin(guards, ", -> "))});
    }
    begin = end;
  }

  for (EventId e = 0; e < num_events(); ++e) {
    if (event_used[e]) continue;
    problems.push_back(
        {DefinitionProblemKind::kUnusedEvent,
         {},
         {event_name(e)},
         absl::StrCat("event '", event_name(e),
                      "' is declared but no transition uses it")});
  }
  return problems;
}

std::string StateMachine::ToMermaid() const {
  std::string out = "stateDiagram-v2\n";
  absl::StrAppend(&out, "    [*] --> ", state_name(initial()), "\n");
  std::vector<bool> mentioned(num_states(), false);
  mentioned[initial()] = true;
  for (const CompiledTransition* t : RowsInDefinitionOrder(*this)) {
    absl::StrAppend(&out, "    ", state_name(t->from), " --> ",
                    state_name(t->to), " : ", Label(*this, *t), "\n");
    mentioned[t->from] = mentioned[t->to] = true;
  }
  for (StateId s = 0; s < num_states(); ++s) {
    if (!mentioned[s]) absl::StrAppend(&out, "    ", state_name(s), "\n");
  }
  for (StateId s = 0; s < num_states(); ++s) {
    if (is_terminal(s))
      absl::StrAppend(&out, "    ", state_name(s), " --> [*]\n");
  }
  return out;
}

std::string StateMachine::ToDot() const {
  std::string out =
      absl::StrCat("digraph \"", name().empty() ? "state_machine" : name(),
                   "\" {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n"
                   "  \"__initial\" [shape=point, label=\"\"];\n");
  for (StateId s = 0; s < num_states(); ++s) {
    absl::StrAppend(&out, "  \"", state_name(s), "\"",
                    is_terminal(s) ? " [peripheries=2]" : "", ";\n");
  }
  absl::StrAppend(&out, "  \"__initial\" -> \"", state_name(initial()),
                  "\";\n");
  for (const CompiledTransition* t : RowsInDefinitionOrder(*this)) {
    absl::StrAppend(&out, "  \"", state_name(t->from), "\" -> \"",
                    state_name(t->to), "\" [label=\"", Label(*this, *t),
                    "\"];\n");
  }
  absl::StrAppend(&out, "}\n");
  return out;
}

}  // namespace upgrade_core::fsm
