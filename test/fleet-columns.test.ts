/**
 * The columnar path for fleet files against the object path: where the column
 * scanner accepts a file, the object path (the yaml library's value, built with the
 * full checks) has nothing to say about it and makes the very same devices, in the
 * same order with their tags in the same order; and a fleet indexed from columns
 * resolves exactly as one indexed from objects.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze, type ParsedFile } from '../src/core/analysis/analyze.js';
import { columnDevice, columnsFleetFile, type FleetColumns } from '../src/core/fleet-columns.js';
import { buildFleetFile } from '../src/core/validate/fleet.js';
import { scanFleetColumns, scanFleetColumnsBytes, type ScannedColumns } from '../src/io/fleet-columns-scanner.js';
import { scanFleet } from '../src/io/fleet-scanner.js';
import { memorySource } from '../src/io/source.js';
import { ENTRY_OFFSETS, readYaml } from '../src/io/yaml.js';
import { FLEET_LIMITS, loadRepository } from '../src/usecases/load.js';

const FILE = 'fleet/f.yaml';
const bytesOf = (text: string) => new TextEncoder().encode(text);
const columnsOf = (text: string): ScannedColumns | undefined => scanFleetColumnsBytes(FILE, bytesOf(text), FLEET_LIMITS);
const devicesOf = (columns: FleetColumns) => columns.deviceIds.map((_, row) => columnDevice(columns, row));

/** Key order counts: JSON keeps it, toEqual does not. */
const expectExactly = (a: unknown, b: unknown) => {
  expect(a).toEqual(b);
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
};

/**
 * The file's text through the object path (yaml's value and the full checks) and,
 * where the columns accept it, the same devices from them; whether they did.
 */
function expectSame(text: string): boolean {
  const scanned = columnsOf(text);
  const read = readYaml(FILE, bytesOf(text), FLEET_LIMITS);
  if (!scanned) return false;
  expect(read.diagnostics).toEqual([]);
  const reference = buildFleetFile(FILE, read.value);
  expect(reference.diagnostics).toEqual([]);
  expectExactly(devicesOf(scanned.columns), reference.devices);
  expect(scanned.columns.mixedCaseTagNames).toBe(reference.mixedCaseTagNames);
  // Where each device starts, as the object scanner says (a diagnostic is placed from it).
  const value = scanFleet(text) as { [ENTRY_OFFSETS]?: number[] } | undefined;
  if (value) expect([...scanned.offsets]).toEqual(value[ENTRY_OFFSETS]);
  // Read through small windows, the same columns.
  const windowed = scanFleetColumns(FILE, { length: text.length, window: (from, to) => text.slice(from, to) }, { size: 400, margin: 200 });
  if (windowed) expectExactly(devicesOf(windowed.columns), reference.devices);
  return true;
}

const names = fc.constantFrom('env', 'ring', 'site', 'region', 'Site', 'Env', 'hwRev', 'true', 'null', 'x_y', 'a-b', 'n1', '__proto__', 'constructor');
const plain = fc.constantFrom(
  'prod',
  'eastus',
  'c007',
  '3',
  '-1',
  '2.5',
  '1e3',
  '0x1A',
  'true',
  'False',
  '~',
  'null',
  '-0',
  '.inf',
  '.nan',
  'new york',
  'a:b',
  'x #c',
  "it's",
  'Yes',
  '00',
  '-',
  '-x',
  '&a x',
  '*a',
  '{a: 1}',
  '[1]',
  'é',
);
const quoted = fc.constantFrom("'prod'", '"prod"', "'it''s'", '"a\\tb"', "''", '"3"', "'x y'");
const scalar = fc.oneof({ weight: 6, arbitrary: plain }, { weight: 2, arbitrary: quoted });

interface TagTree {
  readonly [name: string]: string | TagTree;
}
type Arb<T> = fc.Arbitrary<T>;
/** Tag trees; `clean`: no name twice in a mapping, no empty nested mapping. */
const treeOf = (name: Arb<string>, value: Arb<string>, clean = false) =>
  fc.letrec<{ tree: TagTree; value: string | TagTree }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, value, tie('tree')),
    tree: (clean
      ? fc.uniqueArray(fc.tuple(name, tie('value')), { minLength: 1, maxLength: 4, selector: ([n]) => n.toLowerCase() })
      : fc.array(fc.tuple(name, tie('value')), { maxLength: 4 })
    ).map((entries) => {
      // Entries, not an object: a name may repeat (a duplicate key).
      const out: Record<string, string | TagTree> = {};
      entries.forEach(([k, v], i) => (out[`${k}\u0000${i}`] = v));
      return out;
    }),
  })).tree;
