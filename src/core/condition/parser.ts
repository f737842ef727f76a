/**
 * Recursive-descent parser for IoT Hub target conditions.
 *
 *   condition := '*' | or
 *   or        := and (OR and)*
 *   and       := unary ((AND | NOT-as-AND-NOT) unary)*
 *   unary     := NOT unary | primary
 *   primary   := '(' or ')' | IS_DEFINED '(' property ')'
 *              | property op literal | literal op property
 *              | property (IN | NIN) '[' literal (',' literal)* ']'
 */
import type { CompareOp, Expr, LiteralNode, Property, Span } from './ast.js';
import { lex, type Token } from './lexer.js';
import type { Diagnostic, DiagnosticCode, Severity } from '../diagnostics.js';

export const MAX_CONDITION_LENGTH = 8192;
const MAX_DEPTH = 200;

export interface ConditionProblem {
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly message: string;
  /** Index into the condition text. */
  readonly index: number;
}

/** A condition's problem as a diagnostic on the scalar that holds the condition (`file`, `path`). */
export const conditionDiagnostic = (p: ConditionProblem, file: string, path: readonly (string | number)[]): Diagnostic => ({
  severity: p.severity,
  code: p.code,
  message: p.message,
  location: { file, path, index: p.index },
});

export interface ParsedCondition {
  /** `undefined` when the condition has an error (or is empty). */
  readonly expr?: Expr;
  readonly problems: readonly ConditionProblem[];
}

