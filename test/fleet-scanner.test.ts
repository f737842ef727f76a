/** The fast fleet scanner yields exactly what yaml (plus our converter) yields, or gives up. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deviceTags, generate, random } from './support/fleet-generator.js';
import { isBare } from '../src/core/record.js';
import { FLEET_WINDOWS, scanFleet, scanFleetBytes } from '../src/io/fleet-scanner.js';
import { streamFleetFile } from '../src/io/fleet-stream.js';
import { loadRepository } from '../src/usecases/load.js';
import { memorySource } from '../src/io/source.js';
import { DEFAULT_LIMITS, ENTRY_OFFSETS, readYaml } from '../src/io/yaml.js';

const viaYaml = (text: string) => readYaml('f.yaml', new TextEncoder().encode(text)).value;
/** JSON with NaN/Infinity/-0 made visible, so equality is exact. */
const exact = (v: unknown) =>
  JSON.stringify(v, (_k, x) => (typeof x === 'number' && (!Number.isFinite(x) || Object.is(x, -0)) ? `#${String(x)}${Object.is(x, -0) ? '-0' : ''}` : x));

/** Windows small enough that the examples below slide through many of them, and the default. */
const scratch = mkdtempSync(path.join(tmpdir(), 'edgeops-scanner-'));
const WINDOWS = [{ size: 64, margin: 40 }, { size: 300, margin: 120 }, { size: 2000, margin: 700 }, FLEET_WINDOWS];

/**
 * The scanner reading bytes in windows gives what it gives reading the whole text
 * (offsets of the devices too), or `undefined` (a device longer than the margin, or
 * bytes that are not plain ASCII): never anything else. How many windows gave a value.
 */
function expectSameInWindows(text: string): number {
  const bytes = new TextEncoder().encode(text);
  const whole = scanFleet(text);
  // The same windows read from a file on disk as the scan goes, through a buffer of 97 bytes and through the default one.
  const file = path.join(scratch, 'fleet.yaml');
  writeFileSync(file, bytes);
  let read = 0;
  for (const windows of WINDOWS) {
    const windowed = scanFleetBytes(bytes, windows);
    for (const streamed of [streamFleetFile(file, DEFAULT_LIMITS, { windows, buffer: Buffer.alloc(97) }), streamFleetFile(file, DEFAULT_LIMITS, { windows })]) {
      expect(exact(streamed?.value)).toBe(exact(windowed));
      expect(offsetsOf(streamed?.value)).toEqual(offsetsOf(windowed));
    }
    if (windowed === undefined) continue;
    read++;
    expect(exact(windowed)).toBe(exact(whole));
    expect(isBare(windowed)).toBe(true);
    expect(offsetsOf(windowed)).toEqual(offsetsOf(whole));
  }
  // Plain ASCII with short devices always fits the default windows.
  const plainAscii = [...text].every((c) => c.charCodeAt(0) < 0x80 && c !== '\r');
  if (whole !== undefined && plainAscii && text.length < 100_000) expect(read).toBeGreaterThan(0);
  return read;
}

const offsetsOf = (v: unknown) => (v as { [ENTRY_OFFSETS]?: number[] } | undefined)?.[ENTRY_OFFSETS];

function expectSame(text: string, mustBeFast: boolean) {
  const fast = scanFleet(text);
  if (mustBeFast) expect(fast, `the scanner gave up on:\n${text}`).toBeDefined();
  if (fast !== undefined) expect(exact(fast)).toBe(exact(viaYaml(text)));
  if (fast !== undefined) expect(isBare(fast as object)).toBe(true);
  expectSameInWindows(text);
}

