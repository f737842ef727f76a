// Bundled by scripts/bundle.mjs from the edgeops sources: do not edit.
import { createRequire as __edgeopsCreateRequire } from 'node:module';
const require = __edgeopsCreateRequire(import.meta.url);

// src/io/fleet-parallel-worker.ts
import { workerData } from "node:worker_threads";

// src/core/condition/lexer.ts
var VALUE_CLASS = "A-Za-z0-9\\-:.+%_#*?!(),=@;$";
var VALUE_CHARS = new RegExp(`^[${VALUE_CLASS}]$`);
var VALUE_STRING = new RegExp(`^[${VALUE_CLASS}']*$`);

// src/core/condition/parser.ts
var SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

// src/core/record.ts
function Bare() {
}
Bare.prototype = Object.freeze(/* @__PURE__ */ Object.create(null));
function record() {
  return new Bare();
}

// src/core/fleet-columns.ts
var MAPPING = -1;
function narrowColumn(column, rows, values2) {
  const out = values2 < 128 ? new Int8Array(rows) : values2 < 32768 ? new Int16Array(rows) : new Int32Array(rows);
  out.set(column.subarray(0, rows));
  return out;
}

// src/core/collections.ts
var isMapping = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

// src/core/diagnostics.ts
var error = (code, message, location) => ({
  severity: "error",
  code,
  message,
  location
});
var warning = (code, message, location) => ({
  severity: "warning",
  code,
  message,
  location
});

