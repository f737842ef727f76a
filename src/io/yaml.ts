/**
 * Reads one YAML file into plain data, safely, keeping what is needed to put
 * every later diagnostic on its line and column.
 *
 * yaml's own toJS is not used: it counts aliases rather than what they expand
 * to (so `tags: *common` on 500 devices trips its default limit while a
 * billion-laughs file with a large limit does not), and it builds objects with
 * a prototype. Here maps become records (no Object.prototype in the chain: see core/record.ts), an alias reuses the
 * object already built for its anchor, and the *expanded* size is bounded.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar } from 'yaml';
import type { Document, Node as YamlNode, Pair } from 'yaml';
import type { FleetFile } from '../core/validate/fleet.js';
import type { Diagnostic, DiagnosticCode, Location, PlacedDiagnostic } from '../core/diagnostics.js';
import { record } from '../core/record.js';
import { clip } from '../core/text.js';
import { aliasBudget, decodeText, DEFAULT_LIMITS, ENTRY_OFFSETS, firstLongLine, POSITION_HINTS, type YamlLimits } from './yaml-text.js';

export {
  aliasBudget,
  DEFAULT_LIMITS,
  ENTRY_OFFSETS,
  fastPathText,
  firstLongLine,
  firstLongLineReference,
  POSITION_HINTS,
  type YamlLimits,
} from './yaml-text.js';

export interface YamlFile {
  readonly file: string;
  /** Plain data, mappings as records (core/record.ts); `undefined` when the file could not be read. */
  readonly value: unknown;
  /** True when the file holds nothing (empty or only comments). */
  readonly empty: boolean;
  readonly diagnostics: readonly PlacedDiagnostic[];
  /** Puts a core diagnostic on its line and column in this file. */
  place(diagnostic: Diagnostic): PlacedDiagnostic;
  /** Positions of the top-level keys, when this file was parsed with yaml here. */
  hints?(): PositionHints | undefined;
  /**
   * A fleet file built elsewhere (a worker thread built its devices from the value it
   * scanned): the analysis takes it instead of `value`, which then only says where
   * each device starts.
   */
  readonly fleet?: FleetFile;
}

