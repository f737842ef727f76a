/**
 * Kept columns (.edgeops/cache/columns/): a fleet file found there by blob id loads
 * exactly as a fresh scan of it; an entry that is damaged, from another version or
 * of another blob is a miss; a file changed on disk is never served from it; and
 * only an apply that wrote leaves entries behind.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeColumns, encodeColumns, columnCache, type ColumnCache } from '../src/io/column-cache.js';
import { diskSource } from '../src/io/disk.js';
import { scanFleetColumnsBytes, type ScannedColumns } from '../src/io/fleet-columns-scanner.js';
import { DEFAULT_LIMITS } from '../src/io/yaml.js';
import { FLEET_LIMITS, loadRepository } from '../src/usecases/load.js';
import { cli } from './support/apply.js';
import { generate } from './support/fleet-generator.js';
import { testRepo } from './support/git-repo.js';

const KEY = { version: '1', key: 'limits' };
const OID = 'a'.repeat(40);

function scanned(text: string): ScannedColumns {
  const s = scanFleetColumnsBytes('fleet/a.yaml', new TextEncoder().encode(text), FLEET_LIMITS);
  if (!s) throw new Error('not a clean file');
  return s;
}

/** Everything a scan gives, as plain data (column widths included). */
const plain = ({ columns: c, offsets }: ScannedColumns) => ({
  file: c.file,
  deviceIds: [...c.deviceIds],
  names: [...c.names],
  parents: [...c.parents],
  values: [...c.values],
  columns: c.columns.map((col) => [col.constructor.name, ...Array.from(col.subarray(0, c.deviceIds.length))]),
  shapes: c.shapes.map((s) => [...s]),
  shapeOf: [...c.shapeOf.subarray(0, c.deviceIds.length)],
  mixedCaseTagNames: c.mixedCaseTagNames,
  offsets: [...offsets.subarray(0, c.deviceIds.length)],
});

/** A counting cache around a real one: how many files were found in it. */
function counting(inner: ColumnCache): ColumnCache & { hits: number } {
  const out = {
    hits: 0,
    read: (file: string, oid: string, limits: typeof FLEET_LIMITS) => {
      const r = inner.read(file, oid, limits);
      if (r) out.hits++;
      return r;
    },
    keep: inner.keep.bind(inner),
    used: inner.used.bind(inner),
    flush: inner.flush.bind(inner),
  };
  return out;
}

const resolutionOf = async (dir: string, columns?: ColumnCache) => {
  const loaded = await loadRepository(diskSource(dir, { root: dir, prefix: '' }, { columns }), { parallel: false });
  const { resolution } = loaded.analysis;
  return { valid: loaded.valid, diagnostics: loaded.diagnostics, ids: resolution.deviceIds, winners: resolution.winners };
};

