// Constraint parsing and matching with Masterminds semver v3.4.0 semantics.
//
// Masterminds parses with four regular expressions; this is a hand-written
// scanner that accepts exactly the same strings and splits them the same way:
//   1. rewriteRange: every leftmost match of  \s*(CV)\s+-\s+(CV)\s*  is
//      replaced by ">= CV1, <= CV2 " (the surrounding whitespace goes too,
//      which is why "1.0 2 - 3" becomes the invalid "1.0>= 2, <= 3 ").
//   2. the result is split on "||" (after the rewrite, so a CV such as
//      "2||3" inside a range survives the rewrite and is split afterwards).
//   3. each part must match  ^\s*OP\s*CV\s*((\s+|,\s*)OP\s*CV\s*)*$.
//   4. each OP CV becomes a comparator; wildcards as in parseConstraint.
// where CV = v?R(\.R)?(\.R)?(-ID(\.ID)*)?(\+ID(\.ID)*)?, R = [0-9xX*|]+ (the
// '|' is a quirk of Masterminds' character class), ID = [0-9A-Za-z-]+.
// Greedy scanning is equivalent to the regexes here because a CV is always
// followed by whitespace, ',', an operator character or the end, none of which
// can continue a CV.
#include "upgrade_core/version/constraint.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "upgrade_core/util/status_macros.h"
#include "upgrade_core/version/internal/scan.h"