const id = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/) },
  { weight: 1, arbitrary: fc.constantFrom("'quoted-id'", '"dq"', 'bad id', '123', 'true', '*x', 'x:y') },
);
const deviceOf = (tree: Arb<TagTree>) =>
  fc.record({
    id,
    tags: fc.oneof({ weight: 6, arbitrary: tree }, { weight: 1, arbitrary: fc.constantFrom(undefined, null) }),
    tagsFirst: fc.boolean(),
    comment: fc.boolean(),
  });
const deviceArb = deviceOf(treeOf(names, scalar));
/** Devices the columns mostly accept: values conditions can match, names that seldom collide. */
const cleanDevice = deviceOf(
  treeOf(
    fc.constantFrom('env', 'ring', 'site', 'region', 'hwRev', 'x_y', 'n1', 'Site', '__proto__'),
    fc.constantFrom('prod', 'test', 'eastus', 'c007', '1', '2', '3', '2.5', 'true', 'false', "'prod'", '"3"'),
    true,
  ),
);

interface RenderedDevice {
  readonly id: string;
  readonly tags: TagTree | null | undefined;
  readonly tagsFirst: boolean;
  readonly comment: boolean;
}

function render(devices: readonly RenderedDevice[], step: number, listIndent: number): string {
  const lines = ['# a comment', 'devices:'];
  const pad = (n: number) => ' '.repeat(n);
  const tagLines = (t: TagTree, indent: number): string[] =>
    Object.entries(t).flatMap(([k, v]) => {
      const name = k.split('\u0000')[0];
      return typeof v === 'string' ? [`${pad(indent)}${name}: ${v}`] : [`${pad(indent)}${name}:`, ...tagLines(v, indent + step)];
    });
  for (const d of devices) {
    const keys = listIndent + 2;
    const idLine = `deviceId: ${d.id}${d.comment ? '  # the id' : ''}`;
    const tags = d.tags === undefined ? [] : d.tags === null ? ['tags:'] : ['tags:', ...tagLines(d.tags, keys + step).map((l) => l.slice(keys))];
    const own = d.tagsFirst && tags.length > 0 ? [...tags, idLine] : [idLine, ...tags];
    lines.push(`${pad(listIndent)}- ${own[0]}`, ...own.slice(1).map((l) => pad(keys) + l));
    if (d.comment) lines.push('', `${pad(listIndent)}# between devices`);
  }
  return lines.join('\n') + '\n';
}

