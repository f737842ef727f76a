/** The deployment scanner yields exactly what yaml (plus our converter) yields, with the same positions, or gives up. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Document, isCollection, stringify, visit, type ToStringOptions } from 'yaml';
import { describe, expect, it, vi } from 'vitest';
import { contentYaml, deploymentFile, generate, random } from './support/fleet-generator.js';
import { isBare } from '../src/core/record.js';
import { scanDeployment } from '../src/io/deployment-scanner.js';
import { memorySource } from '../src/io/source.js';
import { DEFAULT_LIMITS, POSITION_HINTS, readYaml, type PositionHints } from '../src/io/yaml.js';
import type { Diagnostic, Location } from '../src/core/diagnostics.js';

const LIMITS = { ...DEFAULT_LIMITS, maxBytes: 1024 * 1024 };
const encode = (text: string) => new TextEncoder().encode(text);
const fast = (text: string) => scanDeployment(text, LIMITS.maxDepth);
/** JSON with NaN/Infinity/-0 made visible, so equality is exact (key order included). */
const exact = (v: unknown) =>
  JSON.stringify(v, (_k, x) => (typeof x === 'number' && (!Number.isFinite(x) || Object.is(x, -0)) ? `#${String(x)}${Object.is(x, -0) ? '-0' : ''}` : x));
const allBare = (v: unknown): boolean =>
  Array.isArray(v) ? v.every(allBare) : typeof v !== 'object' || v === null || (isBare(v) && Object.values(v).every(allBare));

/** Hints as placement reads them: `end` only matters for a value that is a string (see reparsedFile). */
const usedHints = (hints: PositionHints | undefined, value: unknown) =>
  hints &&
  Object.fromEntries(
    Object.entries(hints).map(([k, h]) => [k, { ...h, end: k !== '' && typeof (value as Record<string, unknown>)[k] === 'string' ? h.end : 0 }]),
  );

/** The scanner gives up, or yields yaml's value and hints for a file yaml reads without a single diagnostic. */
function expectSame(text: string, mustBeFast: boolean): boolean {
  const value = fast(text);
  if (mustBeFast) expect(value, `the scanner gave up on:\n${text}`).toBeDefined();
  if (value === undefined) return false;
  const slow = readYaml('d.yaml', encode(text), LIMITS);
  expect(slow.diagnostics, text).toEqual([]);
  expect(exact(value), text).toBe(exact(slow.value));
  expect(allBare(value)).toBe(true);
  const hints = (value as { [POSITION_HINTS]?: PositionHints })[POSITION_HINTS];
  expect(usedHints(hints, value), text).toEqual(usedHints(slow.hints?.(), slow.value));
  return true;
}

/** The YAML files git tracks: never what a working copy happens to hold (generated bench fleets, node_modules). */
function yamlFiles(dir: string): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--', '*.yaml', '*.yml'], { cwd: dir, encoding: 'utf8' });
  return listed
    .split('\0')
    .filter((name) => name !== '' && existsSync(join(dir, name)))
    .map((name) => join(dir, name));
}