class Abort extends Error {
  constructor(
    readonly code: DiagnosticCode,
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Offsets to 1-based lines and columns, with the source line for the caret; line starts counted on first use. */
class Positions {
  private counter: LineCounter | undefined;

  constructor(private readonly text: () => string) {}

  private lines(): LineCounter {
    if (!this.counter) {
      const text = this.text();
      this.counter = new LineCounter();
      this.counter.addNewLine(0);
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.counter.addNewLine(i + 1);
    }
    return this.counter;
  }

  place(file: string, { severity, code, message }: Pick<Diagnostic, 'severity' | 'code' | 'message'>, offset: number): PlacedDiagnostic {
    const text = this.text();
    const { line, col } = this.lines().linePos(Math.max(0, Math.min(offset, text.length)));
    const start = this.lines().lineStarts[line - 1] ?? 0;
    const end = text.indexOf('\n', start);
    const excerpt = text.slice(start, Math.min(end < 0 ? text.length : end, start + 400)).replace(/\r$/, '');
    return { severity, code, message, file, line, column: col, excerpt };
  }
}

/**
 * Where the top-level keys of a file are: enough to place what the core says about
 * a deployment (its priority, its target condition) without parsing it again.
 */
export type PositionHints = Record<string, { readonly key: number; readonly start: number; readonly end: number }>;

/**
 * A faster reader for a known shape (the fleet scanner): returns the same value
 * `yaml` would, or `undefined` to fall back to `yaml`.
 */
export type FastPath = (text: string) => unknown;

export function readYaml(file: string, bytes: Uint8Array, limits: YamlLimits = DEFAULT_LIMITS, fast?: FastPath): YamlFile {
  let text = '';
  let doc: Document.Parsed | undefined;
  const diagnostics: PlacedDiagnostic[] = [];
  const positions = new Positions(() => text);
  const report = (code: DiagnosticCode, message: string, offset: number, severity: 'error' | 'warning' = 'error') => {
    diagnostics.push(positions.place(file, { severity, code, message }, offset));
  };
  const result = (value: unknown, empty = false): YamlFile => ({
    file,
    value,
    empty,
    diagnostics,
    place: (d) => positions.place(file, d, doc && d.location ? locate(doc, text, d.location) : 0),
    hints: () => (doc ? hintsOf(doc) : undefined),
  });

  if (bytes.length > limits.maxBytes) {
    diagnostics.push({
      severity: 'error',
      code: 'file/too-large',
      message: `file is ${bytes.length} bytes; the limit is ${limits.maxBytes}: split it into smaller files`,
      file,
      line: 1,
      column: 1,
    });
    return result(undefined);
  }
  text = decodeText(bytes);

  if (text.includes('\uFFFD')) {
    // A decoding error shows as U+FFFD, but so does a real U+FFFD: find the first invalid byte.
    const badByte = firstInvalidUtf8(bytes);
    if (badByte >= 0) {
      report(
        'file/invalid-utf8',
        `byte ${badByte} (0x${bytes[badByte].toString(16).padStart(2, '0')}) is not valid UTF-8: save the file as UTF-8`,
        decodeText(bytes.subarray(0, badByte)).length,
      );
      return result(undefined);
    }
  }
  const long = firstLongLine(text, limits.maxLineLength);
  if (long) {
    report('file/line-too-long', `line is ${long.length} characters; the limit is ${limits.maxLineLength}: break it up`, long.start);
    return result(undefined);
  }

  const fastValue = fast?.(text);
  if (fastValue !== undefined) return fastFile(file, bytes, limits, fastValue);

  try {
    // The line counter is already filled; give yaml its own so it does not add lines twice.
    // uniqueKeys is quadratic in a mapping's size in yaml: the converter checks duplicates in linear time.
    doc = parseDocument(text, { uniqueKeys: false, merge: true, prettyErrors: false, strict: true, lineCounter: new LineCounter() });
  } catch (e) {
    if (e instanceof RangeError) report('yaml/too-deep', tooDeep(limits), deepestOffset(text, limits.maxDepth));
    else report('yaml/syntax', `could not parse the YAML: ${clip((e as Error).message)}`, 0);
    return result(undefined);
  }
  for (const e of doc.errors) {
    // yaml catches its own stack overflow on very deep nesting and reports it as an error.
    if (/call stack/i.test(e.message)) report('yaml/too-deep', tooDeep(limits), deepestOffset(text, limits.maxDepth) || e.pos[0]);
    else report(e.code === 'DUPLICATE_KEY' ? 'yaml/duplicate-key' : 'yaml/syntax', yamlMessage(e.message), e.pos[0]);
  }
  for (const w of doc.warnings) report('yaml/warning', yamlMessage(w.message), w.pos[0], 'warning');
  if (doc.errors.length > 0) {
    // Duplicate keys are still worth knowing about in a file with syntax errors.
    const partial = new Converter(text.length, limits);
    try {
      if (doc.contents) partial.convert(doc.contents as YamlNode);
    } catch {
      // The syntax errors say what is wrong.
    }
    for (const p of partial.problems) if (p.code === 'yaml/duplicate-key') report(p.code, p.message, p.offset);
    return result(undefined);
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return result(null, true);

  const converter = new Converter(text.length, limits);
  try {
    const value = converter.convert(doc.contents as YamlNode);
    for (const p of converter.problems) report(p.code, p.message, p.offset);
    return result(converter.problems.length > 0 ? undefined : value);
  } catch (e) {
    for (const p of converter.problems) report(p.code, p.message, p.offset);
    if (e instanceof Abort) {
      report(e.code, e.message, e.offset);
      return result(undefined);
    }
    if (e instanceof RangeError) {
      report('yaml/too-deep', tooDeep(limits), deepestOffset(text, limits.maxDepth));
      return result(undefined);
    }
    throw e;
  }
}

const duplicateMessage = (name: string): string => `duplicate key '${clip(name, 80)}': a key may appear once in a mapping`;

const tooDeep = (limits: YamlLimits): string => `nesting is deeper than ${limits.maxDepth} levels: flatten the document`;

/**
 * Where nesting first goes deeper than `maxDepth`, estimated without parsing (the
 * parser itself overflowed): flow brackets outside quotes, plus block levels by
 * indentation and `- ` entries. 0 when no such place is found.
 */
export function deepestOffset(text: string, maxDepth: number): number {
  const indents: number[] = [];
  let flow = 0;
  let quote = 0;
  for (let i = 0, lineStart = 0, atLineStart = true; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      lineStart = i + 1;
      atLineStart = true;
      continue;
    }
    if (quote !== 0) {
      if (c === quote) quote = 0;
      continue;
    }
    if (atLineStart && flow === 0) {
      if (c === 32) continue;
      atLineStart = false;
      if (c === 35) continue;
      const indent = i - lineStart;
      while (indents.length > 0 && indents[indents.length - 1] >= indent) indents.pop();
      indents.push(indent);
    }
    atLineStart = false;
    const before = i === lineStart ? 32 : text.charCodeAt(i - 1);
    if ((c === 34 || c === 39) && (before === 32 || before === 91 || before === 123 || before === 44 || before === 58)) quote = c;
    else if (c === 91 || c === 123) flow++;
    else if (c === 93 || c === 125) flow = Math.max(0, flow - 1);
    else if (c === 45 && text.charCodeAt(i + 1) === 32 && flow === 0) indents.push(i + 2 - lineStart);
    else if (c === 35 && text.charCodeAt(i - 1) === 32) {
      const nl = text.indexOf('\n', i);
      i = (nl < 0 ? text.length : nl) - 1;
      continue;
    }
    if (indents.length + flow > maxDepth + 1) return i;
  }
  return 0;
}

/**
 * A file's bytes, or how to read them again when they are needed (to place a
 * diagnostic): `undefined` then means the file changed since it was read.
 */
export type FileBytes = Uint8Array | (() => Uint8Array | undefined);

/** What readYaml gives for a file whose `fastPathText` a fast path read as `value` (not `undefined`) elsewhere. */
export function readFast(file: string, bytes: FileBytes, limits: YamlLimits, value: unknown): YamlFile {
  return fastFile(file, bytes, limits, value);
}

/**
 * A file read on the fast path. Positions are needed only for diagnostics: the file
 * is parsed with yaml then, once. Defined apart from readYaml so that its closure
 * keeps only the bytes, not the decoded text as well (146 MB for a 1M-device fleet).
 */
function fastFile(file: string, bytes: FileBytes, limits: YamlLimits, value: unknown): YamlFile {
  const hints = typeof value === 'object' && value !== null ? (value as { [POSITION_HINTS]?: PositionHints })[POSITION_HINTS] : undefined;
  return reparsedFile(file, bytes, limits, value, false, [], hints);
}

/**
 * A file whose value was read elsewhere (the fleet scanner, a worker thread).
 * A diagnostic on a top-level key is placed from `hints`; any other parses the
 * file again with yaml, once.
 */
function reparsedFile(
  file: string,
  bytes: FileBytes,
  limits: YamlLimits,
  value: unknown,
  empty: boolean,
  diagnostics: readonly PlacedDiagnostic[],
  hints?: PositionHints,
): YamlFile {
  let slow: YamlFile | undefined;
  let text: string | undefined;
  let read: Uint8Array | undefined | null = typeof bytes === 'function' ? undefined : bytes;
  // Read again at most once; null: the file changed since it was scanned.
  const current = (): Uint8Array | null => {
    if (read === undefined) read = (bytes as () => Uint8Array | undefined)() ?? null;
    return read;
  };
  const decoded = () => (text ??= decodeText(current()!));
  const positions = new Positions(decoded);
  return {
    file,
    value,
    empty,
    diagnostics,
    hints: () => hints,
    place: (d) => {
      if (current() === null) return changedMeanwhile(file, d);
      const path = d.location?.path ?? [];
      const entry = d.location ? placeInEntry(d, decoded, value) : undefined;
      if (entry !== undefined) return positions.place(file, d, entry);
      const hint = hints && path.length <= 1 ? hints[path.length === 0 ? '' : String(path[0])] : undefined;
      if (!hint) return (slow ??= readYaml(file, current()!, limits)).place(d);
      const scalar = path.length === 1 && typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[String(path[0])] : undefined;
      const offset = d.location?.key
        ? hint.key
        : d.location?.index !== undefined && typeof scalar === 'string'
          ? scalarOffset(decoded(), hint.start, hint.end, scalar, d.location.index)
          : hint.start;
      return positions.place(file, d, offset);
    },
  };
}

/** A diagnostic on a file that changed after it was read: where it was cannot be told, and saying so beats a wrong line. */
const changedMeanwhile = (file: string, { severity, code, message }: Diagnostic): PlacedDiagnostic => ({
  severity,
  code,
  message: `${message} (${file} changed while edgeops read it, so the line is not known: run edgeops again)`,
  file,
  line: 1,
  column: 1,
});

/** The offset of a diagnostic about `devices[i]…`, from a parse of that device's lines alone; undefined when that does not work. */
function placeInEntry(d: Diagnostic, text: () => string, value: unknown): number | undefined {
  const offsets = typeof value === 'object' && value !== null ? (value as { [ENTRY_OFFSETS]?: number[] })[ENTRY_OFFSETS] : undefined;
  const path = d.location?.path ?? [];
  if (!offsets || path[0] !== 'devices' || typeof path[1] !== 'number' || path[1] >= offsets.length) return undefined;
  const from = offsets[path[1]];
  const snippet = text().slice(from, offsets[path[1] + 1] ?? text().length);
  const doc = parseDocument(snippet, { uniqueKeys: false, merge: true, prettyErrors: false, strict: true, lineCounter: new LineCounter() });
  if (doc.errors.length > 0 || !isSeq(doc.contents)) return undefined;
  return from + locate(doc, snippet, { ...d.location!, path: [0, ...path.slice(2)] });
}

/** The offset of the first byte that is not part of well-formed UTF-8, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [n, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [n, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

function hintsOf(doc: Document.Parsed): PositionHints {
  const hints: PositionHints = record() as PositionHints;
  hints[''] = { key: start(doc.contents as YamlNode), start: start(doc.contents as YamlNode), end: start(doc.contents as YamlNode) };
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      if (!isScalar(pair.key) || !pair.value) continue;
      const value = pair.value as YamlNode;
      hints[String(pair.key.value)] = { key: start(pair.key), start: start(value), end: value.range?.[1] ?? start(value) };
    }
  }
  return hints;
}

function yamlMessage(message: string): string {
  // yaml appends "at line L, column C" — our position says that already.
  return clip(message.replace(/ at line \d+, column \d+:?[\s\S]*$/, ''));
}

const isMergeKey = (key: unknown): boolean =>
  isScalar(key) &&
  (key.value === '<<' || (typeof key.value === 'symbol' && key.value.description === '<<')) &&
  (key.type === undefined || key.type === Scalar.PLAIN);

const start = (node: { range?: [number, number, number] | null } | null | undefined): number => node?.range?.[0] ?? 0;

class Converter {
  private readonly anchors = new Map<string, YamlNode>();
  private readonly built = new Map<YamlNode, { value: unknown; size: number }>();
  private readonly building = new Set<YamlNode>();
  private expanded = 0;
  private readonly budget: number;
  /**
   * Problems that do not stop the reading (a key written twice in one mapping, a
   * merge key on a scalar), so one does not hide the next; at most 1000.
   */
  readonly problems: { code: DiagnosticCode; message: string; offset: number }[] = [];

  private problem(code: DiagnosticCode, message: string, offset: number): void {
    if (this.problems.length < 1000) this.problems.push({ code, message, offset });
  }

  constructor(
    textLength: number,
    private readonly limits: YamlLimits,
  ) {
    this.budget = aliasBudget(textLength);
  }

  convert(node: YamlNode, depth = 0): unknown {
    return this.node(node, depth).value;
  }

  private node(node: YamlNode, depth: number): { value: unknown; size: number } {
    if (isAlias(node)) {
      const target = this.anchors.get(node.source);
      if (!target) throw new Abort('yaml/syntax', `alias *${node.source} has no anchor &${node.source} before it`, start(node));
      if (this.building.has(target)) {
        throw new Abort('yaml/recursive-alias', `alias *${node.source} refers to a node that contains it`, start(node));
      }
      const built = this.built.get(target)!;
      this.expanded += built.size;
      if (this.expanded > this.budget) {
        throw new Abort(
          'yaml/alias-bomb',
          `aliases expand this file to more than ${this.budget} bytes: a file whose aliases expand far beyond its own size is rejected (a "billion laughs" attack)`,
          start(node),
        );
      }
      return built;
    }
    if (depth > this.limits.maxDepth) {
      throw new Abort('yaml/too-deep', `nesting is deeper than ${this.limits.maxDepth} levels`, start(node));
    }
    if (node.anchor) this.anchors.set(node.anchor, node);
    let result: { value: unknown; size: number };
    if (isScalar(node)) {
      const value = typeof node.value === 'bigint' ? Number(node.value) : node.value;
      result = { value, size: Math.max(1, (node.range?.[1] ?? 0) - start(node)) };
    } else if (isMap(node)) {
      this.building.add(node);
      const map = record();
      let size = 2;
      const explicit = new Set<string>();
      for (const pair of node.items) size += this.pair(map, pair, depth, explicit);
      this.building.delete(node);
      result = { value: map, size };
    } else if (isSeq(node)) {
      this.building.add(node);
      const list: unknown[] = [];
      let size = 2;
      for (const item of node.items) {
        const built = this.node(item as YamlNode, depth + 1);
        list.push(built.value);
        size += built.size + 1;
      }
      this.building.delete(node);
      result = { value: list, size };
    } else {
      throw new Abort('yaml/syntax', 'unsupported YAML node', start(node));
    }
    this.built.set(node, result);
    return result;
  }

  private pair(map: Record<string, unknown>, pair: Pair, depth: number, explicit: Set<string>): number {
    const { key, value } = pair as Pair<YamlNode | null, YamlNode | null>;
    if (isMergeKey(key)) {
      const source = value ? this.node(value, depth + 1) : { value: null, size: 0 };
      const sources = Array.isArray(source.value) ? source.value : [source.value];
      for (const s of sources) {
        if (typeof s !== 'object' || s === null || Array.isArray(s)) {
          this.problem('yaml/syntax', 'a merge key (<<) takes a mapping or a list of mappings', start(value));
          continue;
        }
        for (const k of Object.keys(s)) if (!Object.hasOwn(map, k)) map[k] = (s as Record<string, unknown>)[k];
      }
      return source.size;
    }
    if (key !== null && !isScalar(key)) {
      throw new Abort('yaml/syntax', 'a key must be a plain value, not a list or mapping', start(key));
    }
    const name = key === null || key.value === null ? '' : String(key.value);
    if (explicit.has(name)) this.problem('yaml/duplicate-key', duplicateMessage(name), start(key));
    else explicit.add(name);
    const built = value ? this.node(value, depth + 1) : { value: null, size: 1 };
    map[name] = built.value;
    return name.length + built.size + 2;
  }
}

/** The offset a location points at: the node at its path, or the nearest ancestor that exists. */
function locate(doc: Document.Parsed, text: string, location: Location): number {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  for (const segment of location.path ?? []) {
    const child = childOf(doc, node, segment);
    if (!child) return start(keyNode as YamlNode) || start(node as YamlNode);
    [keyNode, node] = child;
  }
  if (location.key && keyNode) return start(keyNode as YamlNode);
  if (location.index !== undefined && isScalar(node) && node.range) {
    return scalarOffset(text, node.range[0], node.range[1], String(node.value), location.index);
  }
  return start(node as YamlNode);
}

function childOf(doc: Document.Parsed, node: unknown, segment: string | number, seen = 0): [unknown, unknown] | undefined {
  if (isAlias(node)) node = node.resolve(doc);
  if (isSeq(node) && typeof segment === 'number') return [undefined, node.items[segment]];
  if (!isMap(node)) return undefined;
  let merged: [unknown, unknown] | undefined;
  for (const pair of node.items) {
    if (!isPair(pair)) continue;
    if (isMergeKey(pair.key) && seen < 8) {
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const s of sources) merged ??= childOf(doc, s, segment, seen + 1);
    } else if (isScalar(pair.key) && String(pair.key.value) === String(segment)) {
      return [pair.key, pair.value];
    }
  }
  return merged;
}

/**
 * Maps an index into a scalar's value to an offset in the source, whatever its
 * style: value characters appear in order in the source, with quotes, escapes,
 * doubled quotes and indentation in between, so a greedy walk aligns them.
 */
export function scalarOffset(text: string, from: number, to: number, value: string, index: number): number {
  let src = from;
  if (text[src] === '"' || text[src] === "'") src++;
  else if (text[src] === '|' || text[src] === '>') src = text.indexOf('\n', src) + 1 || src;
  for (let i = 0; i < index && i < value.length; i++) {
    const found = text.indexOf(value[i], src);
    if (found < 0 || found >= to) return from;
    src = found + 1;
  }
  if (index >= value.length) return Math.min(src, to);
  const found = text.indexOf(value[index], src);
  return found >= 0 && found < to ? found : src;
}