describe('an entry', () => {
  const text = [
    'devices:',
    '  - deviceId: b-1',
    '  - deviceId: a-2',
    '    tags:',
    '      env: prod',
    '      Site:',
    '        rack: 7',
    '        hall: "x-y"',
    '      ring: 2.5',
    '      up: true',
    '  - deviceId: c-3',
    '    tags:',
    '      env: "prod"',
    '      ring: -3',
    '',
  ].join('\n');

  it('gives back what the scan gave, named as the file is now', () => {
    const s = scanned(text);
    expect(s.columns.columns.map((c) => c.BYTES_PER_ELEMENT)).toContain(1);
    const back = decodeColumns(encodeColumns(OID, s, KEY)!, 'fleet/renamed.yaml', OID, KEY);
    expect(plain(back!)).toEqual({ ...plain(s), file: 'fleet/renamed.yaml' });
  });

  it.each([
    [20_000, 2],
    [40_000, 4],
  ])('of a file of %i devices with as many values (%i-byte columns) gives back the same', (devices, width) => {
    const lines = ['devices:'];
    for (let i = 0; i < devices; i++)
      lines.push(`  - deviceId: d-${String(i).padStart(6, '0')}`, '    tags:', `      serial: s${i}`, `      rack: r${i % 300}`);
    const s = scanned(lines.join('\n') + '\n');
    expect(s.columns.columns.map((c) => c.BYTES_PER_ELEMENT)).toEqual([width, width]);
    expect(plain(decodeColumns(encodeColumns(OID, s, KEY)!, s.columns.file, OID, KEY)!)).toEqual(plain(s));
  });

  it('is a miss when damaged, cut short, of another blob, version or limits', () => {
    const bytes = encodeColumns(OID, scanned(text), KEY)!;
    expect(decodeColumns(bytes, 'f', OID, KEY)).toBeDefined();
    for (let at = 0; at < bytes.length; at += 7) {
      const damaged = Buffer.from(bytes);
      damaged[at] ^= 0x20;
      expect(decodeColumns(damaged, 'f', OID, KEY), `byte ${at} flipped`).toBeUndefined();
    }
    expect(decodeColumns(bytes.subarray(0, bytes.length - 8), 'f', OID, KEY)).toBeUndefined();
    expect(decodeColumns(bytes, 'f', 'b'.repeat(40), KEY)).toBeUndefined();
    expect(decodeColumns(bytes, 'f', OID, { ...KEY, version: '2' })).toBeUndefined();
    expect(decodeColumns(bytes, 'f', OID, { ...KEY, key: JSON.stringify(DEFAULT_LIMITS) })).toBeUndefined();
  });
});

describe('kept columns on disk', () => {
  it('load a fleet as a fresh scan does, and are found for every unchanged file', async () => {
    const repo = testRepo();
    repo.commit(generate(3000, 40, 7, 4).files);
    const folder = path.join(repo.dir, '.edgeops', 'cache', 'columns');
    const fresh = await resolutionOf(repo.dir);
    expect(fresh.valid).toBe(true);

    const first = counting(columnCache(folder));
    expect(await resolutionOf(repo.dir, first)).toEqual(fresh);
    expect(first.hits).toBe(0);
    // Nothing is written until flushed.
    expect(existsSync(folder)).toBe(false);
    first.flush();
    const blobs = repo
      .git('ls-tree', 'HEAD', 'fleet/')
      .split('\n')
      .map((l) => l.split(/\s+/)[2]);
    expect(readdirSync(folder).sort()).toEqual([...blobs].sort());

    const second = counting(columnCache(folder));
    expect(await resolutionOf(repo.dir, second)).toEqual(fresh);
    expect(second.hits).toBe(4);
  });

  it('never serve a file changed on disk, committed or not', async () => {
    const repo = testRepo();
    repo.commit(generate(500, 10, 3, 2).files);
    const folder = path.join(repo.dir, '.edgeops', 'cache', 'columns');
    const cache = columnCache(folder);
    await resolutionOf(repo.dir, cache);
    cache.flush();

    // Every device of the first file moves to a tag no deployment asks for.
    const file = path.join(repo.dir, 'fleet', readdirSync(path.join(repo.dir, 'fleet')).sort()[0]);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/environment: \w+/g, 'environment: nowhere'));
    const expected = await resolutionOf(repo.dir);
    const changed = counting(columnCache(folder));
    const got = await resolutionOf(repo.dir, changed);
    expect(got).toEqual(expected);
    expect(changed.hits).toBe(1);
    repo.commit({});
    const committed = counting(columnCache(folder));
    expect(await resolutionOf(repo.dir, committed)).toEqual(expected);
    expect(committed.hits).toBe(1);
  });

  it('keep the fleet last used and as many bytes again of others; a damaged entry is scanned again', async () => {
    const repo = testRepo();
    repo.commit(generate(400, 5, 1, 1).files);
    const folder = path.join(repo.dir, '.edgeops', 'cache', 'columns');
    const load = async () => {
      const cache = counting(columnCache(folder));
      const r = await resolutionOf(repo.dir, cache);
      cache.flush();
      return { r, hits: cache.hits };
    };
    const file = path.join(repo.dir, 'fleet', readdirSync(path.join(repo.dir, 'fleet'))[0]);
    const original = readFileSync(file, 'utf8');
    await load();
    // Three more versions of the one file: the current one and one other stay.
    for (const n of [1, 2, 3]) {
      writeFileSync(file, original.replace(/environment: prod/, `environment: p${n}`));
      await load();
    }
    expect(readdirSync(folder)).toHaveLength(2);
    const [entry] = readdirSync(folder).filter((name) => name === repo.git('hash-object', file));
    expect(entry).toBeDefined();
    const bytes = readFileSync(path.join(folder, entry));
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(path.join(folder, entry), bytes);
    const { r, hits } = await load();
    expect(hits).toBe(0);
    expect(r).toEqual(await resolutionOf(repo.dir));
    // Written again, whole.
    expect((await load()).hits).toBe(1);
  });
});