describe('fleet scanner: differential against yaml', () => {
  it('generated fleets', () => {
    const { files } = generate(3000, 5, 7, 3);
    for (const [name, text] of Object.entries(files)) if (name.startsWith('fleet/')) expectSame(text, true);
  });

  it('reads plain ASCII bytes window by window, as the whole text; gives way on what windows cannot read', () => {
    const text = Object.entries(generate(3000, 5, 7, 3).files).find(([name]) => name.startsWith('fleet/'))![1];
    expect(text.length).toBeGreaterThan(20 * 2000);
    // Windows of 2,000 characters slide through it 20 times and more; smaller ones give way on its longer devices.
    expect(scanFleetBytes(new TextEncoder().encode(text), { size: 2000, margin: 700 })).toBeDefined();
    expect(expectSameInWindows(text)).toBeGreaterThanOrEqual(2);
    const device = (tags: string) => `  - deviceId: d1\n    tags:\n${tags}`;
    // A device longer than a window: the windows give way, the whole text is read.
    const long = `devices:\n${device('      a: 1\n').repeat(20)}${device(`      b: ${'x'.repeat(400)}\n`)}${device('      a: 1\n').repeat(20)}`;
    expect(scanFleetBytes(new TextEncoder().encode(long), { size: 300, margin: 120 })).toBeUndefined();
    expect(scanFleet(long)).toBeDefined();
    // Not plain ASCII (a lone CR is a line break; é is two bytes): never read in windows.
    for (const odd of [long.replace('a: 1\n', 'a: 1\r'), long.replace('a: 1', 'a: é')]) expect(scanFleetBytes(new TextEncoder().encode(odd))).toBeUndefined();
  });

  it('thousands of distinct names and values (the interning table grows), each read back exactly', () => {
    const lines = ['devices:'];
    for (let i = 0; i < 3000; i++)
      lines.push(`  - deviceId: d${i}`, '    tags:', `      n${i % 1500}: v${i}`, `      k: ${i % 2 ? `${i}` : `x${i * 7}`}`, `      same: v${i}`);
    expectSame(`${lines.join('\n')}\n`, true);
  });

  it.each([
    ['plain', 'devices:\n  - deviceId: d1\n    tags:\n      env: prod\n      n: 3\n'],
    ['sequence at column 0', 'devices:\n- deviceId: d1\n  tags: { a: 1 }\n'],
    ['extra spaces after the dash', 'devices:\n  -   deviceId: d1\n      tags: { a: 1 }\n'],
    ['single-quoted', "devices:\n  - deviceId: 'operator''sDevice'\n    tags: { a: 'x y', 'b c': '' }\n"],
    ['double-quoted with escapes', 'devices:\n  - deviceId: "d\\"1"\n    tags: { a: "tab\\there", b: "\\u00e9\\x41", c: "\\\\" }\n'],
    ['flow maps, nested', 'devices:\n  - { deviceId: d1, tags: { site: { building: 9, floor: 2 }, env: prod } }\n  - {deviceId: d2,tags: {a: 1}}\n'],
    ['JSON-ish flow keys', 'devices:\n  - {"deviceId": "d1", "tags": {"a":1}}\n'],
    [
      'comments everywhere',
      "# head\ndevices: # the list\n  # first\n  - deviceId: d1 # trailing\n    # inside\n    tags: # tags\n      a: x#y # c\n      b: 'q' # c\n",
    ],
    ['CRLF', 'devices:\r\n  - deviceId: d1\r\n    tags:\r\n      a: x\r\n      b: { c: 1 }\r\n'],
    ['no trailing newline', 'devices:\n  - deviceId: d1'],
    ['blank lines', '\n\ndevices:\n\n  - deviceId: d1\n\n    tags:\n\n      a: 1\n\n'],
    [
      'numbers and specials',
      'devices:\n  - deviceId: d1\n    tags: { a: 0x1F, b: 0o17, c: -1.5e3, d: .5, e: +7, f: 007, g: 1_000, h: .inf, i: -.Inf, j: .nan, k: 12345678901234567890 }\n',
    ],
    [
      'booleans and nulls',
      'devices:\n  - deviceId: d1\n    tags: { a: true, b: False, c: TRUE, d: yes, e: ~, f: null, g: NULL, h: on }\n  - deviceId: d2\n    tags:\n',
    ],
    ['keys that are numbers or booleans', 'devices:\n  - deviceId: d1\n    tags: { 1: a, 0x10: b, true: c, null: d, 1.50: e }\n'],
    [
      'values with indicators inside',
      'devices:\n  - deviceId: d1\n    tags:\n      a: x:y\n      b: a,b[c]{d}\n      c: -x\n      d: x - y\n      e: "a: b"\n',
    ],
    ['numeric device id', 'devices:\n  - deviceId: 12345\n  - deviceId: 00123\n'],
    ['empty devices', 'devices:\n'],
    ['empty devices with comment', 'devices: # none yet\n# really\n'],
    ['keys in other order, unknown keys', 'devices:\n  - tags: { a: 1 }\n    deviceId: d1\n    note: hello\n'],
    ['deep nesting', 'devices:\n  - deviceId: d1\n    tags:\n      a:\n        b:\n          c:\n            d: 1\n          e: 2\n      f: 3\n'],
    ['key with spaces before colon', 'devices:\n  - deviceId   : d1\n'],
    ['trailing comma in flow', 'devices:\n  - { deviceId: d1, tags: { a: 1, }, }\n'],
    ['unicode', 'devices:\n  - deviceId: d1\n    tags: { city: Zürich, emoji: "🙂", jp: 東京 }\n'],
  ])('%s', (_name, text) => expectSame(text, true));

  it.each([
    ['JSON document', '{"devices": [{"deviceId": "d1"}]}'],
    ['anchors and aliases', 'devices:\n  - deviceId: d1\n    tags: &t { a: 1 }\n  - deviceId: d2\n    tags: *t\n'],
    ['merge keys', 'devices:\n  - deviceId: d1\n    tags: { <<: {a: 1}, b: 2 }\n'],
    ['block scalar', 'devices:\n  - deviceId: |\n      d1\n'],
    ['multi-line plain', 'devices:\n  - deviceId: d1\n    tags:\n      a: one\n        two\n'],
    ['multi-line quoted', 'devices:\n  - deviceId: "d\n    1"\n'],
    ['flow list', 'devices:\n  - deviceId: d1\n    tags: { a: [1, 2] }\n'],
    ['block list in tags', 'devices:\n  - deviceId: d1\n    tags:\n      a:\n        - 1\n'],
    ['duplicate key', 'devices:\n  - deviceId: d1\n    deviceId: d2\n'],
    ['tab indentation', 'devices:\n\t- deviceId: d1\n'],
    ['document marker', '---\ndevices:\n  - deviceId: d1\n'],
    ['a list, not a mapping', '- deviceId: d1\n'],
    ['another top-level key', 'devices:\n  - deviceId: d1\nextra: 1\n'],
    ['explicit tag', 'devices:\n  - deviceId: !!str 123\n'],
    ['odd escape', 'devices:\n  - deviceId: "\\N"\n'],
    ['bad indentation', 'devices:\n  - deviceId: d1\n     tags: {}\n'],
    ['unterminated', "devices:\n  - deviceId: 'd1\n"],
    ['dash alone', 'devices:\n  -\n    deviceId: d1\n'],
    ['nested seq item', 'devices:\n  - - deviceId: d1\n'],
    ['flow without space after colon', 'devices:\n  - {deviceId:d1}\n'],
    ['long key', `devices:\n  - deviceId: d1\n    tags: { ${'k'.repeat(1100)}: 1 }\n`],
  ])('gives up, or agrees, on %s', (_name, text) => expectSame(text, false));

  it.each([
    ['an anchored flow map and its alias', 'devices:\n  - deviceId: a\n    tags: &c { env: prod, n: 1 }\n  - deviceId: b\n    tags: *c\n'],
    [
      'an anchored block map, an anchored scalar, aliases in flow',
      'devices:\n  - deviceId: a\n    tags: &c\n      env: prod\n      x: &v 3\n  - { deviceId: b, tags: *c }\n  - { deviceId: c, tags: { y: *v, z: &w x y, q: *w } }\n',
    ],
    ['an anchor on nothing', 'devices:\n  - deviceId: a\n    tags: &c\n  - deviceId: b\n    tags: *c\n'],
  ])('reads anchors and aliases as the loader does: %s', (_name, text) => {
    expectSame(text, true);
    const fast = scanFleet(text) as { devices: { tags: unknown }[] };
    // An alias is the anchored value itself, as in the loader.
    expect(fast.devices[1].tags).toBe(fast.devices[0].tags);
  });

  it.each([
    ['a recursive alias', 'devices:\n  - deviceId: a\n    tags: { x: &r { y: *r } }\n'],
    ['an unknown alias', 'devices:\n  - deviceId: a\n    tags: *nope\n'],
    ['a billion laughs', `a: &a0 [x]\ndevices:\n  - deviceId: a\n    tags: { ${Array.from({ length: 10 }, (_, i) => `k${i}: *a0`).join(', ')} }\n`],
    [
      'aliases past the budget',
      `devices:\n  - deviceId: a\n    tags: &big { ${Array.from({ length: 200 }, (_, i) => `k${i}: ${'v'.repeat(100)}`).join(', ')} }\n${Array.from({ length: 2000 }, (_, i) => `  - { deviceId: d${i}, tags: *big }`).join('\n')}\n`,
    ],
  ])('gives up on %s, and yaml decides', (_name, text) => {
    expect(scanFleet(text)).toBeUndefined();
  });

  it.each([
    ['flow lists', 'devices:\n  - deviceId: a\n    tags: { env: [prod, "x", 1, [], [a, [b]], { k: v }], e: [] , t: [a, ] }\n'],
    ['a list as a block value', 'devices:\n  - deviceId: a\n    tags:\n      env: [prod, test]\n'],
  ])('reads %s as yaml does', (_name, text) => expectSame(text, true));

  it.each([
    ['a list as a key', 'devices:\n  - [a]: 1\n'],
    ['a pair in a list', 'devices:\n  - deviceId: a\n    tags: { x: [a: 1] }\n'],
    ['a quoted pair in a list', 'devices:\n  - deviceId: a\n    tags: { x: ["a": 1] }\n'],
    ['a list over lines', 'devices:\n  - deviceId: a\n    tags: { x: [a,\n      b] }\n'],
  ])('gives up, or agrees, on %s', (_name, text) => expectSame(text, false));

  it('places a diagnostic about one device by parsing that device alone, where yaml would', () => {
    const text =
      "devices:\n  - deviceId: a\n    tags:\n      env: prod\n  # note\n  - { deviceId: 'b b', tags: { x: { y: 1 } } }\n\n  - deviceId: c\n    tags: { env: 'p r o d' }\n";
    const bytes = new TextEncoder().encode(text);
    const fast = readYaml('f.yaml', bytes, undefined, scanFleet);
    const slow = readYaml('f.yaml', bytes);
    const offsets = (fast.value as { [ENTRY_OFFSETS]?: number[] })[ENTRY_OFFSETS]!;
    expect(offsets.map((o) => text.slice(o, o + 5))).toEqual(['  - d', '  - {', '  - d']);
    for (const location of [
      { file: 'f.yaml', path: ['devices', 0, 'tags', 'env'] },
      { file: 'f.yaml', path: ['devices', 1, 'deviceId'] },
      { file: 'f.yaml', path: ['devices', 1, 'tags', 'x', 'y'], key: true },
      { file: 'f.yaml', path: ['devices', 2, 'tags', 'env'], index: 2 },
      { file: 'f.yaml', path: ['devices', 2] },
    ]) {
      const d = { severity: 'error' as const, code: 'fleet/invalid-tag' as const, message: 'm', location };
      const { line, column } = fast.place(d);
      expect({ line, column }).toEqual({ line: slow.place(d).line, column: slow.place(d).column });
    }
  });

  it('random fleets in random scalar styles', () => {
    const style = fc.constantFrom('plain', 'single', 'double', 'flow');
    const word = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/);
    const scalar = fc.oneof(
      word,
      fc.integer({ min: -1000, max: 1000 }).map(String),
      fc.constantFrom(
        'true',
        'false',
        'null',
        '~',
        '1.5',
        'x y',
        "it's",
        'a:b',
        '0x1A',
        '',
        '#x',
        '-1',
        '.5',
        '1e3',
        'x #y',
        'a,b',
        'x\\y',
        'q"q',
        '1_0',
        'NaN',
        '.NaN',
        '+.inf',
        '0o8',
        '00',
        '-0',
        'Yes',
      ),
    );
    const deviceArb = fc.record({
      id: fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/),
      tags: fc.dictionary(word, scalar, { maxKeys: 5 }),
      style,
      crlf: fc.boolean(),
    });
    const render = (v: string, s: string) =>
      s === 'single' ? `'${v.replace(/'/g, "''")}'` : s === 'double' || v === '' || /^[#~]|: |'|^(true|false|null)$|^-$/.test(v) ? JSON.stringify(v) : v;
    fc.assert(
      fc.property(fc.array(deviceArb, { maxLength: 8 }), (devices) => {
        const lines = ['devices:'];
        for (const d of devices) {
          const entries = Object.entries(d.tags);
          if (d.style === 'flow')
            lines.push(`  - { deviceId: ${render(d.id, 'double')}, tags: { ${entries.map(([k, v]) => `${k}: ${render(v, 'double')}`).join(', ')} } }`);
          else {
            lines.push(`  - deviceId: ${render(d.id, d.style)}`);
            if (entries.length) lines.push('    tags:', ...entries.map(([k, v]) => `      ${k}: ${render(v, d.style)}`));
          }
        }
        const text = lines.join(devices[0]?.crlf ? '\r\n' : '\n');
        expectSame(text, true);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });

  it('loading a repository gives the same devices and diagnostics (positions via yaml) on the fast path', async () => {
    const rnd = random(3);
    const devices = Array.from({ length: 50 }, (_, i) => ({ id: `d${i}`, tags: deviceTags(rnd) }));
    const text = `devices:\n${devices.map((d) => `  - deviceId: ${d.id}\n    tags: ${JSON.stringify(d.tags)}`).join('\n')}\n  - deviceId: bad id!\n  - deviceId: d1\n`;
    expect(scanFleet(text)).toBeDefined();
    const loaded = await loadRepository(memorySource({ 'fleet/f.yaml': text, 'deployments/a.yaml': 'x: 1' }));
    const fleetDiagnostics = loaded.diagnostics.filter((d) => d.file === 'fleet/f.yaml');
    expect(fleetDiagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ['fleet/invalid-device-id', 102, 15],
      ['fleet/duplicate-device', 103, 15],
    ]);
    expect(loaded.analysis.repository.fleet.devices).toHaveLength(50);
  });
});
