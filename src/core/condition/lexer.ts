/** Splits a target condition into tokens. Hand-written so every error has an exact index. */

export type TokenType = '(' | ')' | '[' | ']' | ',' | '*' | 'op' | 'string' | 'number' | 'word' | 'eof';

export interface Token {
  readonly type: TokenType;
  readonly start: number;
  readonly end: number;
  /** Operator text, word text, or the decoded string value. */
  readonly text: string;
  readonly number?: number;
}

export interface LexError {
  readonly code: 'condition/double-quote' | 'condition/invalid-character' | 'condition/unterminated-string';
  readonly message: string;
  readonly index: number;
}

const VALUE_CLASS = 'A-Za-z0-9\\-:.+%_#*?!(),=@;$';
/** Characters IoT Hub allows in a string value, besides a doubled single quote. */
export const VALUE_CHARS = new RegExp(`^[${VALUE_CLASS}]$`);
/** A string a condition's string value can hold (a single quote is written twice). */
export const VALUE_STRING = new RegExp(`^[${VALUE_CLASS}']*$`);
export const VALUE_CHARS_TEXT = "letters, digits and -:.+%_#*?!(),=@;$ (a single quote is written twice: '')";

const WORD_START = /[A-Za-z_$]/;
const WORD_CHAR = /[A-Za-z0-9_\-.$]/;
const DIGIT = /[0-9]/;
const SPACE = /[ \t\r\n]/;

const describe = (ch: string): string =>
  ch === ' ' ? 'a space' : /[\x21-\x7e]/.test(ch) ? `'${ch}'` : `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

export function lex(text: string): { tokens: Token[]; error?: LexError } {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (code: LexError['code'], message: string, index: number) => ({ tokens, error: { code, message, index } });
  while (i < text.length) {
    const ch = text[i];
    if (SPACE.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if ('()[],*'.includes(ch)) {
      tokens.push({ type: ch as TokenType, start, end: i + 1, text: ch });
      i++;
    } else if (ch === '=') {
      tokens.push({ type: 'op', start, end: i + 1, text: '=' });
      i++;
    } else if (ch === '!' || ch === '<' || ch === '>') {
      const two = text.slice(i, i + 2);
      if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
        tokens.push({ type: 'op', start, end: i + 2, text: two === '<>' ? '!=' : two });
        i += 2;
      } else if (ch === '!') {
        return fail('condition/invalid-character', "unexpected character '!': use NOT, or != for 'not equal'", i);
      } else {
        tokens.push({ type: 'op', start, end: i + 1, text: ch });
        i++;
      }
    } else if (ch === '"') {
      return fail(
        'condition/double-quote',
        "double quotes are not allowed in a target condition: write string values in single quotes, e.g. tags.environment = 'prod'",
        i,
      );
    } else if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) {
          return fail('condition/unterminated-string', 'string value is not closed: add a single quote at its end', start);
        }
        const c = text[i];
        if (c === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (!VALUE_CHARS.test(c)) {
          const what = c === '"' ? 'a double quote' : describe(c);
          return fail('condition/invalid-character', `${what} is not allowed in a string value; IoT Hub allows ${VALUE_CHARS_TEXT}`, i);
        }
        value += c;
        i++;
      }
      tokens.push({ type: 'string', start, end: i, text: value });
    } else if (DIGIT.test(ch) || (ch === '-' && DIGIT.test(text[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400))!;
      i += m[0].length;
      if (i < text.length && WORD_CHAR.test(text[i])) {
        return fail('condition/invalid-character', `unexpected ${describe(text[i])} after the number ${m[0]}`, i);
      }
      tokens.push({ type: 'number', start, end: i, text: m[0], number: Number(m[0]) });
    } else if (WORD_START.test(ch)) {
      for (;;) {
        while (i < text.length && WORD_CHAR.test(text[i])) i++;
        // IoT Hub's escape for a property named like a keyword: tags.[[group]].name
        if (text[i - 1] !== '.' || !text.startsWith('[[', i)) break;
        const close = text.indexOf(']]', i + 2);
        if (close < 0) return fail('condition/invalid-character', "'[[' is not closed: write an escaped name as [[name]]", i);
        i = close + 2;
      }
      tokens.push({ type: 'word', start, end: i, text: text.slice(start, i) });
    } else if ((ch === '&' || ch === '|') && text[i + 1] === ch) {
      return fail('condition/invalid-character', `'${ch}${ch}' is not a condition operator: write ${ch === '&' ? 'AND' : 'OR'}`, i);
    } else {
      return fail('condition/invalid-character', `unexpected character ${describe(ch)}`, i);
    }
  }
  tokens.push({ type: 'eof', start: text.length, end: text.length, text: '' });
  return { tokens };
}