// src/core/validate/fleet.ts
var DEVICE_ID = /^[A-Za-z0-9\-.%_*?!(),:=@$']{1,128}$/;
var FORBIDDEN_NAME = /[.$ \u0000-\u001f\u007f-\u009f]/;
var MAX_TAG_DEPTH = 10;
var MAX_TAGS_BYTES = 8 * 1024;
var MAX_TAG_STRING_BYTES = 4 * 1024;
var EXAMPLE = "e.g.\ndevices:\n  - deviceId: linuxprod1\n    tags: { environment: prod }";
function buildFleetFile(file, value) {
  return build(file, value, true);
}
function build(file, value, fast) {
  const diagnostics = [];
  if (value === null || value === void 0) {
    if (value === null) diagnostics.push(warning("file/empty", "fleet file is empty: it declares no devices", { file }));
    return { devices: [], diagnostics, mixedCaseTagNames: false };
  }
  if (!isMapping(value)) {
    const what = Array.isArray(value) ? "a list" : `a ${typeof value}`;
    diagnostics.push(error("fleet/not-a-mapping", `a fleet file is a mapping with a devices: list, not ${what}; ${EXAMPLE}`, { file }));
    return { devices: [], diagnostics, mixedCaseTagNames: false };
  }
  for (const key of Object.keys(value)) {
    if (key !== "devices") {
      diagnostics.push(error("fleet/not-a-mapping", `unknown key '${key}': a fleet file has only devices:`, { file, path: [key], key: true }));
    }
  }
  const list = value.devices;
  if (list === null) {
    diagnostics.push(warning("file/empty", "devices: is empty", { file, path: ["devices"] }));
    return { devices: [], diagnostics, mixedCaseTagNames: false };
  }
  if (!Array.isArray(list)) {
    const msg = list === void 0 ? `fleet file has no devices: list; ${EXAMPLE}` : "devices: must be a list of { deviceId, tags }";
    diagnostics.push(error("fleet/no-devices", msg, { file, path: list === void 0 ? [] : ["devices"] }));
    return { devices: [], diagnostics, mixedCaseTagNames: false };
  }
  const builder = new FleetFileBuilder(file, fast, diagnostics);
  for (let index = 0; index < list.length; index++) {
    const item = list[index];
    if (item === void 0 && !(index in list)) continue;
    builder.add(item, index);
  }
  return builder.done();
}
var FleetFileBuilder = class {
  constructor(file, fast = true, diagnostics = []) {
    this.file = file;
    this.fast = fast;
    this.diagnostics = diagnostics;
  }
  file;
  fast;
  diagnostics;
  devices = [];
  seen = { mixedCase: false };
  clean = { size: 0, mixed: false, lists: [], listsMixed: [], next: 0 };
  /** The entry at `index` of the list. */
  add(item, index) {
    const { file, seen } = this;
    const device = (this.fast ? cleanDevice(file, item, index, this.clean, seen) : void 0) ?? buildDevice(file, item, index, this.diagnostics, seen);
    if (device) this.devices.push(device);
  }
  done() {
    return { devices: this.devices, diagnostics: this.diagnostics, mixedCaseTagNames: this.seen.mixedCase };
  }
};
function buildDevice(file, item, index, diagnostics, seen) {
  const at = (...path) => ({ file, path: ["devices", index, ...path] });
  if (!isMapping(item)) {
    diagnostics.push(error("fleet/invalid-device", "a device is a mapping with deviceId: and tags:", at()));
    return void 0;
  }
  for (const key of Object.keys(item)) {
    if (key !== "deviceId" && key !== "tags") {
      diagnostics.push(error("fleet/invalid-device", `unknown key '${key}': a device has only deviceId: and tags:`, { ...at(key), key: true }));
    }
  }
  const deviceId = item.deviceId;
  if (typeof deviceId !== "string") {
    const msg = deviceId === void 0 || deviceId === null ? "device has no deviceId" : `deviceId must be a string; quote it: deviceId: '${String(deviceId)}'`;
    diagnostics.push(error("fleet/invalid-device-id", msg, deviceId === void 0 ? at() : at("deviceId")));
    return void 0;
  }
  if (!DEVICE_ID.test(deviceId)) {
    diagnostics.push(
      error(
        "fleet/invalid-device-id",
        deviceId.length > 128 ? `deviceId is ${deviceId.length} characters; IoT Hub allows at most 128` : `deviceId '${deviceId}' has a character IoT Hub does not allow; use ASCII letters, digits and -.%_*?!(),:=@$'`,
        at("deviceId")
      )
    );
    return void 0;
  }
  let tags = record();
  if (item.tags !== void 0 && item.tags !== null) {
    if (!isMapping(item.tags)) {
      diagnostics.push(error("fleet/invalid-tag", "tags: must be a mapping of tag names to values", at("tags")));
    } else {
      tags = checkTags(item.tags, at("tags"), diagnostics, seen);
    }
  }
  return { deviceId, tags, file, index };
}
var REMEMBERED_LISTS = 8;
function cleanDevice(file, item, index, walk, seen) {
  if (!isMapping(item)) return void 0;
  for (const key in item) if (key !== "deviceId" && key !== "tags") return void 0;
  const deviceId = item.deviceId;
  if (typeof deviceId !== "string" || !DEVICE_ID.test(deviceId)) return void 0;
  const tags = item.tags;
  if (tags === void 0 || tags === null) return { deviceId, tags: record(), file, index };
  if (!isMapping(tags)) return void 0;
  walk.size = 0;
  walk.mixed = false;
  if (!cleanTagMap(tags, 1, walk) || walk.size > MAX_TAGS_BYTES) return void 0;
  if (walk.mixed) seen.mixedCase = true;
  return { deviceId, tags, file, index };
}
function cleanTagMap(map, depth, walk) {
  if (!cleanNames(map, walk)) return false;
  for (const key in map) {
    const value = map[key];
    walk.size += key.length + 4;
    if (typeof value === "string") {
      walk.size += value.length + 2;
      if (value.length > MAX_TAG_STRING_BYTES || !valueExpressible(value)) return false;
    } else if (typeof value === "number") {
      walk.size += 12;
      if (!Number.isFinite(value)) return false;
    } else if (typeof value === "boolean") {
      walk.size += 5;
    } else if (!isMapping(value) || depth + 1 > MAX_TAG_DEPTH || !cleanTagMap(value, depth + 1, walk)) {
      return false;
    }
  }
  return true;
}
function sameNames(map, list) {
  let n = 0;
  for (const key in map) if (list[n++] !== key) return false;
  return n === list.length;
}
function cleanNames(map, walk) {
  const { lists } = walk;
  for (let l = 0; l < lists.length; l++) {
    if (!sameNames(map, lists[l])) continue;
    if (walk.listsMixed[l]) walk.mixed = true;
    return true;
  }
  const keys = Object.keys(map);
  let mixed = false;
  for (let n = 0; n < keys.length; n++) {
    const name = nameVerdict(keys[n]);
    if (name.forbidden || !name.expressible) return false;
    if (name.lower !== keys[n]) mixed = true;
    if (mixed) {
      for (let m = 0; m < n; m++) if (nameVerdict(keys[m]).lower === name.lower) return false;
    }
  }
  lists[walk.next] = keys;
  walk.listsMixed[walk.next] = mixed;
  walk.next = (walk.next + 1) % REMEMBERED_LISTS;
  if (mixed) walk.mixed = true;
  return true;
}
var names = /* @__PURE__ */ new Map();
var values = /* @__PURE__ */ new Map();
var CACHE_LIMIT = 1e5;
function nameVerdict(key) {
  let v = names.get(key);
  if (!v) {
    v = { lower: key.toLowerCase(), forbidden: FORBIDDEN_NAME.test(key) || key === "", expressible: SEGMENT.test(key) };
    if (names.size >= CACHE_LIMIT) names.clear();
    names.set(key, v);
  }
  return v;
}
function valueExpressible(value) {
  let v = values.get(value);
  if (v === void 0) {
    v = VALUE_STRING.test(value);
    if (values.size >= CACHE_LIMIT) values.clear();
    values.set(value, v);
  }
  return v;
}
var DROP = /* @__PURE__ */ Symbol("drop");
function checkTags(tags, where, diagnostics, seen) {
  const walk = { file: where.file, diagnostics, seen, size: 0 };
  const result = checkTagMap(walk, tags, where.path, 1);
  if (walk.size > MAX_TAGS_BYTES) {
    diagnostics.push(error("fleet/tags-too-large", `tags are about ${walk.size} bytes; IoT Hub limits a device's tags to ${MAX_TAGS_BYTES} bytes`, where));
  }
  return result;
}
function checkTagMap(walk, map, path, depth) {
  let copy;
  const keys = Object.keys(map);
  for (let n = 0; n < keys.length; n++) {
    const key = keys[n];
    const value = map[key];
    const kept = checkTagName(walk, keys, n, path) ? checkTagValue(walk, key, value, path, depth) : DROP;
    if (kept === value) continue;
    if (!copy) {
      copy = record();
      for (const k of keys) copy[k] = map[k];
    }
    delete copy[key];
    if (kept !== DROP) copy[key] = kept;
  }
  return copy ?? map;
}
var tagAt = (walk, path, key) => ({ file: walk.file, path: [...path, key] });
function checkTagName(walk, keys, n, path) {
  const key = keys[n];
  const name = nameVerdict(key);
  if (name.lower !== key) walk.seen.mixedCase = true;
  walk.size += key.length + 4;
  for (let m = 0; m < n; m++) {
    if (nameVerdict(keys[m]).lower === name.lower) {
      walk.diagnostics.push(
        error("fleet/tag-case-collision", `tags '${keys[m]}' and '${key}' differ only by case; conditions match tag names case-insensitively, so keep one`, {
          ...tagAt(walk, path, key),
          key: true
        })
      );
      break;
    }
  }
  if (name.forbidden) {
    walk.diagnostics.push(
      error("fleet/invalid-tag", `tag name '${key}' is not allowed by IoT Hub: no '.', '$', spaces or control characters`, {
        ...tagAt(walk, path, key),
        key: true
      })
    );
    return false;
  }
  if (!name.expressible) {
    walk.diagnostics.push(
      warning(
        "fleet/tag-not-expressible",
        `tag name '${key}' cannot be used in a target condition (a name is letters, digits, _ and -, starting with a letter or _)`,
        {
          ...tagAt(walk, path, key),
          key: true
        }
      )
    );
  }
  return true;
}
function checkTagValue(walk, key, value, path, depth) {
  const { diagnostics } = walk;
  const at = () => tagAt(walk, path, key);
  if (typeof value === "string") {
    walk.size += value.length + 2;
    if (value.length > MAX_TAG_STRING_BYTES) {
      diagnostics.push(
        error("fleet/invalid-tag", `tag '${key}' is ${value.length} characters; IoT Hub accepts string values of at most ${MAX_TAG_STRING_BYTES} bytes`, at())
      );
      return DROP;
    }
    if (!valueExpressible(value)) {
      const bad = [...value].find((c) => !VALUE_STRING.test(c));
      diagnostics.push(
        warning(
          "fleet/tag-not-expressible",
          `tag '${key}' has the value '${value}', which no target condition can match: '${bad === " " ? "space" : bad}' is not allowed in a condition's string value`,
          at()
        )
      );
    }
    return value;
  }
  if (typeof value === "number") {
    walk.size += 12;
    if (Number.isFinite(value)) return value;
    diagnostics.push(error("fleet/invalid-tag", `tag '${key}' is not a finite number`, at()));
    return DROP;
  }
  if (typeof value === "boolean") {
    walk.size += 5;
    return value;
  }
  if (value === null || value === void 0) {
    diagnostics.push(error("fleet/invalid-tag", `tag '${key}' has no value: give it one or remove it`, at()));
  } else if (Array.isArray(value)) {
    diagnostics.push(
      error("fleet/invalid-tag", `tag '${key}' is a list; tag values are strings, numbers, booleans or mappings (IoT Hub twins have no arrays)`, at())
    );
  } else if (typeof value === "object") {
    if (depth + 1 <= MAX_TAG_DEPTH) return checkTagMap(walk, value, [...path, key], depth + 1);
    diagnostics.push(error("fleet/invalid-tag", `tags nest more than ${MAX_TAG_DEPTH} levels deep; IoT Hub twins allow ${MAX_TAG_DEPTH}`, at()));
  } else {
    diagnostics.push(error("fleet/invalid-tag", `tag '${key}' has a value of an unsupported type`, at()));
  }
  return DROP;
}

// src/io/yaml-scalars.ts
var TAB = 9;
var CR = 13;
var SPACE = 32;
var DQUOTE = 34;
var HASH = 35;
var PERCENT = 37;
var AMP = 38;
var QUOTE = 39;
var STAR = 42;
var PLUS = 43;
var COMMA = 44;
var DASH = 45;
var DOT = 46;
var DIGIT_0 = 48;
var DIGIT_9 = 57;
var COLON = 58;
var QUESTION = 63;
var UPPER_A = 65;
var UPPER_Z = 90;
var LBRACKET = 91;
var BACKSLASH = 92;
var RBRACKET = 93;
var UNDERSCORE = 95;
var LOWER_A = 97;
var LOWER_Z = 122;
var LBRACE = 123;
var RBRACE = 125;
var INT_DEC = /^[-+]?[0-9]+$/;
var INT_OCT = /^0o[0-7]+$/;
var INT_HEX = /^0x[0-9a-fA-F]+$/;
var FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
var INF = /^[-+]?\.(?:inf|Inf|INF)$/;
var NAN = /^\.(?:nan|NaN|NAN)$/;
function resolvePlain(s) {
  const c = s.charCodeAt(0);
  if (c >= DIGIT_0 && c <= DIGIT_9 || c === PLUS || c === DASH || c === DOT) {
    if (INT_DEC.test(s)) return Number(s);
    if (INT_OCT.test(s)) return parseInt(s.slice(2), 8);
    if (INT_HEX.test(s)) return parseInt(s.slice(2), 16);
    if (FLOAT.test(s)) return Number(s);
    if (INF.test(s)) return s[0] === "-" ? -Infinity : Infinity;
    if (NAN.test(s)) return NaN;
    return s;
  }
  switch (s) {
    case "~":
    case "null":
    case "Null":
    case "NULL":
      return null;
    case "true":
    case "True":
    case "TRUE":
      return true;
    case "false":
    case "False":
    case "FALSE":
      return false;
  }
  return s;
}
var ESCAPES = { "\\": "\\", '"': '"', "/": "/", n: "\n", t: "	", r: "\r", "0": "\0", " ": " " };
var BAD_START = new Set([..."&*!|>%@`]{},?#'\""].map((c) => c.charCodeAt(0)));
var BAD_START_TABLE = new Uint8Array(128);
for (const c of BAD_START) BAD_START_TABLE[c] = 1;
var badStart = (c) => c < 128 && BAD_START_TABLE[c] === 1;
function singleQuoted(text, start, lineEnd) {
  for (let from = start + 1; ; ) {
    const q = text.indexOf("'", from);
    if (q < 0 || q >= lineEnd) return void 0;
    if (text.charCodeAt(q + 1) === QUOTE) {
      from = q + 2;
      continue;
    }
    const inner = text.slice(start + 1, q);
    return { value: inner.includes("''") ? inner.replace(/''/g, "'") : inner, end: q + 1 };
  }
}
function doubleQuoted(text, start, lineEnd, hexEscapes) {
  let out = "";
  let from = start + 1;
  for (let i = from; i < lineEnd; i++) {
    const c = text.charCodeAt(i);
    if (c === DQUOTE) return { value: out + text.slice(from, i), end: i + 1 };
    if (c !== BACKSLASH) continue;
    out += text.slice(from, i);
    const e = text[i + 1];
    if (Object.hasOwn(ESCAPES, e)) {
      out += ESCAPES[e];
      i += 1;
    } else if (hexEscapes && (e === "x" || e === "u")) {
      const n = e === "x" ? 2 : 4;
      const hex = text.slice(i + 2, i + 2 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) return void 0;
      out += String.fromCharCode(parseInt(hex, 16));
      i += 1 + n;
    } else return void 0;
    from = i + 1;
  }
  return void 0;
}
var GiveUp = class extends Error {
};
var giveUp = () => {
  throw new GiveUp();
};
function unlessGivenUp(scan) {
  try {
    return scan();
  } catch (e) {
    if (e instanceof GiveUp) return void 0;
    throw e;
  }
}

// src/io/windowed-lines.ts
var FLEET_WINDOWS = { size: 12e4, margin: 16384 };
function bytesWindows(bytes) {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { length: buffer.length, window: (from, to) => buffer.toString("latin1", from, to) };
}
var WindowedLines = class {
  constructor(text, source, windows) {
    this.text = text;
    this.source = source;
    this.windows = windows;
    if (source && text.length < source.length) this.text = this.cutAtLineEnd(text);
  }
  text;
  source;
  windows;
  /** Current line: [lineStart, lineEnd) without the line break (and without a trailing \r). */
  lineStart = 0;
  lineEnd = 0;
  nextLine = 0;
  /** Where `text` starts in the file: 0 unless it is a window over `source`. */
  base = 0;
  /** The line findLine found: start, end and the line after (fields, not an object per line: a fleet has millions). */
  foundStart = 0;
  foundEnd = 0;
  foundNext = 0;
  /**
   * The next line with content from `next` (blank and comment lines skipped) into the
   * `found` fields; its indent, or -1 at the end. Tabs in the indent, document
   * markers and directives are not for a fast path.
   */
  findLine(next2) {
    const text = this.text;
    for (; ; ) {
      if (next2 >= text.length) {
        if (this.source && this.base + text.length < this.source.length) giveUp();
        return -1;
      }
      const start = next2;
      const nl = text.indexOf("\n", start);
      next2 = nl < 0 ? text.length : nl + 1;
      let end = nl < 0 ? text.length : nl;
      if (text.charCodeAt(end - 1) === CR) end--;
      let i = start;
      while (i < end && text.charCodeAt(i) === SPACE) i++;
      if (i < end && text.charCodeAt(i) === TAB) giveUp();
      if (i === end || text.charCodeAt(i) === HASH) continue;
      if (i === start && (text.startsWith("---", i) || text.startsWith("...", i) || text.charCodeAt(i) === PERCENT)) giveUp();
      this.foundStart = start;
      this.foundEnd = end;
      this.foundNext = next2;
      return i - start;
    }
  }
  /** True when the window is near its end (less than the margin left) and the file goes on. */
  nearWindowEnd() {
    return this.source !== void 0 && this.text.length - this.lineStart < this.windows.margin && this.base + this.text.length < this.source.length;
  }
  /** A window ends after its last line break, unless it is the file's end. */
  cutAtLineEnd(window) {
    if (this.base + window.length === this.source.length) return window;
    const nl = window.lastIndexOf("\n");
    return nl < 0 ? giveUp() : window.slice(0, nl + 1);
  }
  /** Moves the window to start at the current line, a device's first. */
  slide() {
    const shift = this.lineStart;
    const from = this.base + shift;
    this.base = from;
    this.text = this.cutAtLineEnd(this.source.window(from, Math.min(this.source.length, from + this.windows.size)));
    this.lineStart = 0;
    this.lineEnd -= shift;
    this.nextLine -= shift;
  }
  /** The hash of the plain scalar plainScalar last read, up to its last non-space (see mixHash). */
  plainHash = 0;
  /** Where plainScalar stopped: the line end, the space before ` #`, or (in flow) the `,` `}` `]` that ends it. */
  plainStop = 0;
  /**
   * A plain scalar from `i` (its first character already allowed): where it ends
   * without trailing spaces. It runs to ` #`, the line end, or (in flow) `,` `}` `[`
   * `]` `{`; `: ` inside, a tab, or (in flow) `:` before `,` `}` `]` are not for a
   * fast path. Its hash is computed on the way, so a value seen before costs no string.
   */
  plainScalar(i, flow) {
    const text = this.text;
    const lineEnd = this.lineEnd;
    let j = i;
    let last = i;
    let h = 0;
    let hashAtLast = 0;
    for (; j < lineEnd; j++) {
      const d = text.charCodeAt(j);
      if (d === SPACE) {
        if (text.charCodeAt(j + 1) === HASH) break;
        h = Math.imul(h, 31) + d | 0;
        continue;
      }
      if (d === TAB) giveUp();
      if (d === COLON) {
        const n = text.charCodeAt(j + 1);
        if (j + 1 === lineEnd || n === SPACE || flow && (n === COMMA || n === RBRACE || n === RBRACKET)) giveUp();
      }
      if (flow && (d === COMMA || d === RBRACE || d === LBRACKET || d === RBRACKET || d === LBRACE)) break;
      h = Math.imul(h, 31) + d | 0;
      hashAtLast = h;
      last = j + 1;
    }
    this.plainHash = hashAtLast;
    this.plainStop = j;
    return last;
  }
  skipSpaces(i) {
    return skipSpaces(this.text, i, this.lineEnd);
  }
  /** Only spaces and an optional comment (preceded by a space) from `i` to the line end. */
  restIsEmpty(i) {
    return restIsEmpty(this.text, i, this.lineEnd);
  }
};
function skipSpaces(text, i, end) {
  while (i < end && text.charCodeAt(i) === SPACE) i++;
  return i;
}
function restIsEmpty(text, i, end) {
  const j = skipSpaces(text, i, end);
  return j === end || text.charCodeAt(j) === HASH && j > i;
}
var mixHash = (hash, length) => hash ^ Math.imul(length, 2654435761) | 0;
var InternTable = class {
  slots = new Array(256).fill(void 0);
  /** How many entries the table holds. */
  size = 0;
  /** The entry for text[start, start + length) with this hash (see mixHash), if any. */
  find(text, start, length, hash) {
    for (let e = this.slots[hash & this.slots.length - 1]; e; e = e.next) {
      if (e.hash === hash && e.raw.length === length && text.startsWith(e.raw, start)) return e;
    }
    return void 0;
  }
  add(entry) {
    const slot = entry.hash & this.slots.length - 1;
    entry.next = this.slots[slot];
    this.slots[slot] = entry;
    if (++this.size > this.slots.length) this.grow();
    return entry;
  }
  /** Twice the slots, each entry moved to its slot (chains keep no order: every text is in the table once). */
  grow() {
    const old = this.slots;
    this.slots = new Array(old.length * 2).fill(void 0);
    const mask = this.slots.length - 1;
    for (let e of old) {
      while (e) {
        const next2 = e.next;
        e.next = this.slots[e.hash & mask];
        this.slots[e.hash & mask] = e;
        e = next2;
      }
    }
  }
};

// src/io/yaml-text.ts
import { isAscii } from "node:buffer";
var DEFAULT_LIMITS = { maxBytes: 16 * 1024 * 1024, maxLineLength: 1024 * 1024, maxDepth: 64 };
var aliasBudget = (textLength) => Math.max(2 * 1024 * 1024, 20 * textLength);
var ENTRY_OFFSETS = /* @__PURE__ */ Symbol("entry offsets");
var decoder = new TextDecoder("utf-8", { fatal: false });
var stripBom = (text) => text.charCodeAt(0) === 65279 ? text.slice(1) : text;
function decodeText(bytes) {
  const text = stripBom(decoder.decode(bytes));
  return text.includes("\r") ? text.replace(/\r(?!\n)/g, "\n") : text;
}
function firstLongLine(text, max) {
  const lines = text;
  const nl = typeof text === "string" ? "\n" : 10;
  for (let start = 0; lines.length - start > max; ) {
    const last = lines.lastIndexOf(nl, start + max);
    if (last < start) {
      const end = lines.indexOf(nl, start);
      return { start, length: (end < 0 ? lines.length : end) - start };
    }
    start = last + 1;
  }
  return void 0;
}
function fastPathText(bytes, limits2) {
  if (bytes.length > limits2.maxBytes) return void 0;
  const text = decodeText(bytes);
  return text.includes("�") || firstLongLine(text, limits2.maxLineLength) ? void 0 : text;
}
function plainAsciiText(bytes, limits2) {
  return bytes.length <= limits2.maxBytes && asciiWithoutCr(bytes) && firstLongLine(bytes, limits2.maxLineLength) === void 0;
}
var asciiWithoutCr = (bytes) => isAscii(bytes) && !bytes.includes(13);

// src/io/fleet-columns-scanner.ts
function scanFleetColumns(file, source, windows = FLEET_WINDOWS) {
  return unlessGivenUp(() => new ColumnScanner(file, source, windows).scan());
}
var Ints = class {
  array;
  length = 0;
  constructor(capacity) {
    this.array = new Int32Array(capacity);
  }
  push(n) {
    if (this.length === this.array.length) {
      const grown = new Int32Array(this.array.length * 2);
      grown.set(this.array);
      this.array = grown;
    }
    this.array[this.length++] = n;
  }
  done() {
    return this.array.slice(0, this.length);
  }
};
var scratch = [];
function scratchColumn(p, capacity) {
  const column = scratch[p];
  if (column && column.length >= capacity) return column.fill(0, 0, capacity);
  return scratch[p] = new Int32Array(capacity);
}
function sameShape(known, shape, length) {
  if (known.length !== length) return false;
  for (let k = 0; k < length; k++) if (known[k] !== shape[k]) return false;
  return true;
}
var NONE = -3;
var TAGS = -2;
var DEVICE_KEYS = ["deviceId", "tags"];
var isLetter = (c) => c >= LOWER_A && c <= LOWER_Z || c >= UPPER_A && c <= UPPER_Z;
var ID_CHARS = new Uint8Array(128);
for (const c of "-.%_*?!(),:=@$'") ID_CHARS[c.charCodeAt(0)] = 1;
for (let c = 0; c < 128; c++) if (isLetter(c) || c >= DIGIT_0 && c <= DIGIT_9) ID_CHARS[c] = 1;
var isIdChar = (c) => c < 128 && ID_CHARS[c] === 1;
var isNameStart = (c) => c >= LOWER_A && c <= LOWER_Z || c >= UPPER_A && c <= UPPER_Z || c === UNDERSCORE;
var isNameChar = (c) => isNameStart(c) || c >= DIGIT_0 && c <= DIGIT_9 || c === DASH;
var own = (s) => s.length >= 13 ? (" " + s).slice(1) : s;
var ColumnScanner = class extends WindowedLines {
  constructor(file, source, windows) {
    super(source.window(0, Math.min(source.length, windows.size)), source, windows);
    this.file = file;
    this.capacity = Math.max(1024, source.length >> 7);
  }
  file;
  /** The current line's indent (spaces before its content). */
  indent = 0;
  /** Where the last name or value read ended. */
  end = 0;
  names = new InternTable();
  plains = new InternTable();
  paths = /* @__PURE__ */ new Map();
  pathNames = [];
  pathParents = [];
  /** The shape of the device read last: the next device's tags are most likely the same, in the same order. */
  lastShape = new Int32Array(0);
  lastShapeId = -1;
  /** The path that last followed each path in a device (at 1 + its number; at 0, the first). */
  follows = [];
  numbers = /* @__PURE__ */ new Map();
  /** From 1: a column's 0 is ABSENT. */
  values = [""];
  shapes = [];
  shapeIds = /* @__PURE__ */ new Map();
  mixed = false;
  deviceIds = [];
  offsets = new Ints(1024);
  shapeOf = new Ints(1024);
  /** Per path, per device: its value's number, MAPPING or ABSENT (scratch columns as long as `capacity`; zeroed is ABSENT). */
  columns = [];
  capacity;
  row = -1;
  /** The device being read: its tag paths in order and the size of its tags. */
  shape = new Int32Array(64);
  shapeLength = 0;
  size = 0;
  scan() {
    if (!this.line() || this.indent !== 0) giveUp();
    if (this.name(this.lineStart).raw !== "devices" || !this.restIsEmpty(this.end)) giveUp();
    let seqIndent = -1;
    let keyColumn = -1;
    let hasId = false;
    let hasTags = false;
    let pending = NONE;
    let pendingColumn = 0;
    const mapColumns = new Int32Array(MAX_TAG_DEPTH);
    const mapPaths = new Int32Array(MAX_TAG_DEPTH);
    let depth = 0;
    for (; ; ) {
      const more = this.line();
      const k = more ? this.indent : -1;
      if (pending !== NONE) {
        if (k > pendingColumn) {
          if (this.text.charCodeAt(this.lineStart + k) === DASH || depth + 1 > MAX_TAG_DEPTH) giveUp();
          mapColumns[depth] = k;
          mapPaths[depth++] = pending === TAGS ? -1 : pending;
        } else if (pending !== TAGS) {
          giveUp();
        }
        pending = NONE;
      }
      if (!more) break;
      if (seqIndent < 0) seqIndent = k;
      if (k === seqIndent) {
        if (keyColumn >= 0) this.endDevice(hasId);
        if (this.nearWindowEnd()) this.slide();
        this.offsets.push(this.base + this.lineStart);
        if (++this.row === this.capacity) this.grow();
        const dash = this.lineStart + k;
        if (this.text.charCodeAt(dash) !== DASH || this.text.charCodeAt(dash + 1) !== SPACE) giveUp();
        let content = dash + 2;
        while (this.text.charCodeAt(content) === SPACE) content++;
        if (content >= this.lineEnd) giveUp();
        keyColumn = content - this.lineStart;
        hasId = hasTags = false;
        depth = 0;
        this.shapeLength = this.size = 0;
      } else if (k < seqIndent || keyColumn < 0) {
        giveUp();
      } else {
        while (depth > 0 && k < mapColumns[depth - 1]) depth--;
        if (depth > 0) {
          if (k !== mapColumns[depth - 1]) giveUp();
          const path = this.tag(this.lineStart + k, mapPaths[depth - 1]);
          if (path >= 0) {
            pending = path;
            pendingColumn = k;
          }
          continue;
        }
        if (k !== keyColumn) giveUp();
      }
      const key = this.deviceKey(this.lineStart + keyColumn);
      if (key === "deviceId" && !hasId) {
        hasId = true;
        this.deviceIds.push(this.deviceId(this.skipSpaces(this.end)));
      } else if (key === "tags" && !hasTags && this.restIsEmpty(this.end)) {
        hasTags = true;
        pending = TAGS;
        pendingColumn = keyColumn;
      } else {
        giveUp();
      }
    }
    if (keyColumn < 0) giveUp();
    this.endDevice(hasId);
    return {
      columns: {
        file: this.file,
        deviceIds: this.deviceIds,
        names: this.pathNames,
        parents: this.pathParents,
        values: this.values,
        shapes: this.shapes,
        shapeOf: this.shapeOf.done(),
        columns: this.columns.map((c) => narrowColumn(c, this.row + 1, this.values.length)),
        mixedCaseTagNames: this.mixed
      },
      offsets: this.offsets.done()
    };
  }
  /** A device's key at `at` (usually `deviceId` or `tags`, compared without a hash). */
  deviceKey(at) {
    const text = this.text;
    for (const key of DEVICE_KEYS) {
      const colon = at + key.length;
      if (text.charCodeAt(colon) === COLON && text.startsWith(key, at) && (colon + 1 === this.lineEnd || text.charCodeAt(colon + 1) === SPACE)) {
        this.end = colon + 1;
        return key;
      }
    }
    return this.name(at).raw;
  }
  /** A tag line in the mapping `parent`: its path, if its value is on the lines below; else -1 (the value is read). */
  tag(at, parent) {
    const path = this.expected(at, parent) ?? this.pathOf(parent, this.name(at));
    this.follows[this.shapeLength === 0 ? 0 : this.shape[this.shapeLength - 1] + 1] = path;
    this.size += this.pathNames[path].length + 4;
    if (this.shapeLength === this.shape.length) {
      const grown = new Int32Array(this.shape.length * 2);
      grown.set(this.shape);
      this.shape = grown;
    }
    this.shape[this.shapeLength++] = path;
    if (this.restIsEmpty(this.end)) {
      this.columns[path][this.row] = MAPPING;
      return path;
    }
    const from = this.text.charCodeAt(this.end + 1) !== SPACE ? this.end + 1 : this.skipSpaces(this.end);
    this.columns[path][this.row] = this.value(from);
    return -1;
  }
  /**
   * This line's path when it is one expected: the path the last device had at this
   * place of its shape, or else the path that followed this device's previous one
   * last time (a device that lacks a tag or two). Most devices have their tags in the
   * same order, and then a name costs one comparison, no hash and no lookup.
   */
  expected(at, parent) {
    const k = this.shapeLength;
    if (k < this.lastShape.length && this.is(at, parent, this.lastShape[k])) return this.lastShape[k];
    const next2 = this.follows[k === 0 ? 0 : this.shape[k - 1] + 1];
    return next2 !== void 0 && this.is(at, parent, next2) ? next2 : void 0;
  }
  /** True when the name at `at` is `path`'s, in the mapping `parent`; `end` is then past its colon. */
  is(at, parent, path) {
    const name = this.pathNames[path];
    const colon = at + name.length;
    if (this.pathParents[path] !== parent || this.text.charCodeAt(colon) !== COLON || !this.text.startsWith(name, at)) return false;
    if (colon + 1 < this.lineEnd && this.text.charCodeAt(colon + 1) !== SPACE) return false;
    this.end = colon + 1;
    return true;
  }
  /** A plain name of letters, digits, `_` and `-` (starting with a letter or `_`), then `:` and a space or the line end. */
  name(at) {
    const text = this.text;
    if (!isNameStart(text.charCodeAt(at))) giveUp();
    let h = 0;
    let i = at;
    for (; i < this.lineEnd; i++) {
      const c = text.charCodeAt(i);
      if (!isNameChar(c)) break;
      h = Math.imul(h, 31) + c | 0;
    }
    if (text.charCodeAt(i) !== COLON || i + 1 < this.lineEnd && text.charCodeAt(i + 1) !== SPACE) giveUp();
    this.end = i + 1;
    const length = i - at;
    if (length > 1024) giveUp();
    const hash = mixHash(h, length);
    const found = this.names.find(text, at, length, hash);
    if (found) return found;
    const raw = own(text.slice(at, i));
    if (resolvePlain(raw) !== raw) giveUp();
    return this.names.add({ raw, hash, next: void 0, upper: raw.toLowerCase() !== raw, lastParent: NONE, lastPath: 0 });
  }
  pathOf(parent, name) {
    if (name.lastParent === parent) return name.lastPath;
    const key = `${parent}:${name.raw}`;
    let path = this.paths.get(key);
    if (path === void 0) {
      path = this.pathNames.push(name.raw) - 1;
      this.pathParents.push(parent);
      this.columns.push(scratchColumn(path, this.capacity));
      this.paths.set(key, path);
      if (name.upper) this.mixed = true;
    }
    name.lastParent = parent;
    name.lastPath = path;
    return path;
  }
  /** A tag's value at `i` (not at the line end): its number in the file's table. */
  value(i) {
    const text = this.text;
    const c = text.charCodeAt(i);
    if (c === QUOTE || c === DQUOTE) {
      const quoted = this.quoted(i);
      this.size += this.judge(quoted);
      return this.number(quoted);
    }
    const last = this.plainEnd(i);
    const length = last - i;
    const hash = mixHash(this.plainHash, length);
    const value = this.plains.find(text, i, length, hash) ?? this.newPlain(i, last, hash);
    this.size += value.size;
    return value.number;
  }
  newPlain(i, last, hash) {
    const raw = own(this.text.slice(i, last));
    const value = resolvePlain(raw);
    if (value === null) giveUp();
    const size = this.judge(value);
    return this.plains.add({ raw, hash, next: void 0, number: this.number(value), size });
  }
  /** The size IoT Hub counts for a value the fleet checks keep silently; gives up on any other. */
  judge(value) {
    if (typeof value === "string") {
      if (value.length > MAX_TAG_STRING_BYTES || !VALUE_STRING.test(value)) giveUp();
      return value.length + 2;
    }
    if (typeof value === "number") {
      if (!Number.isFinite(value) || Object.is(value, -0)) giveUp();
      return 12;
    }
    return 5;
  }
  number(value) {
    let n = this.numbers.get(value);
    if (n === void 0) {
      n = this.values.push(value) - 1;
      this.numbers.set(value, n);
    }
    return n;
  }
  /** A single- or double-quoted scalar at `i` that ends its line (a comment may follow). */
  quoted(i) {
    const { text, lineEnd } = this;
    const quoted = (text.charCodeAt(i) === QUOTE ? singleQuoted(text, i, lineEnd) : doubleQuoted(text, i, lineEnd, true)) ?? giveUp();
    if (!this.restIsEmpty(quoted.end)) giveUp();
    return quoted.value;
  }
  /** Where a plain scalar at `i` ends (without trailing spaces), as the fleet scanner reads one in block context. */
  plainEnd(i) {
    const c = this.text.charCodeAt(i);
    if (badStart(c) || c === DASH && (this.text.charCodeAt(i + 1) === SPACE || i + 1 === this.lineEnd)) giveUp();
    return this.plainScalar(i, false);
  }
  /** A device's id at `i`: a string the fleet checks accept. */
  deviceId(i) {
    const text = this.text;
    if (i >= this.lineEnd) giveUp();
    if (isLetter(text.charCodeAt(i))) {
      let j = i + 1;
      while (j < this.lineEnd && isIdChar(text.charCodeAt(j))) j++;
      if (j - i <= 128 && text.charCodeAt(j - 1) !== COLON && (j === this.lineEnd || text.charCodeAt(j) === SPACE && this.restIsEmpty(j))) {
        const id2 = own(text.slice(i, j));
        if (j - i > 5 || resolvePlain(id2) === id2) return id2;
        giveUp();
      }
    }
    const c = text.charCodeAt(i);
    let id;
    if (c === QUOTE || c === DQUOTE) {
      id = this.quoted(i);
    } else {
      id = resolvePlain(own(text.slice(i, this.plainEnd(i))));
    }
    if (typeof id !== "string" || !DEVICE_ID.test(id)) giveUp();
    return id;
  }
  /** The device just read: its shape found (or added) and its row written. */
  endDevice(hasId) {
    if (!hasId || this.size > MAX_TAGS_BYTES) giveUp();
    const { shape, shapeLength } = this;
    if (this.lastShapeId >= 0 && sameShape(this.lastShape, shape, shapeLength)) {
      this.shapeOf.push(this.lastShapeId);
      return;
    }
    let h = shapeLength;
    for (let k = 0; k < shapeLength; k++) h = Math.imul(h, 31) + shape[k] | 0;
    let id = -1;
    const candidates = this.shapeIds.get(h);
    if (candidates) {
      id = candidates.find((s) => sameShape(this.shapes[s], shape, shapeLength)) ?? -1;
    }
    if (id < 0) {
      id = this.newShape(shape.slice(0, shapeLength));
      if (candidates) candidates.push(id);
      else this.shapeIds.set(h, [id]);
    }
    this.lastShapeId = id;
    this.lastShape = this.shapes[id];
    this.shapeOf.push(id);
  }
  /** Room for twice the devices in every column. */
  grow() {
    const old = this.capacity;
    this.capacity *= 2;
    this.columns.forEach((column, p) => {
      if (column.length >= this.capacity) return void column.fill(0, old, this.capacity);
      const grown = scratch[p] = new Int32Array(this.capacity);
      grown.set(column.subarray(0, old));
      this.columns[p] = grown;
    });
  }
  /** A shape met for the first time: no name twice in a mapping, none two that differ only by case. */
  newShape(shape) {
    for (let a = 0; a < shape.length; a++) {
      for (let b = 0; b < a; b++) {
        const p = shape[a];
        const q = shape[b];
        if (p === q) giveUp();
        if (this.pathParents[p] === this.pathParents[q] && this.pathNames[p].toLowerCase() === this.pathNames[q].toLowerCase()) giveUp();
      }
    }
    return this.shapes.push(shape) - 1;
  }
  /** Moves to the next line with content; false at the end. */
  line() {
    const indent = this.findLine(this.nextLine);
    if (indent < 0) return false;
    this.lineStart = this.foundStart;
    this.lineEnd = this.foundEnd;
    this.nextLine = this.foundNext;
    this.indent = indent;
    return true;
  }
};
function scanFleetColumnsBytes(file, bytes, limits2) {
  return plainAsciiText(bytes, limits2) ? scanFleetColumns(file, bytesWindows(bytes)) : void 0;
}

// src/io/fleet-parallel-codec.ts
var STRING = 0;
var INT = 1;
var NUMBER = 2;
var MAP = 3;
var LIST = 4;
var NULL = 5;
var TRUE2 = 6;
var FALSE2 = 7;
var SMALL = 1 << 27;
var Encoder = class {
  tokens = new Int32Array(1 << 16);
  length = 0;
  strings = [];
  ids = /* @__PURE__ */ new Map();
  numbers = [];
  push(token) {
    if (this.length === this.tokens.length) {
      const grown = new Int32Array(this.tokens.length * 2);
      grown.set(this.tokens);
      this.tokens = grown;
    }
    this.tokens[this.length++] = token;
  }
  string(s) {
    let id = this.ids.get(s);
    if (id === void 0) {
      id = this.strings.push(s) - 1;
      this.ids.set(s, id);
    }
    this.push(id << 3 | STRING);
  }
  /** A string that occurs once (a device's id): stored without the table lookup, which for a million ids cost more than the rest of encoding. */
  unique(s) {
    this.push(this.strings.push(s) - 1 << 3 | STRING);
  }
  value(v) {
    if (typeof v === "string") this.string(v);
    else if (typeof v === "number") {
      if (Number.isInteger(v) && v > -SMALL && v < SMALL && !Object.is(v, -0)) this.push(v << 3 | INT);
      else this.push(this.numbers.push(v) - 1 << 3 | NUMBER);
    } else if (v === null) this.push(NULL);
    else if (v === true) this.push(TRUE2);
    else if (v === false) this.push(FALSE2);
    else if (Array.isArray(v)) {
      this.push(v.length << 3 | LIST);
      for (const item of v) this.value(item);
    } else if (typeof v === "object") {
      const at = this.length;
      this.push(MAP);
      let count = 0;
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        count++;
        this.string(k);
        const item = v[k];
        if (k === "deviceId" && typeof item === "string") this.unique(item);
        else this.value(item);
      }
      this.tokens[at] = count << 3 | MAP;
    } else throw new TypeError(`cannot encode a ${typeof v}`);
  }
  done() {
    return { tokens: this.tokens.subarray(0, this.length), strings: this.strings, numbers: Float64Array.from(this.numbers) };
  }
};
function encodeValue(value) {
  const encoder = new Encoder();
  encoder.value(value);
  return encoder.done();
}
function encodeDevices(devices) {
  const encoder = new Encoder();
  encoder.push(devices.length << 3 | LIST);
  for (const { deviceId, tags, index } of devices) {
    encoder.unique(deviceId);
    encoder.value(index);
    encoder.value(tags);
  }
  return encoder.done();
}