const repo = new URL('..', import.meta.url).pathname;
const repoFiles = yamlFiles(repo).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
const deploymentFiles = repoFiles.filter((f) => /\/deployments\//.test(f.path));
const generated = Object.entries(generate(500, 60, 7, 2).files).filter(([name]) => name.startsWith('deployments/'));

const realworldDir = new URL('../../shared/realworld/manifests/', import.meta.url).pathname;
const realworld = existsSync(realworldDir)
  ? readdirSync(realworldDir)
      .filter((n) => n.endsWith('.json'))
      .map((n) => ({ name: n, manifest: JSON.parse(readFileSync(join(realworldDir, n), 'utf8')) as { modulesContent?: unknown } }))
  : [];
// As conformance.test.ts: the shared cases, or the vendored copy when shared/ is absent.
const conformanceCases = ['../../shared/conformance/cases.json', './fixtures/conformance/cases.json']
  .map((p) => new URL(p, import.meta.url).pathname)
  .find((p) => existsSync(p))!;
const conditions: string[] = (() => {
  const cases = JSON.parse(readFileSync(conformanceCases, 'utf8')) as { conditions: { condition: string }[]; invalidConditions: string[] };
  return [...cases.conditions.map((c) => c.condition), ...cases.invalidConditions];
})();

/** A deployment around a manifest, as a person writes it: block style, or with the manifest as JSON inside. */
const asDeployment = (modulesContent: unknown, json: boolean) =>
  `priority: 5\ncreatedAt: 2026-01-01T00:00:00Z\ntargetCondition: "tags.env = 'prod'"\ncontent:\n  modulesContent:${
    json
      ? ' ' + JSON.stringify(modulesContent, null, 2).replace(/\n/g, '\n    ')
      : '\n' + stringify(modulesContent, { lineWidth: 0 }).replace(/^(?=.)/gm, '    ')
  }\n`;

/** `value` as yaml writes it, collections from `flowLevel` levels down in flow style, on one line each. */
function styled(value: unknown, flowLevel: number, options: ToStringOptions = {}): string {
  const doc = new Document(value);
  visit(doc, {
    Collection(_key, node, path) {
      if (path.filter((p) => isCollection(p)).length >= flowLevel) node.flow = true;
    },
  });
  return doc.toString({ ...options, lineWidth: 0 });
}

describe('deployment scanner: differential against yaml', () => {
  it('accepts every deployment file in the repository (examples and fixtures), and agrees on them', () => {
    expect(deploymentFiles.length).toBeGreaterThan(50);
    // One fixture is broken on purpose (an unclosed flow list): yaml reads it and reports.
    const broken = deploymentFiles.filter((f) => readYaml(f.path, encode(f.text), LIMITS).diagnostics.length > 0);
    expect(broken.map((f) => f.path.slice(repo.length))).toEqual(['test/fixtures/plan/invalid-head/head/deployments/canary.yaml']);
    for (const f of deploymentFiles) expectSame(f.text, !broken.includes(f));
    expect(fast(broken[0].text)).toBeUndefined();
  });

  it('gives up on, or agrees on, every other YAML file in the repository (fleets, workflows, app and action metadata)', () => {
    for (const f of repoFiles) expectSame(f.text, false);
    // The GitHub workflows and metadata are ordinary YAML: the scanner reads them.
    for (const f of repoFiles.filter((f) => /workflows\/.*\.yml$|(action|app)\.yml$/.test(f.path))) expectSame(f.text, true);
  });

  it('accepts the bench generator deployments', () => {
    expect(generated.length).toBe(60);
    for (const [, text] of generated) expectSame(text, true);
  });

  it('accepts the real-world manifests written as YAML (block style, and as JSON inside YAML)', () => {
    for (const { manifest } of realworld) {
      expectSame(asDeployment(manifest.modulesContent ?? manifest, false), false);
      expectSame(asDeployment(manifest.modulesContent ?? manifest, true), false);
    }
    // All but those with a string over several lines (a createOptions with line breaks, folded by yaml).
    const read = (json: boolean) => realworld.filter(({ manifest }) => fast(asDeployment(manifest.modulesContent ?? manifest, json)) !== undefined).length;
    expect(read(false)).toBeGreaterThanOrEqual(realworld.length - 2);
    // JSON inside YAML is a flow mapping over many lines: most are read, some (escapes such as \u) go to yaml.
    expect(read(true)).toBeGreaterThanOrEqual(Math.floor(realworld.length * 0.8));
  });

  it('agrees on every conformance condition, in each quoting', () => {
    for (const condition of conditions) {
      for (const quoted of [JSON.stringify(condition), `'${condition.replace(/'/g, "''")}'`, condition]) {
        expectSame(deploymentFile(1, '2026-01-01T00:00:00Z', 'x', 't', 'i').replace(/targetCondition: .*/, `targetCondition: ${quoted}`), quoted !== condition);
      }
    }
  });

  it.each([
    ['document marker and comments', '# c\n---   # start\n# c\npriority: 1 # p\ntargetCondition: "*"\n'],
    ['CRLF', 'priority: 1\r\nlabels:\r\n  a: x\r\n  b: { c: 1 }\r\nlist:\r\n  - 1\r\n  - x\r\n'],
    ['no trailing newline', 'priority: 1\nlabels:\n  a: x'],
    ['a list at the key column', 'a:\n- 1\n- x: 1\n  y: 2\n-\n  - 3\nb: 1\n'],
    ['lists of mappings', 'routes:\n  - from: a\n    to: b\n  -   from: c\n      to: d\n  - "q": 1\n  - { a: 1 }\n  - [1, 2]\n  - # c\n    k: v\n  -\n'],
    ['empty values', 'a:\nb: # c\nc:   \nd: {}\ne: []\nf:\n  g:\n'],
    [
      'scalars',
      'a: { i: 0x1F, o: 0o17, f: -1.5e3, d: .5, p: +7, z: 007, u: 1_000, inf: .inf, ninf: -.Inf, nan: .nan, t: true, F: False, n: ~, N: NULL, y: yes, v: v1.25, ts: 2026-01-01T00:00:00Z, neg: -0, e: 1e3 }\n',
    ],
    ['keys that are numbers, booleans or null', '1: a\n0x10: b\ntrue: c\nnull: d\n1.50: e\n'],
    ['an empty quoted key', '"": f\n'],
    ['__proto__ and friends', '__proto__: { polluted: 1 }\nconstructor: x\ntoString: 1\nhasOwnProperty: [1]\n'],
    ['quoted', 'a: \'it\'\'s\'\nb: "q\\"q \\\\ \\n \\t \\/"\n\'c d\': ""\n"e": \'\'\nf: "a: b # c"\n'],
    ['indicators inside plain scalars', 'a: x:y\nb: a,b[c]{d}\nc: -x\nd: x - y\ne: a#b\nf: http://x/y?z=1\ng: $upstream\nh: x*\n'],
    ['flow over several lines', 'a: {\n  b: 1,\n  "c": [x,\n    y],\n  d: { e: f }\n}\nb: [\n  1, # one\n  2\n  ]\nc: { k:\n   v }\n'],
    ['JSON-style flow', 'a: {"b":1,"c":"x","d":-1,"e":[1,true,null],"f":{}}\n'],
    ['edge manifest keys', 'content:\n  modulesContent:\n    $edgeAgent:\n      properties.desired:\n        schemaVersion: "1.1"\n'],
    ['unicode', 'a: { city: Zürich, emoji: "🙂", jp: 東京 }\n'],
    ['keys with spaces', 'a key: 1\nkey   : 2\n'],
    ['keys starting with a dash', '-x: 1\na: { -y: 2 }\n'],
    ['top-level values after comments', 'a: # c\n  b: 1\nc:\n  # c\n  - 1\nd:   # c\ne:\n# c\n- 2 # c\nf: "x" # c\ng: [1] # c\n'],
  ])('%s', (_name, text) => void expectSame(text, true));

  it.each([
    ['anchors and aliases', 'a: &x { b: 1 }\nc: *x\n'],
    ['merge keys', 'a: { <<: { b: 1 }, c: 2 }\n'],
    ['tags', 'a: !!str 1\n'],
    ['block scalars', 'a: |\n  x\nb: >\n  y\n'],
    ['multi-line plain', 'a: one\n  two\n'],
    ['multi-line quoted', 'a: "one\n  two"\n'],
    ['multi-line plain in flow', 'a: [one\n  two]\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['duplicate keys by value', '1: a\n"1": b\n'],
    ['duplicate keys, null and empty', '~: a\n"": b\n'],
    ['duplicate keys in flow', 'a: { b: 1, b: 2 }\n'],
    ['tabs', 'a:\n\tb: 1\n'],
    ['directives', '%YAML 1.2\n---\na: 1\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['document end', 'a: 1\n...\n'],
    ['complex keys', '? a\n: 1\n'],
    ['flow keys', '[a]: 1\n'],
    ['odd escapes', 'a: "\\N\\x41\\u00e9"\n'],
    ['a BOM inside', 'a: "\uFEFFx"\n'],
    ['a list at the root', '- a\n'],
    ['a scalar at the root', 'a\n'],
    ['an empty file', ''],
    ['only comments', '# x\n'],
    ['an indented root', '  a: 1\n'],
    ['bad indentation', 'a:\n  b: 1\n   c: 2\n'],
    ['a flow too shallow', 'x:\n  a: [1,\n  2]\n'],
    ['a nested mapping on one line', 'a: b: c\n'],
    ['a pair in a flow list', 'a: [b: 1]\n'],
    ['a long key', `${'k'.repeat(1100)}: 1\n`],
    ['a long number', 'a: 12345678901234567890123\n'],
    ['a plain key in flow without a space', 'a: {b:1}\n'],
  ])('gives up, or agrees, on %s', (_name, text) => void expectSame(text, false));

  it('random documents in the subset, in random styles', () => {
    const runs = Number(process.env.FC_RUNS ?? 500);
    let accepted = 0;
    const key = fc.oneof(
      fc.stringMatching(/^[a-zA-Z$_][a-zA-Z0-9._-]{0,10}$/),
      fc.constantFrom('__proto__', 'constructor', '1', '0x10', 'true', 'null', '~', '', 'a b', 'properties.desired', '$edgeAgent', '-x', "it's"),
    );
    const scalar = fc.oneof(
      fc.stringMatching(/^[a-z][a-z0-9 :/._-]{0,12}$/),
      fc.integer({ min: -100000, max: 100000 }),
      fc.constantFrom(1.5, -0.25, 1e21, 5e-324, 0.1, -0, Infinity, NaN, 2 ** 53, 1.0000000000000002),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(
        'true',
        'null',
        '~',
        '1.5',
        '0x1A',
        '',
        '#x',
        'x #y',
        'a,b',
        'q"q',
        "it's",
        '2026-01-01T00:00:00Z',
        '.inf',
        '-',
        '- x',
        'a: b',
        '{x}',
        '[x]',
        '*x',
        '&x',
        '!x',
        '|',
        '\\n',
      ),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('list')),
      map: fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
      list: fc.array(tie('tree'), { maxLength: 3 }),
    }));
    const root = fc.dictionary(key, tree, { minKeys: 1, maxKeys: 5 });
    const options = fc.record({
      flowLevel: fc.constantFrom(1, 2, 3),
      indent: fc.constantFrom(2, 4),
      indentSeq: fc.boolean(),
      defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE') as fc.Arbitrary<'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE'>,
      crlf: fc.boolean(),
    });
    fc.assert(
      fc.property(root, options, (value, { crlf, flowLevel, ...o }) => {
        const text = styled(value, flowLevel, o);
        if (expectSame(crlf ? text.replace(/\n/g, '\r\n') : text, false)) accepted++;
      }),
      // A fixed seed: how many are accepted is a share, not a law; the same inputs every run keep it from flaking.
      { numRuns: runs, seed: Number(process.env.FC_SEED ?? 20261126) },
    );
    // Not a test of giving up: most documents are read.
    expect(accepted).toBeGreaterThan(runs / 2);
  });

  it('accepts the typical shapes it generates (block mappings, flow inside, quoted strings)', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/);
    const leaf = fc.oneof(
      word,
      fc.integer(),
      fc.boolean(),
      word.map((w) => `${w} ${w}:1`),
    );
    const flow = fc.dictionary(word, leaf, { maxKeys: 4 });
    const block = fc.dictionary(word, fc.oneof(leaf, flow, fc.dictionary(word, fc.oneof(leaf, flow), { maxKeys: 3 })), { minKeys: 1, maxKeys: 5 });
    fc.assert(
      fc.property(block, (value) => expectSame(styled(value, 2), true)),
      { numRuns: Number(process.env.FC_RUNS ?? 200) },
    );
  });

  it('random byte edits and truncations of real files give up or agree', () => {
    const runs = Number(process.env.FC_RUNS ?? 1000);
    let accepted = 0;
    const sources = [
      ...deploymentFiles.slice(0, 12).map((f) => f.text),
      ...generated.slice(0, 5).map(([, t]) => t),
      // Flow mappings over many lines: JSON inside YAML.
      ...realworld.slice(0, 4).map(({ manifest }) => asDeployment(manifest.modulesContent ?? manifest, true)),
    ];
    const edit = fc.record({
      file: fc.nat(sources.length - 1),
      at: fc.nat(),
      cut: fc.nat(4),
      insert: fc.string({ unit: fc.constantFrom(...' :-#{}[],\'"\n&*!|>?%@`~\\\t\r0xaZ.'.split('')), maxLength: 3 }),
      truncate: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let text = sources[edits[0].file];
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = e.truncate ? text.slice(0, at) : text.slice(0, at) + e.insert + text.slice(at + e.cut);
        }
        if (expectSame(text, false)) accepted++;
      }),
      // A fixed seed: how many are accepted is a share, not a law; the same inputs every run keep it from flaking.
      { numRuns: runs, seed: Number(process.env.FC_SEED ?? 20261126) },
    );
    expect(accepted).toBeGreaterThan(runs / 4);
  });
});

