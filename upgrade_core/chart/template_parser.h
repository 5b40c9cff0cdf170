// File: template_parser.h
// -----------------------------------------------------------------------------
// Internal to chart/: a parser of Go's text/template syntax (the part Helm
// charts use) into a small tree, for template_reader.cc. It does not
// evaluate anything. Errors (an unclosed action, an unterminated string, an
// `end` without a block, blocks nested past the limit) are collected with
// their line and column; parsing stops at the first one, keeping what was
// parsed before it.
#ifndef UPGRADE_CORE_CHART_TEMPLATE_PARSER_H_
#define UPGRADE_CORE_CHART_TEMPLATE_PARSER_H_

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace upgrade_core::chart::internal {

struct Pos {
  int line = 0;
  int column = 0;
};

struct Pipeline;

// One argument of a command: `.a.b`, `$x.a`, `.`, `(pipeline).a`, a
// function name, or a literal.
struct Operand {
  enum class Kind {
    kDot,       // .
    kField,     // .a.b (fields holds a, b)
    kVariable,  // $x.a (text "$x"; "$" alone is the root)
    kFunction,  // an identifier: a function name
    kString,    // text holds the unquoted value
    kNumber,
    kBool,
    kNil,
    kParen,  // (pipe) followed by fields
  };
  Kind kind = Kind::kDot;
  std::string text;
  std::vector<std::string> fields;
  std::unique_ptr<Pipeline> pipe;
  Pos pos;
};

struct Command {
  std::vector<Operand> operands;
  Pos pos;
};

struct Pipeline {
  std::vector<std::string> variables;  // "$x" for `$x := ...`
  bool declares = false;               // := (false with variables: =)
  std::vector<Command> commands;
  Pos pos;
};

struct TemplateNode {
  enum class Kind { kAction, kIf, kRange, kWith, kTemplate };
  Kind kind = Kind::kAction;
  Pos pos;
  Pipeline pipe;
  std::string name;  // kTemplate: the template called
  bool has_pipe =
      false;  // kTemplate: `{{template "x" pipe}}` vs `{{template "x"}}`
  std::vector<TemplateNode> body;
  std::vector<TemplateNode> else_body;
};

struct Define {
  std::string name;
  Pos pos;
  std::vector<TemplateNode> body;
};

struct ParseError {
  Pos pos;
  std::string message;
};

struct ParsedTemplate {
  std::vector<TemplateNode> root;
  std::deque<Define> defines;      // deque: blocks nest, pointers stay valid
  std::vector<ParseError> errors;  // empty when the whole text was parsed
};

struct ParseLimits {
  // Blocks (if/range/with/define) and parentheses nested at most this deep.
  int max_nesting = 100;
};

ParsedTemplate ParseTemplate(absl::string_view text,
                             const ParseLimits& limits = {});

}  // namespace upgrade_core::chart::internal

#endif  // UPGRADE_CORE_CHART_TEMPLATE_PARSER_H_