// src/io/fleet-scanner.ts
var NOT_LOOKED = -2;
var MAX_DEPTH = 64;
function scanFleet(text) {
  return unlessGivenUp(() => new Scanner(text).file());
}
var scanFleetWindowed = (bytes, limits2) => plainAsciiText(bytes, limits2) ? scanWindows(bytes, FLEET_WINDOWS) : void 0;
function scanWindows(bytes, windows) {
  return scanTextWindows(bytesWindows(bytes), windows);
}
function scanTextWindows(source, windows = FLEET_WINDOWS, onDevice) {
  return unlessGivenUp(() => new Scanner(source.window(0, Math.min(source.length, windows.size)), source, windows, onDevice).file());
}
var Scanner = class extends WindowedLines {
  constructor(text, source, windows = FLEET_WINDOWS, onDevice) {
    super(text, source, windows);
    this.onDevice = onDevice;
    this.budget = aliasBudget(source?.length ?? text.length) / 4;
  }
  onDevice;
  /** The current line's indent (spaces before its content). */
  indent = 0;
  /**
   * The next content line, found by a peek and not yet consumed: its indent (-1 at the
   * end, NOT_LOOKED when not looked for), start, end and the line after. Fields, not an
   * object per line: a million-device file has seven million lines.
   */
  aheadIndent = NOT_LOOKED;
  aheadStart = 0;
  aheadEnd = 0;
  aheadNext = 0;
  /** Where the last key or value read ended (a field, not a returned tuple: no allocation per value). */
  end = 0;
  /** Anchored values by name; what aliases have expanded so far, and how much they may. */
  anchors = /* @__PURE__ */ new Map();
  expanded = 0;
  budget = 0;
  /** Interned plain scalars. */
  plains = new InternTable();
  file() {
    if (!this.advanceToContent()) return giveUp();
    if (this.indentOf() !== 0) giveUp();
    const key = this.key(this.lineStart, this.lineEnd);
    if (key !== "devices" || this.restIsEmpty(this.end) === false) giveUp();
    const result = record();
    const devices = [];
    const offsets = [];
    let seqIndent = -1;
    while (this.advanceToContent()) {
      const indent = this.indentOf();
      if (seqIndent < 0) seqIndent = indent;
      if (indent !== seqIndent) giveUp();
      if (this.nearWindowEnd()) this.slide();
      offsets.push(this.base + this.lineStart);
      const dash = this.lineStart + indent;
      if (this.text.charCodeAt(dash) !== DASH || this.text.charCodeAt(dash + 1) !== SPACE) giveUp();
      let content = dash + 2;
      while (this.text.charCodeAt(content) === SPACE) content++;
      if (content >= this.lineEnd) giveUp();
      let map;
      if (this.text.charCodeAt(content) === LBRACE) {
        map = this.flowMap(content, 2);
        this.expectLineEnd(this.end);
      } else {
        map = this.blockMap(content - this.lineStart, content, 2);
      }
      if (this.onDevice) this.onDevice(map, offsets.length - 1);
      else devices.push(map);
    }
    result.devices = offsets.length > 0 ? devices : null;
    Object.defineProperty(result, ENTRY_OFFSETS, { value: offsets, enumerable: false });
    return result;
  }
  /** Moves to the next line with content (skipping blank and comment lines); false at the end. */
  advanceToContent() {
    if (this.aheadIndent === NOT_LOOKED) this.findContent();
    const indent = this.aheadIndent;
    this.aheadIndent = NOT_LOOKED;
    if (indent < 0) return false;
    this.lineStart = this.aheadStart;
    this.lineEnd = this.aheadEnd;
    this.nextLine = this.aheadNext;
    this.indent = indent;
    return true;
  }
  /** Finds the next line with content after the current one, into the `ahead` fields. */
  findContent() {
    this.aheadIndent = this.findLine(this.nextLine);
    this.aheadStart = this.foundStart;
    this.aheadEnd = this.foundEnd;
    this.aheadNext = this.foundNext;
  }
  indentOf() {
    return this.indent;
  }
  /** The indent of the next content line, without consuming it; -1 at the end. */
  peekIndent() {
    if (this.aheadIndent === NOT_LOOKED) this.findContent();
    return this.aheadIndent;
  }
  /**
   * A block mapping whose keys stand at column `indent`; its first key starts at
   * `first` on the current line (after a `- `), the others on following lines.
   */
  blockMap(indent, first, depth) {
    if (depth > MAX_DEPTH) giveUp();
    const map = record();
    let at = first;
    for (; ; ) {
      const key = this.key(at, this.lineEnd);
      if (Object.hasOwn(map, key)) giveUp();
      let i = this.end;
      while (i < this.lineEnd && this.text.charCodeAt(i) === SPACE) i++;
      let anchor;
      const anchorAt = i;
      if (this.text.charCodeAt(i) === AMP) {
        const name = this.anchorName(i + 1);
        if (this.restIsEmpty(this.end)) {
          anchor = name;
          i = this.lineEnd;
        }
      }
      if (i >= this.lineEnd || this.text.charCodeAt(i) === HASH) {
        const next3 = this.peekIndent();
        if (next3 > indent) {
          this.advanceToContent();
          const c2 = this.lineStart + next3;
          if (this.text.charCodeAt(c2) === DASH && this.text.charCodeAt(c2 + 1) === SPACE) giveUp();
          map[key] = this.blockMap(next3, c2, depth + 1);
        } else {
          if (depth + 1 > MAX_DEPTH) giveUp();
          map[key] = null;
        }
        if (anchor !== void 0) this.anchors.set(anchor, { value: map[key], size: Math.max(1, this.lineEnd - anchorAt) });
      } else {
        const value = this.value(i, false, key !== "deviceId", depth + 1);
        this.expectLineEnd(this.end);
        map[key] = value;
      }
      const next2 = this.peekIndent();
      if (next2 !== indent) {
        if (next2 > indent) giveUp();
        return map;
      }
      this.advanceToContent();
      at = this.lineStart + indent;
      const c = this.text.charCodeAt(at);
      if (c === DASH && this.text.charCodeAt(at + 1) === SPACE) giveUp();
    }
  }
  /** A mapping key at `start`: plain or quoted, then `:` followed by a space or the line end. */
  key(start, end) {
    const c = this.text.charCodeAt(start);
    let raw;
    let i;
    if (c === QUOTE || c === DQUOTE) {
      raw = c === QUOTE ? this.singleQuoted(start) : this.doubleQuoted(start);
      i = this.end;
      if (this.text.charCodeAt(i) !== COLON) giveUp();
      this.end = i + 1;
      return raw;
    }
    if (badStart(c) || c === LBRACKET || c === DASH && this.text.charCodeAt(start + 1) === SPACE || c === SPACE) giveUp();
    const text = this.text;
    let h = 0;
    let hashAtLast = 0;
    let last = start;
    for (i = start; ; i++) {
      if (i >= end) return giveUp();
      const d = text.charCodeAt(i);
      if (d === COLON && (i + 1 === end || text.charCodeAt(i + 1) === SPACE)) break;
      if (d === HASH && text.charCodeAt(i - 1) === SPACE) giveUp();
      h = Math.imul(h, 31) + d | 0;
      if (d !== SPACE) {
        last = i + 1;
        hashAtLast = h;
      }
    }
    if (last - start > 1024) giveUp();
    const resolved = this.plainAt(start, last, hashAtLast, true);
    if (resolved === "<<" || typeof resolved === "number" && !Number.isFinite(resolved)) giveUp();
    this.end = i + 1;
    return resolved === null ? "" : String(resolved);
  }
  /**
   * The plain scalar text[start, end), whose hash the caller computed while
   * scanning: a value seen before (a tag name, `prod`, `3`) is found without
   * making a string.
   */
  plainAt(start, end, hash, intern) {
    const length = end - start;
    const h = mixHash(hash, length);
    const found = this.plains.find(this.text, start, length, h);
    if (found) return found.value;
    const raw = this.text.slice(start, end);
    const value = resolvePlain(raw);
    if (intern && length <= 64 && this.plains.size < 1e5) {
      const own2 = length >= 13 ? (" " + raw).slice(1) : raw;
      this.plains.add({ raw: own2, value: typeof value === "string" ? own2 : value, hash: h, next: void 0 });
      return typeof value === "string" ? own2 : value;
    }
    return value;
  }
  /** An anchor or alias name from `start` (after & or *): ends at a space, the line end, or in flow `,` / `}`. */
  anchorName(start) {
    let j = start;
    while (j < this.lineEnd) {
      const d = this.text.charCodeAt(j);
      if (d === SPACE || d === COMMA || d === RBRACE) break;
      if (!(d >= DIGIT_0 && d <= DIGIT_9 || d >= UPPER_A && d <= UPPER_Z || d >= LOWER_A && d <= LOWER_Z || d === UNDERSCORE || d === DASH)) giveUp();
      j++;
    }
    if (j === start) giveUp();
    this.end = j;
    return this.text.slice(start, j);
  }
  /** A value in block context starting at `i` (not at line end). Returns the value and where it ended. */
  value(i, flow, intern, depth) {
    if (depth > MAX_DEPTH) giveUp();
    const c = this.text.charCodeAt(i);
    if (c === AMP) {
      const name = this.anchorName(i + 1);
      const at = this.skipSpaces(this.end);
      if (at >= this.lineEnd || this.end === at) giveUp();
      const d = this.text.charCodeAt(at);
      if (d === HASH || d === AMP || d === STAR || flow && (d === COMMA || d === RBRACE)) giveUp();
      const value = this.value(at, flow, intern, depth);
      this.anchors.set(name, { value, size: Math.max(1, this.end - i) });
      return value;
    }
    if (c === STAR) {
      const anchor = this.anchors.get(this.anchorName(i + 1)) ?? giveUp();
      this.expanded += anchor.size;
      if (this.expanded > this.budget) giveUp();
      return anchor.value;
    }
    if (c === QUOTE) return this.singleQuoted(i);
    if (c === DQUOTE) return this.doubleQuoted(i);
    if (c === LBRACE) return this.flowMap(i, depth);
    if (c === LBRACKET) return this.flowSeq(i, depth);
    if (badStart(c) || c === DASH && (this.text.charCodeAt(i + 1) === SPACE || i + 1 === this.lineEnd)) giveUp();
    const last = this.plainScalar(i, flow);
    this.end = flow ? this.plainStop : last;
    return this.plainAt(i, last, this.plainHash, intern);
  }
  singleQuoted(start) {
    const quoted = singleQuoted(this.text, start, this.lineEnd) ?? giveUp();
    this.end = quoted.end;
    return quoted.value;
  }
  doubleQuoted(start) {
    const quoted = doubleQuoted(this.text, start, this.lineEnd, true) ?? giveUp();
    this.end = quoted.end;
    return quoted.value;
  }
  /** `{ key: value, ... }` on one line. */
  flowMap(start, depth) {
    if (depth > MAX_DEPTH) giveUp();
    const map = record();
    let i = this.skipSpaces(start + 1);
    if (this.text.charCodeAt(i) === RBRACE) return this.closed(map, i);
    for (; ; ) {
      if (i >= this.lineEnd) giveUp();
      const key = this.flowKey(i);
      if (Object.hasOwn(map, key)) giveUp();
      i = this.skipSpaces(this.end);
      const c = this.text.charCodeAt(i);
      if (i >= this.lineEnd || c === COMMA || c === RBRACE || c === HASH) giveUp();
      map[key] = this.value(i, true, key !== "deviceId", depth + 1);
      i = this.skipSpaces(this.end);
      const sep = this.text.charCodeAt(i);
      if (sep === COMMA) {
        i = this.skipSpaces(i + 1);
        if (this.text.charCodeAt(i) === RBRACE) return this.closed(map, i);
        continue;
      }
      if (sep === RBRACE) return this.closed(map, i);
      giveUp();
    }
  }
  /** `[ value, ... ]` on one line (a list is not a valid tag, but must read as yaml reads it). */
  flowSeq(start, depth) {
    if (depth > MAX_DEPTH) giveUp();
    const list = [];
    let i = this.skipSpaces(start + 1);
    for (; ; ) {
      if (i >= this.lineEnd) giveUp();
      if (this.text.charCodeAt(i) === RBRACKET) {
        this.end = i + 1;
        return list;
      }
      const c = this.text.charCodeAt(i);
      if (c === COMMA || c === HASH || c === DASH || c === QUESTION) giveUp();
      list.push(this.value(i, true, true, depth + 1));
      i = this.skipSpaces(this.end);
      const sep = this.text.charCodeAt(i);
      if (sep === COMMA) i = this.skipSpaces(i + 1);
      else if (sep !== RBRACKET) giveUp();
    }
  }
  flowKey(i) {
    const c = this.text.charCodeAt(i);
    if (c === QUOTE || c === DQUOTE) {
      const raw = c === QUOTE ? this.singleQuoted(i) : this.doubleQuoted(i);
      if (this.text.charCodeAt(this.end) !== COLON) giveUp();
      this.end += 1;
      return raw;
    }
    if (badStart(c) || c === DASH) giveUp();
    let j = i;
    while (j < this.lineEnd) {
      const d = this.text.charCodeAt(j);
      if (d === COLON && this.text.charCodeAt(j + 1) === SPACE) break;
      if (d === COMMA || d === RBRACE || d === LBRACE || d === LBRACKET || d === RBRACKET || d === HASH || d === TAB || d === COLON) giveUp();
      j++;
    }
    if (j >= this.lineEnd) giveUp();
    let end = j;
    while (end > i && this.text.charCodeAt(end - 1) === SPACE) end--;
    if (end - i > 1024) giveUp();
    let h = 0;
    for (let x = i; x < end; x++) h = Math.imul(h, 31) + this.text.charCodeAt(x) | 0;
    const resolved = this.plainAt(i, end, h, true);
    if (resolved === "<<" || typeof resolved === "number" && !Number.isFinite(resolved)) giveUp();
    this.end = j + 1;
    return resolved === null ? "" : String(resolved);
  }
  closed(map, brace) {
    this.end = brace + 1;
    return map;
  }
  /** After a value: only spaces and an optional comment (preceded by a space) may follow. */
  expectLineEnd(i) {
    const j = this.skipSpaces(i);
    if (j === this.lineEnd) return;
    if (this.text.charCodeAt(j) === HASH && j > i) return;
    giveUp();
  }
};