describe('deployment scanner: hostile inputs have the same outcome as today', () => {
  const both = (text: string) => {
    const bytes = encode(text);
    const slow = readYaml('d.yaml', bytes, LIMITS);
    const viaFast = readYaml('d.yaml', bytes, LIMITS, fast);
    expect(exact(viaFast.value)).toBe(exact(slow.value));
    expect(viaFast.diagnostics).toEqual(slow.diagnostics);
    return { slow, viaFast };
  };

  it('an alias bomb is yaml’s to reject', () => {
    const bomb = [
      'a0: &a0 [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`),
    ].join('\n');
    expect(fast(bomb)).toBeUndefined();
    expect(both(bomb).slow.diagnostics.map((d) => d.code)).toEqual(['yaml/alias-bomb']);
  });

  it('an 8 KB condition is read, as yaml reads it', () => {
    const condition = Array.from({ length: 400 }, (_, i) => `tags.t${i} = 'v'`)
      .join(' OR ')
      .slice(0, 8192);
    const text = deploymentFile(1, '2026-01-01T00:00:00Z', condition, 't', 'i');
    expectSame(text, true);
    both(text);
  });

  it('__proto__ keys are ordinary record keys, as yaml gives them', () => {
    const text = '__proto__:\n  polluted: true\nlabels: { __proto__: { x: 1 }, constructor: 2 }\n';
    expectSame(text, true);
    const value = fast(text) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__', 'labels']);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    both(text);
  });

  it.each([63, 64, 65, 200])('nesting %i levels deep: the fast path stops where the limit does', (levels) => {
    const block = Array.from({ length: levels }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1\n';
    const flow = `a: ${'['.repeat(levels)}1${']'.repeat(levels)}\n`;
    const list =
      Array.from({ length: levels }, (_, i) => `${' '.repeat(i * 2)}- `)
        .join('\n')
        .replace(/^/, 'a:\n') + 'x\n';
    for (const text of [block, flow, list]) {
      const { slow } = both(text);
      if (slow.diagnostics.length > 0) expect(fast(text)).toBeUndefined();
    }
  });

  it('a line over the limit is reported before any fast path', () => {
    const text = `a: ${'x'.repeat(2000)}\n`;
    const limits = { ...LIMITS, maxLineLength: 1000 };
    const slow = readYaml('d.yaml', encode(text), limits);
    const viaFast = readYaml('d.yaml', encode(text), limits, fast);
    expect(viaFast.diagnostics.map((d) => d.code)).toEqual(['file/line-too-long']);
    expect(viaFast.diagnostics).toEqual(slow.diagnostics);
  });

  it('a BOM is dropped as readYaml drops it', () => both('\uFEFFpriority: 1\n'));
});

describe('deployment scanner: diagnostics placed as on the yaml path', () => {
  const text = `# header\npriority: 3\ncreatedAt: 2026-01-01T00:00:00Z\ntargetCondition: "tags.env = 'prod' AND"\nlabels: { team: a }\n${contentYaml('\n          sensor: { type: docker, status: sleeping, settings: { image: "x" } }')}`;
  const locations: Omit<Location, 'file'>[] = [
    { path: [] },
    { path: ['priority'] },
    { path: ['priority'], key: true },
    { path: ['targetCondition'], index: 21 },
    { path: ['targetCondition'], index: 0 },
    { path: ['targetCondition'], index: 200 },
    { path: ['labels', 'team'] },
    { path: ['content'] },
    { path: ['content', 'modulesContent', '$edgeAgent', 'properties.desired', 'modules', 'sensor', 'status'] },
    { path: ['content', 'modulesContent', '$edgeAgent', 'properties.desired', 'modules', 'sensor'], key: true },
    { path: ['missing'] },
  ];
  const diagnostic = (location: Omit<Location, 'file'>): Diagnostic => ({
    severity: 'error',
    code: 'deployment/invalid-id',
    message: 'm',
    location: { ...location, file: 'd.yaml' },
  });
  const at = (p: { line: number; column: number }) => [p.line, p.column];

  it('from the scanner’s hints as yaml places them', () => {
    const bytes = encode(text);
    const slow = readYaml('d.yaml', bytes, LIMITS);
    const viaFast = readYaml('d.yaml', bytes, LIMITS, fast);
    expect(viaFast.hints?.()?.priority).toEqual(slow.hints?.()?.priority);
    expect(fast(text)).toBeDefined();
    for (const location of locations) {
      const d = diagnostic(location);
      expect(at(viaFast.place(d)), JSON.stringify(location)).toEqual(at(slow.place(d)));
    }
  });

  it('loading a repository gives the same placed diagnostics (a schema error and a bad target condition) with and without the fast path', async () => {
    const files = { 'deployments/d.yaml': text, 'fleet/f.yaml': 'devices:\n  - deviceId: a\n    tags: { env: prod }\n' };
    const load = async (scanner: 'real' | 'none') => {
      vi.resetModules();
      let calls = 0;
      vi.doMock('../src/io/deployment-scanner.js', async (original) => {
        const real = await original<typeof import('../src/io/deployment-scanner.js')>();
        return { scanDeployment: (t: string, d?: number) => (calls++, scanner === 'real' ? real.scanDeployment(t, d) : undefined) };
      });
      const { loadRepository } = await import('../src/usecases/load.js');
      const loaded = await loadRepository(memorySource(files));
      vi.doUnmock('../src/io/deployment-scanner.js');
      return { diagnostics: loaded.diagnostics, calls };
    };
    const viaFast = await load('real');
    const viaYaml = await load('none');
    expect(viaFast.calls).toBe(1);
    const codes = viaFast.diagnostics.map((d) => d.code);
    expect(codes.some((c) => c.startsWith('condition/'))).toBe(true);
    expect(codes.some((c) => c.startsWith('schema/') || c.startsWith('deployment/') || c.startsWith('manifest/'))).toBe(true);
    expect(viaFast.diagnostics).toEqual(viaYaml.diagnostics);
  });
});

it('the bench generator’s random conditions are accepted at scale', () => {
  const rnd = random(9);
  for (let i = 0; i < 50; i++) expectSame(deploymentFile(i, '2026-01-01T00:00:00Z', `tags.ring = ${Math.floor(rnd() * 9)}`, `t${i}`, `img:${i}`), true);
});
