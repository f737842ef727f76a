/** The target-condition syntax tree. Spans are indexes into the condition text. */

export interface Span {
  readonly start: number;
  readonly end: number;
}

export type Literal = string | number | boolean;

export type CompareOp = '=' | '!=' | '<' | '>' | '<=' | '>=';

export interface Property {
  /** `deviceId` or a tag path. */
  readonly kind: 'deviceId' | 'tag';
  /** Tag path segments below `tags`, lower-cased: property names match case-insensitively. */
  readonly path: readonly string[];
  /** As written, for messages. */
  readonly text: string;
  readonly span: Span;
}

export interface LiteralNode {
  readonly value: Literal;
  readonly span: Span;
}

export type Expr =
  | { readonly kind: 'all'; readonly span: Span }
  | { readonly kind: 'and' | 'or'; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | { readonly kind: 'not'; readonly operand: Expr; readonly span: Span }
  | {
      readonly kind: 'compare';
      readonly op: CompareOp;
      readonly property: Property;
      readonly value: LiteralNode;
      readonly span: Span;
    }
  | {
      readonly kind: 'in';
      /** `NIN`: true when no element is equal. */
      readonly negated: boolean;
      readonly property: Property;
      readonly values: readonly LiteralNode[];
      readonly span: Span;
    }
  | { readonly kind: 'defined'; readonly property: Property; readonly span: Span };

/** Renders a literal as it would be written in a condition. */
export function formatLiteral(value: Literal): string {
  return typeof value === 'string' ? `'${value.replace(/'/g, "''")}'` : String(value);
}