namespace upgrade_core {

using version_internal::DescribeChar;
using version_internal::IsDigit;
using version_internal::IsIdentChar;
using version_internal::IsSpace;
using version_internal::ParseU64;

namespace {

// A character of a CV's numeric part in Masterminds' class [0-9|x|X|\*].
bool IsRunChar(char c) {
  return IsDigit(c) || c == 'x' || c == 'X' || c == '*' || c == '|';
}

bool IsX(absl::string_view s) { return s == "x" || s == "X" || s == "*"; }

struct Span {
  size_t begin = 0;
  size_t end = 0;  // == begin when absent
  bool present() const { return end > begin; }
  size_t size() const { return end - begin; }
};

// One CV as the regex would capture it (positions in the scanned text).
struct CvMatch {
  Span major, minor, patch;  // minor/patch exclude the '.'
  Span prerelease;           // without the '-'
  Span build;                // without the '+'
  size_t end = 0;
};

// Dot-separated identifiers starting at i (IsIdentChar(s[i]) holds).
size_t ScanIdentifierList(absl::string_view s, size_t i) {
  while (true) {
    while (i < s.size() && IsIdentChar(s[i])) ++i;
    if (i + 1 < s.size() && s[i] == '.' && IsIdentChar(s[i + 1])) {
      ++i;
      continue;
    }
    return i;
  }
}

// The greedy CV match at i, or false when no CV starts there.
bool MatchCv(absl::string_view s, size_t i, CvMatch* m) {
  if (i < s.size() && s[i] == 'v' && i + 1 < s.size() && IsRunChar(s[i + 1])) {
    ++i;
  }
  if (i >= s.size() || !IsRunChar(s[i])) return false;
  *m = CvMatch();
  m->major.begin = i;
  while (i < s.size() && IsRunChar(s[i])) ++i;
  m->major.end = i;
  for (Span* part : {&m->minor, &m->patch}) {
    if (i + 1 < s.size() && s[i] == '.' && IsRunChar(s[i + 1])) {
      part->begin = ++i;
      while (i < s.size() && IsRunChar(s[i])) ++i;
      part->end = i;
    } else {
      part->begin = part->end = i;
      break;
    }
  }
  if (!m->patch.present()) m->patch.begin = m->patch.end = i;
  if (i + 1 < s.size() && s[i] == '-' && IsIdentChar(s[i + 1])) {
    m->prerelease.begin = i + 1;
    i = m->prerelease.end = ScanIdentifierList(s, i + 1);
  } else {
    m->prerelease.begin = m->prerelease.end = i;
  }
  if (i + 1 < s.size() && s[i] == '+' && IsIdentChar(s[i + 1])) {
    m->build.begin = i + 1;
    i = m->build.end = ScanIdentifierList(s, i + 1);
  } else {
    m->build.begin = m->build.end = i;
  }
  m->end = i;
  return true;
}

size_t SkipSpace(absl::string_view s, size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

// A rewritten text and how its positions map back to the original.
struct Rewritten {
  std::string text;
  struct Piece {
    size_t rewritten_begin;
    size_t original_begin;
    bool replaced;  // a range replacement: maps to its match start
  };
  std::vector<Piece> pieces;

  size_t ToOriginal(size_t pos) const {
    const Piece* best = &pieces.front();
    for (const Piece& p : pieces) {
      if (p.rewritten_begin <= pos) best = &p;
    }
    return best->replaced
               ? best->original_begin
               : best->original_begin + (pos - best->rewritten_begin);
  }
};

// Step 1. Returns false (and leaves `out` alone) when there is no range.
bool RewriteRanges(absl::string_view s, Rewritten* out) {
  // Cheap pre-check: a range needs a '-' with whitespace on both sides.
  bool candidate = false;
  for (size_t k = 1; k + 1 < s.size(); ++k) {
    if (s[k] == '-' && IsSpace(s[k - 1]) && IsSpace(s[k + 1])) {
      candidate = true;
      break;
    }
  }
  if (!candidate) return false;
  bool any = false;
  size_t copied = 0;  // original text up to here is already in out->text
  size_t i = 0;
  while (i < s.size()) {
    // Try a match starting at i: \s*(CV)\s+-\s+(CV)\s*
    CvMatch a, b;
    size_t j = SkipSpace(s, i);
    bool ok = MatchCv(s, j, &a);
    size_t k = ok ? a.end : 0;
    if (ok) {
      const size_t after = SkipSpace(s, k);
      ok = after > k && after < s.size() && s[after] == '-';
      k = after + 1;
    }
    if (ok) {
      const size_t after = SkipSpace(s, k);
      ok = after > k && MatchCv(s, after, &b);
    }
    if (!ok) {
      ++i;
      continue;
    }
    const size_t cv1_begin = j;
    const size_t cv2_begin = SkipSpace(s, k);
    const size_t match_end = SkipSpace(s, b.end);
    if (!any) {
      out->text.reserve(s.size() + 16);
      any = true;
    }
    if (i > copied) {
      out->pieces.push_back({out->text.size(), copied, false});
      out->text.append(s.data() + copied, i - copied);
    }
    out->pieces.push_back({out->text.size(), i, true});
    absl::StrAppend(&out->text, ">= ", s.substr(cv1_begin, a.end - cv1_begin),
                    ", <= ", s.substr(cv2_begin, b.end - cv2_begin), " ");
    copied = i = match_end;
  }
  if (!any) return false;
  if (copied < s.size()) {
    out->pieces.push_back({out->text.size(), copied, false});
    out->text.append(s.data() + copied, s.size() - copied);
  }
  if (out->pieces.empty()) out->pieces.push_back({0, 0, false});
  return true;
}

}  // namespace

absl::string_view OpName(Constraint::Op op) {
  switch (op) {
    case Constraint::Op::kEqual:
      return "=";
    case Constraint::Op::kNotEqual:
      return "!=";
    case Constraint::Op::kGreater:
      return ">";
    case Constraint::Op::kLess:
      return "<";
    case Constraint::Op::kGreaterEqual:
      return ">=";
    case Constraint::Op::kLessEqual:
      return "<=";
    case Constraint::Op::kTilde:
      return "~";
    case Constraint::Op::kCaret:
      return "^";
  }
  return "?";
}

// Friend of Constraint: fills its private fields.
class ConstraintParser {
 public:
  // keep_original = false skips copying the text (for one-shot Check()).
  ConstraintParser(absl::string_view original, ConstraintOptions options,
                   bool keep_original = true)
      : original_(original), options_(options), keep_original_(keep_original) {}

