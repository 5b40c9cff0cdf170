// A lexer and a recursive-descent parser for the action syntax of Go's
// text/template, following text/template/parse (lex.go, parse.go) closely
// enough for what a reader of values paths needs: text between actions is
// skipped, comments are dropped, every other action becomes a node.
#include "upgrade_core/chart/template_parser.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace upgrade_core::chart::internal {
namespace {

enum class Tok {
  kDot,
  kField,
  kVariable,
  kIdent,
  kKeyword,
  kString,
  kNumber,
  kBool,
  kNil,
  kLeftParen,
  kRightParen,
  kPipe,
  kDeclare,
  kAssign,
  kComma,
};

struct Token {
  Tok kind;
  std::string text;
  Pos pos;
  bool space_before = false;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsAlnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool IsKeyword(absl::string_view w) {
  return w == "if" || w == "else" || w == "end" || w == "range" ||
         w == "with" || w == "define" || w == "template" || w == "block" ||
         w == "break" || w == "continue";
}

absl::string_view TokName(const Token& t) {
  switch (t.kind) {
    case Tok::kLeftParen:
      return "'('";
    case Tok::kRightParen:
      return "')'";
    case Tok::kPipe:
      return "'|'";
    case Tok::kDeclare:
      return "':='";
    case Tok::kAssign:
      return "'='";
    case Tok::kComma:
      return "','";
    default:
      return t.text;
  }
}

class Parser {
 public:
  Parser(absl::string_view text, const ParseLimits& limits)
      : text_(text), limits_(limits) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  ParsedTemplate Run() && {
    while (!failed_) {
      size_t open = text_.find("{{", i_);
      if (open == absl::string_view::npos) break;
      i_ = open + 2;
      std::vector<Token> toks;
      if (!LexAction(open, &toks)) break;
      if (!toks.empty()) ParseAction(toks, open);
    }
    if (!failed_ && !frames_.empty()) {
      const Frame& f = frames_.back();
      Fail(f.pos,
           absl::StrCat("{{", f.keyword, "}} is never closed by {{end}}"));
    }
    return std::move(out_);
  }

 private:
  struct Frame {
    TemplateNode* node = nullptr;
    Define* define = nullptr;
    bool implicit = false;  // an `else if`: closed by its parent's {{end}}
    bool in_else = false;
    Pos pos;
    std::string keyword;
  };

  Pos PosAt(size_t offset) const {
    auto it =
        std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    size_t line = static_cast<size_t>(it - line_starts_.begin());
    return {static_cast<int>(line),
            static_cast<int>(offset - line_starts_[line - 1] + 1)};
  }

  void Fail(Pos pos, std::string message) {
    if (failed_) return;
    failed_ = true;
    out_.errors.push_back({pos, std::move(message)});
  }