describe('fleet files as columns', () => {
  it('random block-style fleets: where the columns accept a file, its devices are the object path’s and it has nothing to say', () => {
    let accepted = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.array(deviceArb, { minLength: 1, maxLength: 8 }), fc.constantFrom(2, 4), fc.constantFrom(0, 2), (devices, step, listIndent) => {
        runs++;
        if (expectSame(render(devices, step, listIndent))) accepted++;
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 400) },
    );
    // The generator reaches both sides.
    expect(accepted).toBeGreaterThan(runs / 20);
    expect(accepted).toBeLessThan(runs);
  });

  it('reads the generator’s shape, nested tags, quoted values and comments', () => {
    const text = [
      'devices:',
      '  - deviceId: edge-1',
      '    tags:',
      '      environment: prod   # a comment',
      '      ring: 2',
      '      site:',
      '        building: 11',
      "        name: 'north'",
      '      hwRev: 1.5',
      '  - deviceId: "edge-2"',
      '    tags:',
      '  - deviceId: edge-3',
      '',
    ].join('\n');
    expect(expectSame(text)).toBe(true);
    const { columns } = columnsOf(text)!;
    expect(columns.mixedCaseTagNames).toBe(true);
    expect(devicesOf(columns).map((d) => d.tags)).toEqual([{ environment: 'prod', ring: 2, site: { building: 11, name: 'north' }, hwRev: 1.5 }, {}, {}]);
  });

  it('gives way on what the fleet checks would say something about, and on shapes it does not read', () => {
    const device = (lines: string) => `devices:\n  - deviceId: d1\n${lines}`;
    for (const text of [
      'devices:\n', // null: a warning
      'devices:\n  - { deviceId: d1 }\n', // flow style
      'devices:\n  - deviceId: bad id\n', // an id IoT Hub refuses
      'devices:\n  - deviceId: 123\n', // a number
      'devices:\n  - tags:\n      a: 1\n', // no id
      device('    tags:\n      a: new york\n'), // a value no condition can match
      device('    tags:\n      a:\n'), // a tag with no value
      device('    tags:\n      a: -0\n'),
      device('    tags:\n      a: .inf\n'),
      device('    tags:\n      a: [1]\n'),
      device('    tags:\n      a: 1\n      a: 2\n'), // a duplicate key
      device('    tags:\n      Env: 1\n      env: 2\n'), // names that differ only by case
      device('    tags:\n      true: 1\n'), // a key YAML reads as a boolean
      device('    tags:\n      a: &x 1\n      b: *x\n'), // anchors
      device('    tags:\n      a: |\n        text\n'), // a block scalar
      device(`    tags:\n      a: ${'x'.repeat(4097)}\n`), // too long a string
      device(`    tags:\n${Array.from({ length: 300 }, (_, i) => `      tag${i}: ${'v'.repeat(20)}\n`).join('')}`), // tags over 8 KB
      device(`    tags:\n${Array.from({ length: 11 }, (_, i) => `${' '.repeat(6 + 2 * i)}n:\n`).join('')}${' '.repeat(28)}x: 1\n`), // 11 levels
      device('    name: x\n'), // an unknown key
      device('    tags:\n      a: 1\n  - deviceId: d1\n    tags: { b: 2 }\n'),
    ]) {
      expect(columnsOf(text), text).toBeUndefined();
    }
    // Ten levels are allowed.
    expect(expectSame(device(`    tags:\n${Array.from({ length: 9 }, (_, i) => `${' '.repeat(6 + 2 * i)}n:\n`).join('')}${' '.repeat(24)}x: 1\n`))).toBe(true);
  });
});

/** Conditions over the generated names: nested paths, names whose case differs, mappings compared with values. */
const CONDITIONS = [
  "tags.env = 'prod'",
  'tags.ring > 1',
  "tags.site.region = 'eastus'",
  "tags.site = 'prod'",
  'IS_DEFINED(tags.site)',
  'NOT IS_DEFINED(tags.env)',
  "tags.hwrev = 3 OR tags.x_y = 'c007'",
  "tags.env != 'prod' AND tags.n1 <= 2.5",
  "deviceId = 'a1'",
  "tags.__proto__ = 'prod'",
  '*',
];

describe('columns written file after file', () => {
  it('are as the object path reads each file, whatever the files before left in the columns the scanner reuses', () => {
    const id = (prefix: string, i: number) => `${prefix}${String(i).padStart(4, '0')}`;
    const tagged = `devices:\n${Array.from({ length: 3000 }, (_, i) => `  - deviceId: ${id('a', i)}\n    tags:\n      env: prod\n      n: ${i % 7}\n`).join('')}`;
    // Short devices (more per byte than the scanner guesses): its columns grow past what it first zeroed.
    const sparse = `devices:\n${Array.from({ length: 3000 }, (_, i) => `  - deviceId: ${id('b', i)}\n${i % 100 === 0 ? '    tags:\n      n: 1\n' : ''}`).join('')}`;
    const broken = `devices:\n${Array.from({ length: 2000 }, (_, i) => `  - deviceId: ${id('c', i)}\n    tags:\n      env: x\n`).join('')}  - deviceId: bad id\n`;
    for (const text of [tagged, sparse, broken, sparse, tagged, sparse]) {
      const accepted = expectSame(text);
      expect(accepted).toBe(text !== broken);
      if (!accepted) continue;
      // A cell no device's shape names is still read by the index: it must say "absent".
      const columns = columnsFleetFile(columnsOf(text)!.columns);
      const asColumns = analyze({ deployments: [], fleet: [{ file: FILE, value: {}, fleet: columns }] });
      const asObjects = analyze({ deployments: [], fleet: [{ file: FILE, value: readYaml(FILE, bytesOf(text), FLEET_LIMITS).value }] });
      expect(asColumns.repository.fleet.devices).toHaveLength(3000);
      for (const path of [['n'], ['env']]) {
        const [a, b] = [asColumns, asObjects].map((x) => x.fleetIndex.path(path));
        expect([a.defined, a.types, [...a.postings.keys()]]).toEqual([b.defined, b.types, [...b.postings.keys()]]);
      }
    }
  });
});