// src/io/fleet-stream.ts
import { isAscii as isAscii2 } from "node:buffer";
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from "node:fs";
var shared = Buffer.allocUnsafe(1 << 20);
var FileWindows = class {
  constructor(fd, length, maxLine, buffer) {
    this.fd = fd;
    this.length = length;
    this.maxLine = maxLine;
    this.buffer = buffer;
  }
  fd;
  length;
  maxLine;
  buffer;
  /** The file offsets the buffer holds: [start, end). */
  start = 0;
  end = 0;
  /** Where the line that no break has ended yet starts. */
  lineStart = 0;
  window(from, to) {
    if (from < this.start || from > this.end) giveUp();
    if (to > this.end) this.fill(from, to);
    return this.buffer.toString("latin1", from - this.start, to - this.start);
  }
  fill(from, to) {
    const old = this.buffer;
    if (to - from > old.length) this.buffer = Buffer.allocUnsafe(Math.max(2 * old.length, to - from));
    old.copy(this.buffer, 0, from - this.start, this.end - this.start);
    this.start = from;
    while (this.end < to) this.readMore();
  }
  readMore() {
    const at = this.end - this.start;
    const n = readSync(this.fd, this.buffer, at, Math.min(this.buffer.length - at, this.length - this.end), this.end);
    if (n === 0) giveUp();
    this.check(this.buffer.subarray(at, at + n), this.end);
    this.end += n;
  }
  /** plainAsciiText's checks on the piece of the file at `base`, carried from piece to piece. */
  check(piece, base) {
    if (!isAscii2(piece) || piece.includes(13)) giveUp();
    for (; ; ) {
      const limit = this.lineStart + this.maxLine;
      if (limit >= base + piece.length) break;
      const last2 = limit < base ? -1 : piece.lastIndexOf(10, limit - base);
      if (last2 < 0 || base + last2 < this.lineStart) giveUp();
      this.lineStart = base + last2 + 1;
    }
    const last = piece.lastIndexOf(10);
    if (last >= 0 && base + last + 1 > this.lineStart) this.lineStart = base + last + 1;
  }
  /** True when the whole file was read and checked (its last line too: check saw the end), and it has not grown. */
  complete() {
    if (this.end !== this.length) return false;
    return readSync(this.fd, Buffer.alloc(1), 0, 1, this.length) === 0;
  }
};
function streamFleetFile(path, limits2, { windows = FLEET_WINDOWS, buffer = shared, onDevice } = {}) {
  const streamed = streamScan(path, limits2, buffer, (source) => scanTextWindows(source, windows, onDevice));
  return streamed && { value: streamed.result, stamp: streamed.stamp };
}
function streamScan(path, limits2, buffer, scan) {
  let fd;
  try {
    fd = openSync(path, "r");
  } catch {
    return void 0;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > limits2.maxBytes) return void 0;
    const source = new FileWindows(fd, stat.size, limits2.maxLineLength, buffer);
    const result = scan(source);
    return result !== void 0 && source.complete() ? { result, stamp: { size: stat.size, mtimeMs: stat.mtimeMs } } : void 0;
  } catch {
    return void 0;
  } finally {
    closeSync(fd);
  }
}
function streamFleetColumns(file, path, limits2, { windows = FLEET_WINDOWS, buffer = shared } = {}) {
  const streamed = streamScan(path, limits2, buffer, (source) => scanFleetColumns(file, source, windows));
  return streamed && { ...streamed.result, stamp: streamed.stamp };
}
function streamBuiltFleetFile(file, path, limits2) {
  const builder = new FleetFileBuilder(file);
  const streamed = streamFleetFile(path, limits2, { onDevice: (device, index) => builder.add(device, index) });
  if (!streamed) return void 0;
  const { value, stamp } = streamed;
  const offsets = value[ENTRY_OFFSETS] ?? [];
  return { fleet: value.devices === null ? buildFleetFile(file, value) : builder.done(), offsets, stamp };
}

