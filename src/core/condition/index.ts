/** The target-condition language: parse once, compile once, evaluate in three-valued logic. */
export type { Expr, Property, Literal, CompareOp, Span } from './ast.js';
export { formatLiteral } from './ast.js';
export { VALUE_CHARS, VALUE_CHARS_TEXT, VALUE_STRING } from './lexer.js';
export { parseCondition, conditionDiagnostic, MAX_CONDITION_LENGTH, SEGMENT, type ParsedCondition, type ConditionProblem } from './parser.js';
export {
  compileCondition,
  explainCondition,
  lookupTag,
  TRUE,
  FALSE,
  UNKNOWN,
  truthName,
  and3,
  or3,
  not3,
  type Truth,
  type Subject,
  type CompiledCondition,
  type ConditionExplanation,
  type ClauseExplanation,
} from './evaluate.js';