describe('a fleet indexed from columns', () => {
  it('resolves as the same fleet indexed from objects, and loads as columns from a source', async () => {
    const deployments = CONDITIONS.map((condition, i) => ({
      file: `deployments/d${i}.yaml`,
      value: {
        priority: i % 4,
        createdAt: '2026-01-01T00:00:00Z',
        targetCondition: condition,
        content: { modulesContent: { $edgeAgent: { 'properties.desired': {} }, $edgeHub: { 'properties.desired': {} } } },
      },
    }));
    let compared = 0;
    fc.assert(
      fc.property(fc.array(cleanDevice, { minLength: 1, maxLength: 12 }), fc.array(cleanDevice, { maxLength: 6 }), (first, second) => {
        // Two files, ids ascending across them (the order the columns keep).
        const withIds = (list: typeof first, prefix: string) => list.map((d, i) => ({ ...d, id: `${prefix}${String(i).padStart(2, '0')}` }));
        const texts = [render(withIds(first, 'a'), 2, 0), render(withIds(second, 'b'), 2, 2)];
        const scanned = texts.map(columnsOf);
        if (scanned.some((s) => !s)) return;
        compared++;
        const asColumns: ParsedFile[] = scanned.map((s, i) => ({
          file: `fleet/f${i}.yaml`,
          value: {},
          fleet: columnsFleetFile({ ...s!.columns, file: `fleet/f${i}.yaml` }),
        }));
        const asObjects: ParsedFile[] = texts.map((t, i) => ({
          file: `fleet/f${i}.yaml`,
          value: readYaml(`fleet/f${i}.yaml`, bytesOf(t), FLEET_LIMITS).value,
        }));
        const columns = analyze({ deployments, fleet: asColumns });
        const objects = analyze({ deployments, fleet: asObjects });
        expect(columns.diagnostics).toEqual(objects.diagnostics);
        expect(columns.resolution.deviceIds).toEqual(objects.resolution.deviceIds);
        expect(columns.resolution.devices).toEqual(objects.resolution.devices);
        expectExactly(columns.repository.fleet.devices, objects.repository.fleet.devices);
        // The index itself: per path, the same devices per value (ascending), and the same sets.
        for (const path of [['env'], ['site'], ['site', 'region'], ['ring'], ['hwrev'], ['n1'], ['x_y'], ['__proto__']]) {
          const [a, b] = [columns, objects].map((x) => x.fleetIndex.path(path));
          expect(new Map([...a.postings].map(([v, p]) => [v, [...p]]))).toEqual(new Map([...b.postings].map(([v, p]) => [v, [...p]])));
          expect([a.defined, a.types]).toEqual([b.defined, b.types]);
        }
        const some = columns.fleetIndex.deviceIds[columns.fleetIndex.size - 1];
        expectExactly(columns.fleetIndex.device(some), objects.fleetIndex.device(some));
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 150) },
    );
    expect(compared).toBeGreaterThan(30);

    const loaded = await loadRepository(
      memorySource({
        'fleet/a.yaml': 'devices:\n  - deviceId: a1\n    tags:\n      env: prod\n',
        'fleet/b.yaml': 'devices:\n  - deviceId: b1\n    tags:\n      env: test\n',
        'deployments/d.yaml': "priority: 1\ncreatedAt: 2026-01-01T00:00:00Z\ntargetCondition: tags.env = 'prod'\ncontent: { modulesContent: {} }\n",
      }),
    );
    expect(loaded.files.get('fleet/a.yaml')?.fleet?.columns).toBeDefined();
    expect(loaded.analysis.resolution.devices.map((d) => [d.deviceId, d.deployment])).toEqual([
      ['a1', 'd'],
      ['b1', null],
    ]);
  });

  it('falls back to objects where ids repeat or go down across files: the duplicate is reported where it is', async () => {
    const loaded = await loadRepository(
      memorySource({
        'fleet/a.yaml': 'devices:\n  - deviceId: d2\n  - deviceId: d3\n',
        'fleet/b.yaml': 'devices:\n  - deviceId: d1\n  - deviceId: d3\n',
      }),
    );
    expect(loaded.files.get('fleet/a.yaml')?.fleet?.columns).toBeDefined();
    expect(loaded.diagnostics.map((d) => [d.code, d.file, d.line])).toEqual([['fleet/duplicate-device', 'fleet/b.yaml', 3]]);
    expect(loaded.analysis.fleetIndex.deviceIds).toEqual(['d1', 'd2', 'd3']);
  });
});