  // Lexes the action opened at `open` (i_ is just past "{{") through its
  // closing "}}". False on an error.
  bool LexAction(size_t open, std::vector<Token>* toks) {
    const size_t n = text_.size();
    if (i_ + 1 < n && text_[i_] == '-' && IsSpace(text_[i_ + 1])) i_ += 2;
    size_t j = i_;
    while (j < n && IsSpace(text_[j])) ++j;
    if (text_.substr(j, 2) == "/*") {
      size_t close = text_.find("*/", j + 2);
      if (close == absl::string_view::npos) {
        Fail(PosAt(open), "comment is never closed by */");
        return false;
      }
      i_ = close + 2;
      while (i_ < n && IsSpace(text_[i_])) ++i_;
      if (text_.substr(i_, 3) == "-}}") i_ += 1;
      if (text_.substr(i_, 2) != "}}") {
        Fail(PosAt(open), "comment ends without closing the action (}})");
        return false;
      }
      i_ += 2;
      return true;
    }
    bool space = true;
    while (true) {
      while (i_ < n && IsSpace(text_[i_])) {
        ++i_;
        space = true;
      }
      if (i_ >= n) {
        Fail(PosAt(open), "action {{ is never closed by }}");
        return false;
      }
      const char c = text_[i_];
      const size_t start = i_;
      if (text_.substr(i_, 2) == "}}") {
        i_ += 2;
        return true;
      }
      if (space && text_.substr(i_, 3) == "-}}") {
        i_ += 3;
        return true;
      }
      Token t;
      t.pos = PosAt(start);
      t.space_before = space;
      space = false;
      if (c == '"' || c == '\'') {
        if (!LexQuoted(c, &t.text)) return false;
        t.kind = c == '"' ? Tok::kString : Tok::kNumber;  // 'x' is a number
      } else if (c == '`') {
        size_t close = text_.find('`', i_ + 1);
        if (close == absl::string_view::npos) {
          Fail(t.pos, "raw string is never closed by `");
          return false;
        }
        t.kind = Tok::kString;
        t.text = std::string(text_.substr(i_ + 1, close - i_ - 1));
        i_ = close + 1;
      } else if (c == '.' && i_ + 1 < n && IsAlnum(text_[i_ + 1]) &&
                 !std::isdigit(static_cast<unsigned char>(text_[i_ + 1]))) {
        ++i_;
        while (i_ < n && IsAlnum(text_[i_])) ++i_;
        t.kind = Tok::kField;
        t.text = std::string(text_.substr(start + 1, i_ - start - 1));
      } else if (c == '$') {
        ++i_;
        while (i_ < n && IsAlnum(text_[i_])) ++i_;
        t.kind = Tok::kVariable;
        t.text = std::string(text_.substr(start, i_ - start));
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 ((c == '-' || c == '+' || c == '.') && i_ + 1 < n &&
                  std::isdigit(static_cast<unsigned char>(text_[i_ + 1])))) {
        ++i_;
        while (i_ < n && (IsAlnum(text_[i_]) || text_[i_] == '.' ||
                          ((text_[i_] == '+' || text_[i_] == '-') &&
                           std::strchr("eEpP", text_[i_ - 1]) != nullptr))) {
          ++i_;
        }
        t.kind = Tok::kNumber;
        t.text = std::string(text_.substr(start, i_ - start));
      } else if (c == '.') {
        ++i_;
        t.kind = Tok::kDot;
        t.text = ".";
      } else if (IsAlnum(c)) {
        while (i_ < n && IsAlnum(text_[i_])) ++i_;
        t.text = std::string(text_.substr(start, i_ - start));
        t.kind = IsKeyword(t.text)                         ? Tok::kKeyword
                 : (t.text == "true" || t.text == "false") ? Tok::kBool
                 : t.text == "nil"                         ? Tok::kNil
                                                           : Tok::kIdent;
      } else if (c == ':' && i_ + 1 < n && text_[i_ + 1] == '=') {
        i_ += 2;
        t.kind = Tok::kDeclare;
      } else if (c == '=' || c == '(' || c == ')' || c == '|' || c == ',') {
        ++i_;
        t.kind = c == '='   ? Tok::kAssign
                 : c == '(' ? Tok::kLeftParen
                 : c == ')' ? Tok::kRightParen
                 : c == '|' ? Tok::kPipe
                            : Tok::kComma;
      } else {
        Fail(t.pos,
             absl::StrCat(
                 "unexpected character '",
                 std::isprint(static_cast<unsigned char>(c))
                     ? std::string(1, c)
                     : absl::StrCat("\\x", static_cast<int>(
                                               static_cast<unsigned char>(c))),
                 "' in action"));
        return false;
      }
      toks->push_back(std::move(t));
    }
  }

  // A "..." string or a '.' character constant starting at i_.
  bool LexQuoted(char quote, std::string* out) {
    const size_t start = i_;
    ++i_;
    while (i_ < text_.size() && text_[i_] != quote) {
      char c = text_[i_];
      if (c == '\n') break;
      if (c == '\\' && i_ + 1 < text_.size()) {
        char e = text_[++i_];
        out->push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
      } else {
        out->push_back(c);
      }
      ++i_;
    }
    if (i_ >= text_.size() || text_[i_] != quote) {
      Fail(PosAt(start), quote == '"' ? "string is never closed by \""
                                      : "character constant is never closed");
      return false;
    }
    ++i_;
    return true;
  }

  std::vector<TemplateNode>* Current() {
    if (frames_.empty()) return &out_.root;
    Frame& f = frames_.back();
    if (f.define != nullptr) return &f.define->body;
    return f.in_else ? &f.node->else_body : &f.node->body;
  }

  bool Push(Frame frame) {
    if (static_cast<int>(frames_.size()) >= limits_.max_nesting) {
      Fail(frame.pos,
           absl::StrCat("blocks nested deeper than ", limits_.max_nesting));
      return false;
    }
    frames_.push_back(std::move(frame));
    return true;
  }