  absl::StatusOr<Constraint> Run() {
    if (original_.size() > version_internal::kMaxTextSize) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "invalid constraint \"%s...\": longer than %d characters",
          absl::CHexEscape(original_.substr(0, 32)),
          version_internal::kMaxTextSize));
    }
    if (SkipSpace(original_, 0) == original_.size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "invalid constraint \"%s\": empty constraint at position 0 (use "
          "\"*\" to allow any release)",
          absl::CHexEscape(original_)));
    }
    text_ = original_;
    if (RewriteRanges(original_, &rewritten_)) {
      text_ = rewritten_.text;
      mapped_ = true;
    }
    Constraint c;
    if (keep_original_) c.original_ = std::string(original_);
    c.options_ = options_;
    out_ = &c;
    size_t begin = 0;
    while (true) {
      const size_t bar = text_.find("||", begin);
      const size_t end = bar == absl::string_view::npos ? text_.size() : bar;
      UC_RETURN_IF_ERROR(ParseGroup(begin, end));
      if (bar == absl::string_view::npos) break;
      begin = bar + 2;
    }
    return c;
  }

 private:
  // Step 3: one AND group text_[begin, end).
  absl::Status ParseGroup(size_t begin, size_t end) {
    absl::string_view s = text_.substr(0, end);
    Constraint::Group g;
    g.begin = static_cast<uint32_t>(out_->comparators_.size());
    size_t i = SkipSpace(s, begin);
    if (i == s.size()) {
      return Error(i, "expected a version (empty \"||\" alternative)");
    }
    while (true) {
      Constraint::Op op;
      size_t op_begin = i;
      i = ScanOp(s, i, &op);
      i = SkipSpace(s, i);
      CvMatch m;
      if (!MatchCv(s, i, &m)) {
        if (i >= s.size()) return Error(i, "expected a version");
        return Error(i, absl::StrCat("unexpected ", DescribeChar(s[i]),
                                     op_begin == i ? " (expected an operator "
                                                     "or a version)"
                                                   : " (expected a version)"));
      }
      UC_RETURN_IF_ERROR(AddComparator(s, op, m));
      i = m.end;
      const size_t after = SkipSpace(s, i);
      if (after == s.size()) break;
      if (s[after] == ',') {
        i = SkipSpace(s, after + 1);
        continue;
      }
      if (after > i) {
        i = after;
        continue;
      }
      return Error(i, absl::StrCat("unexpected ", DescribeChar(s[i]),
                                   " (expected whitespace, ',', \"||\" or "
                                   "the end after a version)"));
    }
    g.end = static_cast<uint32_t>(out_->comparators_.size());
    for (uint32_t k = g.begin; k < g.end; ++k) {
      if (!out_->comparators_[k].prerelease.empty()) g.has_prerelease = true;
    }
    out_->groups_.push_back(g);
    return absl::OkStatus();
  }

  static size_t ScanOp(absl::string_view s, size_t i, Constraint::Op* op) {
    using Op = Constraint::Op;
    auto two = [&](char a, char b) {
      return i + 1 < s.size() && s[i] == a && s[i + 1] == b;
    };
    if (two('!', '=')) return *op = Op::kNotEqual, i + 2;
    if (two('>', '=') || two('=', '>')) return *op = Op::kGreaterEqual, i + 2;
    if (two('<', '=') || two('=', '<')) return *op = Op::kLessEqual, i + 2;
    if (two('~', '>')) return *op = Op::kTilde, i + 2;
    if (i < s.size()) {
      switch (s[i]) {
        case '=':
          return *op = Op::kEqual, i + 1;
        case '>':
          return *op = Op::kGreater, i + 1;
        case '<':
          return *op = Op::kLess, i + 1;
        case '~':
          return *op = Op::kTilde, i + 1;
        case '^':
          return *op = Op::kCaret, i + 1;
      }
    }
    *op = Op::kEqual;
    return i;
  }

  // Step 4 (Masterminds parseConstraint + NewVersion on the rebuilt bound).
  absl::Status AddComparator(absl::string_view s, Constraint::Op op,
                             const CvMatch& m) {
    using W = Constraint::Wildcard;
    Constraint::Comparator c;
    c.op = op;
    auto text = [&](const Span& sp) { return s.substr(sp.begin, sp.size()); };
    if (IsX(text(m.major))) {
      c.wildcard = W::kAny;
    } else if (!m.minor.present() || IsX(text(m.minor))) {
      c.wildcard = W::kMinor;
      UC_ASSIGN_OR_RETURN(c.major, Number(s, m.major));
    } else if (!m.patch.present() || IsX(text(m.patch))) {
      c.wildcard = W::kPatch;
      UC_ASSIGN_OR_RETURN(c.major, Number(s, m.major));
      UC_ASSIGN_OR_RETURN(c.minor, Number(s, m.minor));
    } else {
      UC_ASSIGN_OR_RETURN(c.major, Number(s, m.major));
      UC_ASSIGN_OR_RETURN(c.minor, Number(s, m.minor));
      UC_ASSIGN_OR_RETURN(c.patch, Number(s, m.patch));
    }
    if (m.prerelease.present()) {
      // Numeric prerelease identifiers must not have leading zeros.
      size_t k = m.prerelease.begin;
      while (k < m.prerelease.end) {
        size_t e = k;
        bool numeric = true;
        while (e < m.prerelease.end && s[e] != '.') {
          numeric = numeric && IsDigit(s[e]);
          ++e;
        }
        if (numeric && e - k > 1 && s[k] == '0') {
          return Error(k, "leading zero in a numeric prerelease identifier");
        }
        k = e + 1;
      }
      c.prerelease = std::string(text(m.prerelease));
    }
    out_->comparators_.push_back(std::move(c));
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> Number(absl::string_view s, const Span& sp) {
    for (size_t k = sp.begin; k < sp.end; ++k) {
      if (!IsDigit(s[k])) {
        return Error(k, absl::StrCat("unexpected ", DescribeChar(s[k]),
                                     " in a version number (expected digits "
                                     "or a lone x, X or *)"));
      }
    }
    uint64_t n;
    if (!ParseU64(s.substr(sp.begin, sp.size()), &n)) {
      return Error(sp.begin, "version number does not fit in 64 bits");
    }
    return n;
  }

  absl::Status Error(size_t pos, absl::string_view why) const {
    const size_t original_pos = mapped_ ? rewritten_.ToOriginal(pos) : pos;
    return absl::InvalidArgumentError(
        absl::StrFormat("invalid constraint \"%s\": %s at position %d",
                        absl::CHexEscape(original_), why, original_pos));
  }

  absl::string_view original_;
  ConstraintOptions options_;
  bool keep_original_;
  absl::string_view text_;  // original_ or rewritten_.text
  Rewritten rewritten_;
  bool mapped_ = false;
  Constraint* out_ = nullptr;
};

