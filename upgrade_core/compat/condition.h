// File: condition.h (internal to upgrade_core/compat; not exported)
// -----------------------------------------------------------------------------
// The condition language of rule packs (the `when`, `match` and `related`
// fields; docs/compat-rules.md#conditions): its parsed form, the parser and the
// evaluator. It is its own file because three places use it — the pack loader
// parses conditions, the per-kind evaluation runs them, and the type names
// (`type: int`) are shared with the `type-changed` kind — and none of them
// needs to know how a condition is walked.
//
//   when:
//     all:
//       - {path: controller.kind, equals: DaemonSet}
//       - each: "webhooks[*]"
//         when: {path: failurePolicy, equals: Fail}
//       - {context: kubernetes, ge: "1.30.0"}
#ifndef UPGRADE_CORE_COMPAT_CONDITION_H_
#define UPGRADE_CORE_COMPAT_CONDITION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/compat/rules.h"
#include "upgrade_core/compat/version_eval.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/document/path.h"

namespace upgrade_core::compat::internal {

using VersionConstraintPtr = std::shared_ptr<const VersionConstraint>;

// The InvalidArgument error of a pack that does not load:
// "rules.yaml:3:17: rule 'x': <what>" ('?' when the id is not known yet).
absl::Status LoadError(const document::Location& loc, absl::string_view rule_id,
                       absl::string_view what);

// Type names accepted by `type:` (a condition test, or a type-changed rule),
// as a bit mask over NodeKind.
constexpr uint32_t Bit(document::NodeKind k) {
  return 1u << static_cast<int>(k);
}

// `n` is one type name or a list of them: null, bool, int, float, number,
// string, scalar, map, list (and the aliases boolean, integer, object, array).
// InvalidArgument naming an unknown one.
absl::StatusOr<uint32_t> ParseTypeMask(const document::Node& n);

// "int or string": the mask's kinds, for messages.
std::string TypeMaskText(uint32_t mask);

// Scalars compare by number when both are numbers (1 == 1.0), else exactly.
bool ScalarEquals(const document::Node& a, const document::Node& b);

// A parsed condition: a tree of all/any/not/each over leaf tests.
struct Condition {
  enum class Op { kAll, kAny, kNot, kLeaf, kEach };
  enum class Cmp {
    kExists,
    kAbsent,  // `exists: false`
    kEquals,
    kNotEquals,
    kIn,
    kNotIn,
    kGt,
    kGe,
    kLt,
    kLe,
    kMatches,
    kType,
    kConstraint,
    kSubsetOf,
  };
  Op op = Op::kLeaf;
  // kEach: children[0] must hold for some element `each` selects (paths
  // inside are relative to that element; `$root.` reaches the document).
  document::Path each;
  bool each_from_root = false;
  bool path_from_root = false;
  bool operand_from_root = false;
  // kAll/kAny: every child; kNot/kEach: exactly one.
  std::vector<Condition> children;
  // Leaf subject: a path in the document (has_path) or a context value.
  bool has_path = false;
  document::Path path;
  std::string context;
  Cmp cmp = Cmp::kExists;
  // The test's operand as written. A handle into the pack's document: valid
  // while the RuleData that owns this condition (its `source`) is alive.
  document::Node operand;
  // The operand is `{path: P}`: compare against the values P selects.
  bool operand_is_path = false;
  document::Path operand_path;
  std::shared_ptr<const std::regex> regex;  // kMatches
  VersionConstraintPtr constraint;          // kConstraint
  uint32_t type_mask = 0;                   // kType
};

// Parses the condition at `n`; a LoadError naming `rule_id` on any problem
// (unknown test, bad path, bad regex, bad constraint, misplaced operator).
absl::StatusOr<Condition> ParseCondition(const document::Node& n,
                                         absl::string_view rule_id);

// What made a condition hold: the first node a passing test selected, so a
// finding can point at it. Unset when nothing in the document did (e.g. a
// context test, or `not`).
struct Witness {
  bool set = false;
  std::string path;
  document::Location location;
};

// Evaluates conditions against one document and a context. Not thread-safe
// (an `each` moves the scope while it runs); cheap to construct. `doc` and
// `context` must outlive it.
class ConditionEvaluator {
 public:
  ConditionEvaluator(const document::Node& doc, const RuleContext& context)
      : doc_(doc), scope_(doc), context_(context) {}

  // Whether `c` holds; records what made it hold in `*w` if `w` is unset.
  // Errors only for a context value that is not a version where one is
  // needed (`constraint`, `gt`, ...), naming the context key.
  absl::StatusOr<bool> Eval(const Condition& c, Witness* w);

 private:
  absl::StatusOr<bool> Leaf(const Condition& c, Witness* w);
  absl::StatusOr<bool> Test(const Condition& c, const document::Node& v);
  absl::StatusOr<bool> ContextLeaf(const Condition& c);

  document::Node doc_;
  document::Node scope_;  // what relative paths start from (an `each` element)
  std::string prefix_;    // printed path of scope_
  const RuleContext& context_;
};

}  // namespace upgrade_core::compat::internal

#endif  // UPGRADE_CORE_COMPAT_CONDITION_H_