  void ParseAction(const std::vector<Token>& toks, size_t open) {
    const Token& first = toks[0];
    size_t k = 0;
    if (first.kind != Tok::kKeyword) {
      TemplateNode node;
      node.kind = TemplateNode::Kind::kAction;
      node.pos = first.pos;
      if (!ParsePipeline(toks, &k, /*allow_declare=*/true, 0, &node.pipe)) {
        return;
      }
      if (k != toks.size()) {
        Fail(toks[k].pos,
             absl::StrCat("unexpected ", TokName(toks[k]), " in action"));
        return;
      }
      Current()->push_back(std::move(node));
      return;
    }
    const std::string& kw = first.text;
    k = 1;
    if (kw == "if" || kw == "range" || kw == "with") {
      OpenBlock(toks, &k, kw, first.pos, /*implicit=*/false);
      return;
    }
    if (kw == "else") {
      if (frames_.empty() || frames_.back().define != nullptr ||
          frames_.back().in_else) {
        Fail(first.pos, "{{else}} outside an if, range or with block");
        return;
      }
      frames_.back().in_else = true;
      if (k < toks.size()) {
        if (toks[k].kind != Tok::kKeyword ||
            (toks[k].text != "if" && toks[k].text != "with")) {
          Fail(toks[k].pos,
               "expected {{else}}, {{else if ...}} or {{else with ...}}");
          return;
        }
        const std::string& kw2 = toks[k].text;
        Pos pos = toks[k].pos;
        ++k;
        OpenBlock(toks, &k, kw2, pos, /*implicit=*/true);
      }
      return;
    }
    if (kw == "end") {
      if (frames_.empty()) {
        Fail(first.pos, "{{end}} without a block to close");
        return;
      }
      bool implicit;
      do {
        implicit = frames_.back().implicit;
        frames_.pop_back();
      } while (implicit && !frames_.empty());
      return;
    }
    if (kw == "define" || kw == "block" || kw == "template") {
      if (k >= toks.size() || toks[k].kind != Tok::kString) {
        Fail(first.pos,
             absl::StrCat("{{", kw, "}} needs a quoted template name"));
        return;
      }
      std::string name = toks[k].text;
      ++k;
      if (kw == "define") {
        if (!frames_.empty()) {
          Fail(first.pos, "{{define}} inside another block");
          return;
        }
        Define& d = out_.defines.emplace_back();
        d.name = std::move(name);
        d.pos = first.pos;
        Frame f;
        f.define = &d;
        f.pos = first.pos;
        f.keyword = kw;
        Push(std::move(f));
        return;
      }
      TemplateNode node;
      node.kind = TemplateNode::Kind::kTemplate;
      node.pos = first.pos;
      node.name = name;
      if (k < toks.size()) {
        node.has_pipe = true;
        if (!ParsePipeline(toks, &k, false, 0, &node.pipe)) return;
      }
      if (k != toks.size()) {
        Fail(toks[k].pos,
             absl::StrCat("unexpected ", TokName(toks[k]), " in {{", kw, "}}"));
        return;
      }
      Current()->push_back(std::move(node));
      if (kw == "block") {
        Define& d = out_.defines.emplace_back();
        d.name = std::move(name);
        d.pos = first.pos;
        Frame f;
        f.define = &d;
        f.pos = first.pos;
        f.keyword = kw;
        Push(std::move(f));
      }
      return;
    }
    if (kw == "break" || kw == "continue") return;
    Fail(first.pos, absl::StrCat("unexpected {{", kw, "}}"));
    (void)open;
  }

  void OpenBlock(const std::vector<Token>& toks, size_t* k,
                 const std::string& kw, Pos pos, bool implicit) {
    TemplateNode node;
    node.kind = kw == "if"      ? TemplateNode::Kind::kIf
                : kw == "range" ? TemplateNode::Kind::kRange
                                : TemplateNode::Kind::kWith;
    node.pos = pos;
    if (!ParsePipeline(toks, k, true, 0, &node.pipe)) return;
    if (*k != toks.size()) {
      Fail(toks[*k].pos,
           absl::StrCat("unexpected ", TokName(toks[*k]), " in {{", kw, "}}"));
      return;
    }
    if (node.pipe.commands.empty()) {
      Fail(pos, absl::StrCat("{{", kw, "}} without a value to test"));
      return;
    }
    std::vector<TemplateNode>* list = Current();
    list->push_back(std::move(node));
    Frame f;
    f.node = &list->back();
    f.implicit = implicit;
    f.pos = pos;
    f.keyword = kw;
    Push(std::move(f));
  }

