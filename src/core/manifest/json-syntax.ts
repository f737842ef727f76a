/**
 * Where a JSON text first goes wrong, as an index and a short reason. JSON.parse
 * says neither portably (and V8's message quotes the text), so this small
 * recogniser does; it is iterative, so deep nesting cannot overflow the stack.
 */
export interface JsonSyntaxError {
  readonly index: number;
  readonly message: string;
}

const SPACE = /[ \t\n\r]/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  // What each open container expects next.
  const stack: ('{' | '[')[] = [];
  const skip = () => {
    while (i < text.length && SPACE.test(text[i])) i++;
  };
  const describe = () => (i >= text.length ? 'the text ends too early' : `unexpected ${JSON.stringify(text[i])}`);
  const fail = (what: string): JsonSyntaxError => ({ index: Math.min(i, text.length), message: `${describe()}, expected ${what}` });
  const string = (): boolean => {
    if (text[i] !== '"') return false;
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return false;
      } else i++;
    }
    return false;
  };
  // Parses one value; containers are opened on the stack.
  const value = (): JsonSyntaxError | 'open' | undefined => {
    skip();
    const c = text[i];
    if (c === '{' || c === '[') {
      stack.push(c);
      i++;
      return 'open';
    }
    if (c === '"') return string() ? undefined : fail('a well-formed string');
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return undefined;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) {
      i += m[0].length;
      return undefined;
    }
    return fail('a value');
  };
  let r = value();
  if (r && r !== 'open') return r;
  let first = r === 'open';
  while (stack.length > 0) {
    skip();
    const top = stack[stack.length - 1];
    const close = top === '{' ? '}' : ']';
    if (text[i] === close) {
      i++;
      stack.pop();
      first = false;
      continue;
    }
    if (!first) {
      if (text[i] !== ',') return fail(`',' or '${close}'`);
      i++;
      skip();
    }
    first = false;
    if (top === '{') {
      if (!string()) return fail('a property name in double quotes');
      skip();
      if (text[i] !== ':') return fail("':'");
      i++;
    }
    r = value();
    if (r === 'open') first = true;
    else if (r) return r;
  }
  skip();
  return i < text.length ? fail('the end of the text') : undefined;
}