// src/io/fleet-parallel-worker.ts
var { files, queue, next, port, limits } = workerData;
function scanBytes(file, bytes, limits2) {
  const columns = scanFleetColumnsBytes(file, bytes, limits2);
  if (columns) return columns;
  const windowed = scanFleetWindowed(bytes, limits2);
  if (windowed !== void 0) return encodeValue(windowed);
  const text = fastPathText(bytes, limits2);
  if (text === void 0) return "unchecked";
  const value = scanFleet(text);
  return value === void 0 ? "yaml" : encodeValue(value);
}
var post = (message) => {
  const { result, bytes } = message;
  const transfer = [];
  if (typeof result === "object" && "columns" in result) {
    const { shapeOf, columns } = result.columns;
    transfer.push(shapeOf.buffer, result.offsets.buffer, ...columns.map((c) => c.buffer));
  } else if (typeof result === "object") {
    const encoded = "offsets" in result ? result.devices : result;
    transfer.push(encoded.tokens.buffer, encoded.numbers.buffer);
    if ("offsets" in result) transfer.push(result.offsets.buffer);
  }
  if (bytes) transfer.push(bytes.buffer);
  port.postMessage(message, transfer);
};
function scanPath(slot, { file, path }) {
  const columns = streamFleetColumns(file, path, limits);
  if (columns) {
    const { stamp: stamp2, ...result2 } = columns;
    return post({ slot, result: result2, stamp: stamp2 });
  }
  const built = streamBuiltFleetFile(file, path, limits);
  if (!built) return post({ slot, result: "unchecked" });
  const { fleet, offsets, stamp } = built;
  const result = {
    file,
    devices: encodeDevices(fleet.devices),
    diagnostics: fleet.diagnostics,
    mixedCaseTagNames: fleet.mixedCaseTagNames,
    offsets: Int32Array.from(offsets)
  };
  post({ slot, result, stamp });
}
files.forEach((f, slot) => {
  post({ slot, result: scanBytes(f.file, f.bytes, limits), bytes: f.move ? f.bytes : void 0 });
});
for (let q = Atomics.add(next, 0, 1); q < queue.length; q = Atomics.add(next, 0, 1)) scanPath(files.length + q, queue[q]);