  // pipeline: [decl] command ('|' command)*; stops at ')' or the end.
  bool ParsePipeline(const std::vector<Token>& toks, size_t* k,
                     bool allow_declare, int depth, Pipeline* out) {
    if (*k < toks.size()) out->pos = toks[*k].pos;
    // $x := / $x = / $k, $v :=
    if (allow_declare && *k < toks.size() && toks[*k].kind == Tok::kVariable) {
      size_t j = *k;
      std::vector<std::string> vars{toks[j].text};
      ++j;
      if (j + 1 < toks.size() && toks[j].kind == Tok::kComma &&
          toks[j + 1].kind == Tok::kVariable) {
        vars.push_back(toks[j + 1].text);
        j += 2;
      }
      if (j < toks.size() &&
          (toks[j].kind == Tok::kDeclare || toks[j].kind == Tok::kAssign)) {
        out->declares = toks[j].kind == Tok::kDeclare;
        out->variables = std::move(vars);
        *k = j + 1;
      }
    }
    while (*k < toks.size()) {
      Command cmd;
      cmd.pos = toks[*k].pos;
      while (*k < toks.size() && toks[*k].kind != Tok::kPipe &&
             toks[*k].kind != Tok::kRightParen) {
        Operand op;
        if (!ParseOperand(toks, k, depth, &op)) return false;
        cmd.operands.push_back(std::move(op));
      }
      if (cmd.operands.empty()) {
        Fail(cmd.pos, "missing value for command");
        return false;
      }
      out->commands.push_back(std::move(cmd));
      if (*k < toks.size() && toks[*k].kind == Tok::kPipe) {
        ++*k;
        if (*k >= toks.size() || toks[*k].kind == Tok::kRightParen) {
          Fail(toks[*k - 1].pos, "missing command after '|'");
          return false;
        }
        continue;
      }
      break;
    }
    if (out->commands.empty() && !out->variables.empty()) {
      Fail(out->pos, "missing value in declaration");
      return false;
    }
    return true;
  }

  // Fields written right after a term: (x).a.b, $v.a.b.
  static void TakeFields(const std::vector<Token>& toks, size_t* k,
                         std::vector<std::string>* fields) {
    while (*k < toks.size() && toks[*k].kind == Tok::kField &&
           !toks[*k].space_before) {
      fields->push_back(toks[*k].text);
      ++*k;
    }
  }

  bool ParseOperand(const std::vector<Token>& toks, size_t* k, int depth,
                    Operand* op) {
    const Token& t = toks[*k];
    op->pos = t.pos;
    op->text = t.text;
    ++*k;
    switch (t.kind) {
      case Tok::kDot:
        op->kind = Operand::Kind::kDot;
        return true;
      case Tok::kField:
        op->kind = Operand::Kind::kField;
        op->fields.push_back(t.text);
        TakeFields(toks, k, &op->fields);
        return true;
      case Tok::kVariable:
        op->kind = Operand::Kind::kVariable;
        TakeFields(toks, k, &op->fields);
        return true;
      case Tok::kIdent:
        op->kind = Operand::Kind::kFunction;
        return true;
      case Tok::kString:
        op->kind = Operand::Kind::kString;
        return true;
      case Tok::kNumber:
        op->kind = Operand::Kind::kNumber;
        return true;
      case Tok::kBool:
        op->kind = Operand::Kind::kBool;
        return true;
      case Tok::kNil:
        op->kind = Operand::Kind::kNil;
        return true;
      case Tok::kLeftParen: {
        if (depth + 1 >= limits_.max_nesting) {
          Fail(t.pos, absl::StrCat("parentheses nested deeper than ",
                                   limits_.max_nesting));
          return false;
        }
        op->kind = Operand::Kind::kParen;
        op->pipe = std::make_unique<Pipeline>();
        if (!ParsePipeline(toks, k, true, depth + 1, op->pipe.get())) {
          return false;
        }
        if (*k >= toks.size() || toks[*k].kind != Tok::kRightParen) {
          Fail(t.pos, "'(' is never closed by ')'");
          return false;
        }
        ++*k;
        if (op->pipe->commands.empty()) {
          Fail(t.pos, "empty parentheses");
          return false;
        }
        TakeFields(toks, k, &op->fields);
        return true;
      }
      default:
        Fail(t.pos, absl::StrCat("unexpected ", TokName(t), " in command"));
        return false;
    }
  }

  absl::string_view text_;
  const ParseLimits& limits_;
  std::vector<size_t> line_starts_;
  size_t i_ = 0;
  bool failed_ = false;
  std::vector<Frame> frames_;
  ParsedTemplate out_;
};

}  // namespace

ParsedTemplate ParseTemplate(absl::string_view text,
                             const ParseLimits& limits) {
  return Parser(text, limits).Run();
}

}  // namespace upgrade_core::chart::internal