absl::StatusOr<Constraint> Constraint::Parse(absl::string_view text,
                                             ConstraintOptions options) {
  return ConstraintParser(text, options).Run();
}

absl::StatusOr<bool> Constraint::Check(absl::string_view constraint,
                                       absl::string_view version,
                                       ConstraintOptions options) {
  UC_ASSIGN_OR_RETURN(const Version v, Version::Parse(version));
  UC_ASSIGN_OR_RETURN(
      const Constraint c,
      ConstraintParser(constraint, options, /*keep_original=*/false).Run());
  return c.Allows(v);
}

namespace {

// Precedence of `v` against a comparator's bound (Version::Compare).
int CompareToBound(const Version& v, const Constraint::Comparator& c) {
  if (v.major() != c.major) return v.major() < c.major ? -1 : 1;
  if (v.minor() != c.minor) return v.minor() < c.minor ? -1 : 1;
  if (v.patch() != c.patch) return v.patch() < c.patch ? -1 : 1;
  const bool a = v.is_prerelease();
  const bool b = !c.prerelease.empty();
  if (!a && !b) return 0;
  if (!a) return 1;
  if (!b) return -1;
  return ComparePrerelease(v.prerelease(), c.prerelease);
}

}  // namespace

// The branches below follow Masterminds v3.4.0's constraint functions one for
// one (constraintNotEqual, constraintGreaterThan, ...), so that every quirk
// is preserved; docs/versions.md lists the visible consequences.
bool Constraint::Comparator::Matches(const Version& v) const {
  using W = Wildcard;
  const bool dirty = wildcard != W::kNone;
  const bool minor_dirty = wildcard == W::kMinor;
  const bool patch_dirty = wildcard == W::kPatch;
  switch (op) {
    case Op::kNotEqual:
      if (dirty) {
        if (major != v.major()) return true;
        if (minor != v.minor() && !minor_dirty) return true;
        if (minor_dirty) return false;
        if (patch != v.patch() && !patch_dirty) return true;
        if (patch_dirty) {
          if (v.is_prerelease() || !prerelease.empty()) {
            return ComparePrerelease(v.prerelease(), prerelease) != 0;
          }
          return false;
        }
      }
      return CompareToBound(v, *this) != 0;
    case Op::kGreater:
      if (!dirty) return CompareToBound(v, *this) > 0;
      if (v.major() > major) return true;
      if (v.major() < major) return false;
      if (minor_dirty) return false;
      if (patch_dirty) return v.minor() > minor;
      return CompareToBound(v, *this) > 0;
    case Op::kLess:
      return CompareToBound(v, *this) < 0;
    case Op::kGreaterEqual:
      return CompareToBound(v, *this) >= 0;
    case Op::kLessEqual:
      if (!dirty) return CompareToBound(v, *this) <= 0;
      if (v.major() > major) return false;
      if (v.major() == major && v.minor() > minor && !minor_dirty) return false;
      return true;
    case Op::kEqual:
      if (!dirty) return CompareToBound(v, *this) == 0;
      [[fallthrough]];  // a wildcard "=" is a tilde range
    case Op::kTilde:
      if (CompareToBound(v, *this) < 0) return false;
      // "~0.0.0" and "~*" accept everything (Masterminds special case).
      if (major == 0 && minor == 0 && patch == 0 && !minor_dirty &&
          !patch_dirty) {
        return true;
      }
      if (v.major() != major) return false;
      if (v.minor() != minor && !minor_dirty) return false;
      return true;
    case Op::kCaret:
      if (CompareToBound(v, *this) < 0) return false;
      if (major > 0 || minor_dirty) return v.major() == major;
      if (v.major() > 0) return false;  // bound major is 0 here
      if (minor > 0 || patch_dirty) return v.minor() == minor;
      if (v.minor() > 0) return false;
      // Both majors and minors are 0, and the patch is not open; this is
      // also where "^*" ends up, so it only admits 0.0.0.
      return v.patch() == patch;
  }
  return false;
}