describe('kept columns and diagnostics', () => {
  it('place a problem across kept files (a device in two files) on the same line as a fresh read does', async () => {
    const repo = testRepo();
    const block = (ids: string[]) => `devices:\n${ids.map((id) => `  - deviceId: ${id}\n    tags:\n      env: prod\n`).join('')}`;
    repo.commit({ 'fleet/a.yaml': block(['d2', 'd3', 'd5']), 'fleet/b.yaml': block(['d1', 'd4', 'd3']) });
    const folder = path.join(repo.dir, '.edgeops', 'cache', 'columns');
    const load = (columns?: ColumnCache) => loadRepository(diskSource(repo.dir, { root: repo.dir, prefix: '' }, { columns }), { parallel: false });
    const fresh = await load();
    const placed = (l: typeof fresh) => l.diagnostics.map((d) => [d.code, d.file, d.line, d.column]);
    expect(placed(fresh)).toEqual([['fleet/duplicate-device', 'fleet/b.yaml', 8, expect.any(Number)]]);
    const first = columnCache(folder);
    await load(first);
    first.flush();
    const kept = counting(columnCache(folder));
    const again = await load(kept);
    expect(kept.hits).toBe(2);
    expect(placed(again)).toEqual(placed(fresh));
    expect(again.analysis.fleetIndex.deviceIds).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
  });
});

describe('edgeops apply and the kept columns', () => {
  it('an apply keeps them; later commands read them and print what a fresh scan prints; EDGEOPS_CACHE=off reads none', async () => {
    const repo = testRepo();
    repo.commit(generate(2000, 30, 11, 3).files);
    const folder = path.join(repo.dir, '.edgeops', 'cache', 'columns');
    const off = { EDGEOPS_CACHE: 'off' };
    const reference = (await cli(repo.dir, ['resolve', '--format', 'json'], off)).stdout;
    // A command that only reads leaves nothing.
    await cli(repo.dir, ['validate']);
    expect(existsSync(path.join(repo.dir, '.edgeops'))).toBe(false);
    expect((await cli(repo.dir, ['apply', '--format', 'json'])).json().pushed).toBe(2000);
    expect(readdirSync(folder)).toHaveLength(3);
    expect((await cli(repo.dir, ['resolve', '--format', 'json'])).stdout).toBe(reference);
    // A damaged entry for every file: the output is the same (scanned again).
    for (const name of readdirSync(folder)) writeFileSync(path.join(folder, name), 'not an entry');
    expect((await cli(repo.dir, ['resolve', '--format', 'json'])).stdout).toBe(reference);
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('an invalid repository keeps nothing', async () => {
    const repo = testRepo();
    repo.commit({ ...generate(50, 3, 2, 1).files, 'deployments/broken.yaml': 'priority: [' });
    expect((await cli(repo.dir, ['apply'])).code).toBe(1);
    expect(existsSync(path.join(repo.dir, '.edgeops'))).toBe(false);
  });
});