class ParseError extends Error {
  constructor(readonly problem: ConditionProblem) {
    super(problem.message);
  }
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'nin', 'is_defined', 'true', 'false']);
/** A tag name a condition can write as a path segment (unescaped, or inside [[…]]). */
export const SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Words IoT Hub's query language reserves: a tag named so must be escaped as [[name]]. */
const RESERVED = new Set(['select', 'from', 'where', 'group', 'by', 'order', 'as', 'top', 'and', 'or', 'not', 'in', 'nin', 'asc', 'desc']);
const FLIP: Record<CompareOp, CompareOp> = { '=': '=', '!=': '!=', '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

/** Parses a target condition; never throws. */
const NO_FUNCTIONS = 'functions are not supported in deployment conditions: use comparisons (=, !=, <, >, <=, >=), IN, NIN and IS_DEFINED(tags.<name>)';

/** `tag.environment` → `tags.environment` (a misspelled root); `environment` → `tags.environment`. */
function suggestTags(segments: readonly string[]): string {
  const root = segments[0].toLowerCase();
  const typo = segments.length > 1 && ['tag', 'tgas', 'tasg', 'tga', 'tags_', 'tag_'].includes(root);
  return `tags.${(typo ? segments.slice(1) : segments).join('.')}`;
}

export function parseCondition(text: string): ParsedCondition {
  if (text.length > MAX_CONDITION_LENGTH) {
    return {
      problems: [
        {
          severity: 'error',
          code: 'condition/too-long',
          message: `target condition is ${text.length} characters; IoT Hub allows at most ${MAX_CONDITION_LENGTH}`,
          index: MAX_CONDITION_LENGTH,
        },
      ],
    };
  }
  if (text.trim() === '') {
    return {
      problems: [
        {
          severity: 'warning',
          code: 'condition/empty',
          message: "target condition is empty, so this deployment targets no device; use '*' to target every device",
          index: 0,
        },
      ],
    };
  }
  const { tokens, error } = lex(text);
  if (error) return { problems: [{ severity: 'error', ...error }] };
  return new Parser(tokens).parse();
}

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly warnings: ConditionProblem[] = [];

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): ParsedCondition {
    try {
      const first = this.peek();
      if (first.type === '*') {
        this.pos++;
        this.expectEnd("'*' targets every device and cannot be combined with anything else");
        return { expr: { kind: 'all', span: span(first, first) }, problems: this.warnings };
      }
      const expr = this.or();
      this.expectEnd();
      return { expr, problems: this.warnings };
    } catch (e) {
      if (e instanceof ParseError) return { problems: [...this.warnings, e.problem] };
      throw e;
    }
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private keyword(token: Token = this.peek()): string | undefined {
    if (token.type !== 'word') return undefined;
    const lower = token.text.toLowerCase();
    return KEYWORDS.has(lower) ? lower : undefined;
  }

  private fail(token: Token, message: string, code: DiagnosticCode = 'condition/unexpected-token'): never {
    if (token.type === 'eof') {
      throw new ParseError({ severity: 'error', code: 'condition/unexpected-end', message: `condition ends too early: ${message}`, index: token.start });
    }
    throw new ParseError({ severity: 'error', code, message, index: token.start });
  }

  private expectEnd(hint?: string): void {
    const token = this.peek();
    if (token.type === 'eof') return;
    if (token.type === ')') this.fail(token, "unmatched ')': remove it or add '(' before it");
    this.fail(token, hint ?? `unexpected ${show(token)}: join conditions with AND or OR`);
  }

  private expect(type: Token['type'], what: string): Token {
    const token = this.peek();
    if (token.type !== type) this.fail(token, `expected ${what}, found ${show(token)}`);
    this.pos++;
    return token;
  }

  private enter(token: Token): void {
    if (++this.depth > MAX_DEPTH) this.fail(token, `condition is nested more than ${MAX_DEPTH} levels deep`);
  }

  private or(): Expr {
    let left = this.and();
    while (this.keyword() === 'or') {
      this.pos++;
      const right = this.and();
      left = { kind: 'or', left, right, span: { start: left.span.start, end: right.span.end } };
    }
    return left;
  }

  private and(): Expr {
    let left = this.unary();
    for (;;) {
      const kw = this.keyword();
      if (kw === 'and') {
        this.pos++;
        const right = this.unary();
        left = { kind: 'and', left, right, span: { start: left.span.start, end: right.span.end } };
      } else if (kw === 'not') {
        // The form in IoT Hub's own documentation example: `A NOT B` means `A AND NOT B`.
        const not = this.peek();
        this.warnings.push({
          severity: 'warning',
          code: 'condition/a-not-b',
          message: "'A NOT B' is read as 'A AND NOT B'; write AND NOT to say so",
          index: not.start,
        });
        const right = this.unary();
        left = { kind: 'and', left, right, span: { start: left.span.start, end: right.span.end } };
      } else {
        return left;
      }
    }
  }

  private unary(): Expr {
    const token = this.peek();
    if (this.keyword(token) === 'not') {
      this.pos++;
      this.enter(token);
      const operand = this.unary();
      this.depth--;
      return { kind: 'not', operand, span: { start: token.start, end: operand.span.end } };
    }
    return this.primary();
  }

  private primary(): Expr {
    const token = this.peek();
    if (token.type === '(') {
      this.pos++;
      this.enter(token);
      const inner = this.or();
      this.depth--;
      const close = this.peek();
      if (close.type !== ')') this.fail(close, `expected ')' to close the '(' at column ${token.start + 1}, found ${show(close)}`);
      this.pos++;
      return { ...inner, span: { start: token.start, end: close.end } } as Expr;
    }
    const kw = this.keyword(token);
    if (kw === 'is_defined') {
      this.pos++;
      this.expect('(', "'(' after IS_DEFINED");
      const property = this.property();
      const close = this.expect(')', "')' to close IS_DEFINED(");
      return { kind: 'defined', property, span: span(token, close) };
    }
    if (token.type === 'string' || token.type === 'number' || kw === 'true' || kw === 'false') {
      // `'prod' = tags.environment`: the literal on the left.
      const value = this.literal();
      const op = this.operator();
      const property = this.property();
      return { kind: 'compare', op: FLIP[op], property, value, span: { start: token.start, end: property.span.end } };
    }
    if (token.type === '*') this.fail(token, "'*' targets every device and must be the whole condition");
    if (kw !== undefined) this.fail(token, `expected a comparison, found the keyword ${token.text.toUpperCase()}`);
    if (token.type === 'eof') this.fail(token, "expected a comparison such as tags.environment = 'prod'");
    const property = this.property();
    const next = this.peek();
    const nextKw = this.keyword(next);
    if (nextKw === 'in' || nextKw === 'nin') {
      this.pos++;
      this.expect('[', `'[' after ${next.text.toUpperCase()}`);
      const values: LiteralNode[] = [];
      if (this.peek().type === ']') {
        this.fail(this.peek(), `${next.text.toUpperCase()} needs at least one value, e.g. ${property.text} IN ['a', 'b']`, 'condition/empty-list');
      }
      for (;;) {
        values.push(this.literal());
        const sep = this.peek();
        if (sep.type === ',') {
          this.pos++;
          continue;
        }
        if (sep.type === ']') {
          this.pos++;
          return { kind: 'in', negated: nextKw === 'nin', property, values, span: { start: property.span.start, end: sep.end } };
        }
        this.fail(sep, `expected ',' or ']' in the list, found ${show(sep)}`);
      }
    }
    const op = this.operator();
    const value = this.literal();
    return { kind: 'compare', op, property, value, span: { start: property.span.start, end: value.span.end } };
  }

  private operator(): CompareOp {
    const token = this.peek();
    if (token.type === '(') this.fail(token, NO_FUNCTIONS);
    if (token.type !== 'op') {
      this.fail(token, `expected a comparison operator (=, !=, <>, <, >, <=, >=, IN or NIN), found ${show(token)}`);
    }
    this.pos++;
    return token.text as CompareOp;
  }

  private literal(): LiteralNode {
    const token = this.peek();
    const s = { start: token.start, end: token.end };
    if (token.type === 'string') {
      this.pos++;
      return { value: token.text, span: s };
    }
    if (token.type === 'number') {
      this.pos++;
      if (!Number.isFinite(token.number)) this.fail(token, `number ${token.text} is out of range`);
      return { value: token.number!, span: s };
    }
    const kw = this.keyword(token);
    if (kw === 'true' || kw === 'false') {
      this.pos++;
      return { value: kw === 'true', span: s };
    }
    if (token.type === 'word') {
      this.fail(token, `expected a value, found ${show(token)}: quote strings with single quotes, e.g. '${token.text}'`);
    }
    const previous = this.tokens[this.pos - 1];
    if (token.type === 'op' && token.text === '=' && previous?.type === 'op' && previous.text === '=') {
      this.fail(token, "'==' is not an operator here: equality is a single =, e.g. tags.environment = 'prod'");
    }
    this.fail(token, `expected a value ('text', a number, true or false), found ${show(token)}`);
  }

  private property(): Property {
    const token = this.peek();
    if (token.type !== 'word' || this.keyword(token) !== undefined) {
      this.fail(token, `expected deviceId or tags.<name>, found ${show(token)}`);
    }
    this.pos++;
    const s = { start: token.start, end: token.end };
    const segments = token.text.split('.');
    const root = segments[0].toLowerCase();
    if (root === 'deviceid' && segments.length === 1) return { kind: 'deviceId', path: [], text: token.text, span: s };
    if (root === 'properties') {
      const which = segments[1]?.toLowerCase();
      const part = which === 'reported' || which === 'desired' ? `properties.${which}` : 'properties';
      this.fail(
        token,
        `${part} cannot be used in a deployment's target condition: IoT Hub deployments target devices by deviceId and tags.* only; put the value in a tag`,
        'condition/invalid-property',
      );
    }
    if (root !== 'tags') {
      if (this.peek().type === '(') this.fail(token, NO_FUNCTIONS, 'condition/invalid-property');
      const hint = root === 'deviceid' ? 'deviceId has no properties' : `did you mean ${suggestTags(segments)}?`;
      this.fail(token, `unknown property '${token.text}': only deviceId and tags.<name> can be used; ${hint}`, 'condition/invalid-property');
    }
    if (segments.length === 1) this.fail(token, "'tags' needs a tag name: tags.<name>", 'condition/invalid-property');
    let offset = token.start + segments[0].length + 1;
    const names: string[] = [];
    for (const segment of segments.slice(1)) {
      const escaped = /^\[\[(.*)\]\]$/s.exec(segment);
      if (escaped) {
        if (!SEGMENT.test(escaped[1])) {
          throw new ParseError({
            severity: 'error',
            code: 'condition/invalid-property',
            message: `tag name '${escaped[1]}' in '${token.text}': a tag name is letters, digits, _ and -, starting with a letter or _`,
            index: offset + 2,
          });
        }
        names.push(escaped[1].toLowerCase());
        offset += segment.length + 1;
        continue;
      }
      if (RESERVED.has(segment.toLowerCase())) {
        throw new ParseError({
          severity: 'error',
          code: 'condition/invalid-property',
          message: `tag name '${segment}' is a keyword of IoT Hub's query language, which rejects it unescaped: write it as [[${segment}]], e.g. ${token.text.slice(0, offset - token.start)}[[${segment}]]${token.text.slice(offset - token.start + segment.length)}`,
          index: offset,
        });
      }
      if (!SEGMENT.test(segment)) {
        const problem = segment === '' ? 'an empty tag name' : `tag name '${segment}'`;
        throw new ParseError({
          severity: 'error',
          code: 'condition/invalid-property',
          message: `${problem} in '${token.text}': a tag name is letters, digits, _ and -, starting with a letter or _`,
          index: offset,
        });
      }
      names.push(segment.toLowerCase());
      offset += segment.length + 1;
    }
    return { kind: 'tag', path: names, text: token.text, span: s };
  }
}

function span(first: Token, last: Token): Span {
  return { start: first.start, end: last.end };
}

function show(token: Token): string {
  switch (token.type) {
    case 'eof':
      return 'the end of the condition';
    case 'string':
      return `the value '${token.text.replace(/'/g, "''")}'`;
    case 'word':
      return `'${token.text}'`;
    default:
      return `'${token.text}'`;
  }
}
