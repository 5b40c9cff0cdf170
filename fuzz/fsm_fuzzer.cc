// Fuzz target: state machine definitions in YAML
// (upgrade_core/fsm/yaml_loader.h) and the instances that run them.
//
// The input is the definition's YAML. What loads is compiled, checked,
// rendered and then run: up to 64 events, each picked by a byte of the input,
// with every guard bound to a function that answers from the input's bits.
//
// Properties:
//   * StateMachineFromYaml(text) succeeds iff ParseStateMachineYaml(text)
//     and StateMachine::Create of its result do;
//   * names resolve back: FindState(state_name(i)) == i, same for events;
//   * every compiled row is reachable from the dispatch table:
//     FirstCandidate(from, event) is a row of that (from, event);
//   * running: Fire(e) succeeds only when a row exists for (state, e), and
//     then the new state is the target of one of its candidate rows; a
//     rejected Fire leaves the state unchanged; the full history records
//     exactly the transitions taken.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "upgrade_core/fsm/instance.h"
#include "upgrade_core/fsm/internal/dispatch.h"
#include "upgrade_core/fsm/state_machine.h"
#include "upgrade_core/fsm/yaml_loader.h"

namespace {

using upgrade_core::fsm::Callbacks;
using upgrade_core::fsm::EventId;
using upgrade_core::fsm::HistoryEntry;
using upgrade_core::fsm::HistoryMode;
using upgrade_core::fsm::Instance;
using upgrade_core::fsm::StateId;
using upgrade_core::fsm::StateMachine;
using upgrade_core::fsm::StateMachineDefinition;

// The bits of the input, round and round: guard answers.
struct Bits {
  absl::string_view data;
  size_t next = 0;
  bool Take() {
    if (data.empty()) return true;
    size_t i = next++;
    return (static_cast<uint8_t>(data[(i / 8) % data.size()]) >> (i % 8)) & 1;
  }
};

void Run(const StateMachine& m, absl::string_view input) {
  Bits bits{input};
  Callbacks<Bits> callbacks;
  for (const std::string& g : m.guard_names()) {
    callbacks.Guard(g, [](Bits& b) { return b.Take(); });
  }
  int actions_run = 0;
  for (const std::string& a : m.action_names()) {
    callbacks.Action(a, [&actions_run](Bits&, const upgrade_core::fsm::Step&) {
      ++actions_run;
    });
  }
  absl::StatusOr<Instance<Bits>> run =
      Instance<Bits>::Create(m, std::move(callbacks), {HistoryMode::kFull, 0});
  FUZZ_CHECK(run.ok(), absl::StrCat("Instance::Create with every guard "
                                    "bound failed: ",
                                    run.status().ToString()));
  FUZZ_CHECK(run->state() == m.initial(), "instance not in the initial state");
  if (m.num_events() == 0) return;
  std::vector<HistoryEntry> taken;
  for (size_t i = 0; i < 64 && i < input.size(); ++i) {
    const StateId before = run->state();
    const EventId e =
        static_cast<EventId>(static_cast<uint8_t>(input[i]) % m.num_events());
    const uint32_t first =
        upgrade_core::fsm::internal::Dispatch::FirstCandidate(m, before, e);
    absl::Status s = run->Fire(e, bits);
    if (!s.ok()) {
      FUZZ_CHECK(run->state() == before,
                 absl::StrCat("rejected Fire(", m.event_name(e),
                              ") changed the state"));
      continue;
    }
    FUZZ_CHECK(first != upgrade_core::fsm::internal::kNoTransition,
               absl::StrCat("Fire(", m.event_name(e), ") succeeded in ",
                            m.state_name(before), " without a row"));
    bool target_of_candidate = false;
    for (uint32_t r = first;; ++r) {
      const auto& row = upgrade_core::fsm::internal::Dispatch::Rows(m)[r];
      FUZZ_CHECK(
          row.from == before && row.event == e,
          absl::StrCat("candidate row ", r, " is not for (",
                       m.state_name(before), ", ", m.event_name(e), ")"));
      if (row.to == run->state()) target_of_candidate = true;
      if (upgrade_core::fsm::internal::Dispatch::IsLastCandidate(m, r)) break;
    }
    FUZZ_CHECK(
        target_of_candidate,
        absl::StrCat("Fire(", m.event_name(e), ") from ", m.state_name(before),
                     " went to ", run->state_name(), ", no row's target"));
    taken.push_back(
        HistoryEntry{before, e, run->state(), absl::InfinitePast()});
  }
  FUZZ_CHECK(run->History() == taken,
             absl::StrCat("history has ", run->History().size(), " entries, ",
                          taken.size(), " transitions taken"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  upgrade_core::fuzz::CurrentInput() = input;
  absl::StatusOr<StateMachineDefinition> def =
      upgrade_core::fsm::ParseStateMachineYaml(input);
  absl::StatusOr<StateMachine> direct =
      upgrade_core::fsm::StateMachineFromYaml(input);
  absl::StatusOr<StateMachine> created =
      def.ok() ? StateMachine::Create(*def)
               : absl::StatusOr<StateMachine>(def.status());
  FUZZ_CHECK(direct.ok() == created.ok(),
             absl::StrCat("StateMachineFromYaml: ", direct.status().ToString(),
                          "; Parse + Create: ", created.status().ToString()));
  if (!direct.ok()) return 0;
  const StateMachine& m = *direct;

  for (int i = 0; i < m.num_states(); ++i) {
    auto found = m.FindState(m.state_name(i));
    FUZZ_CHECK(found && *found == i,
               absl::StrCat("state \"", m.state_name(i), "\" does not find ",
                            "itself"));
  }
  for (int i = 0; i < m.num_events(); ++i) {
    auto found = m.FindEvent(m.event_name(i));
    FUZZ_CHECK(found && *found == i,
               absl::StrCat("event \"", m.event_name(i), "\" does not find ",
                            "itself"));
  }
  const auto& rows = upgrade_core::fsm::internal::Dispatch::Rows(m);
  for (size_t r = 0; r < rows.size(); ++r) {
    FUZZ_CHECK(rows[r].from < m.num_states() && rows[r].to < m.num_states() &&
                   rows[r].event < m.num_events(),
               absl::StrCat("row ", r, " out of range"));
    uint32_t first = upgrade_core::fsm::internal::Dispatch::FirstCandidate(
        m, rows[r].from, rows[r].event);
    FUZZ_CHECK(first != upgrade_core::fsm::internal::kNoTransition &&
                   first <= r && rows[first].from == rows[r].from &&
                   rows[first].event == rows[r].event,
               absl::StrCat("row ", r, " is not reached by the table"));
  }
  for (int s = 0; s < m.num_states(); ++s) {
    (void)m.AllowedEventNames(static_cast<StateId>(s));
  }
  (void)m.Check();
  (void)m.ToMermaid();
  (void)m.ToDot();
  Run(m, input);
  return 0;
}