bool Constraint::Allows(const Version& v) const {
  for (const Group& g : groups_) {
    // Masterminds v3.4.0: every comparator refuses a prerelease version
    // unless the group (or the options) admit prereleases.
    if (v.is_prerelease() && !g.has_prerelease &&
        !options_.include_prerelease) {
      continue;
    }
    bool all = true;
    for (uint32_t k = g.begin; k < g.end; ++k) {
      if (!comparators_[k].Matches(v)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

std::string Constraint::Comparator::ToString() const {
  std::string out;
  if (op != Op::kEqual) out = std::string(OpName(op));
  // >= and < only ever compare against the filled-in bound.
  const bool full = op == Op::kGreaterEqual || op == Op::kLess;
  switch (full ? Wildcard::kNone : wildcard) {
    case Wildcard::kNone:
      absl::StrAppend(&out, major, ".", minor, ".", patch);
      break;
    case Wildcard::kPatch:
      absl::StrAppend(&out, major, ".", minor, ".x");
      break;
    case Wildcard::kMinor:
      absl::StrAppend(&out, major, ".x");
      break;
    case Wildcard::kAny:
      absl::StrAppend(&out, "*");
      break;
  }
  if (!prerelease.empty()) absl::StrAppend(&out, "-", prerelease);
  return out;
}

std::string Constraint::ToString() const {
  std::string out;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    if (gi > 0) out += " || ";
    for (uint32_t k = groups_[gi].begin; k < groups_[gi].end; ++k) {
      if (k > groups_[gi].begin) out += ' ';
      out += comparators_[k].ToString();
    }
  }
  return out;
}

}  // namespace upgrade_core
