/**
 * Anchors (issue #13): what edgeops's whole-process figures are measured against.
 * - JSON.parse: the fleet written as one JSON file (`{"devices":[…]}`), read and parsed
 *   by a bare `node` process — the physical floor of reading the fleet — beside
 *   `edgeops validate`.
 * - SQLite: the resolution `edgeops resolve --format json` does, as a SQL script the
 *   sqlite3 CLI runs on an in-memory database (`sqlite3 < resolve.sql > out.json`):
 *   import the fleet from CSV into typed columns, each target condition as a WHERE
 *   clause, the winner per device by a window function. Its winners are compared with
 *   edgeops's for every device; no ratio is printed when they differ.
 * Writing the JSON, CSV and SQL is preparation (not timed); the edgeops command and its
 * anchor run round-robin (paired rounds), and the figures are medians.
 *   npx tsx bench/anchors.ts [--sizes 200000x300] [--runs 3] [--sqlite-up-to 200000] [--json]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Expr, Literal, Property } from '../src/core/condition/index.js';
import type { TagValue, Tags } from '../src/core/model.js';
import { benchRoot, generatedRepository } from './fleets.js';
import { median, spawnRun, spawnTimed, type Run } from './whole.js';

/** The sqlite3 CLI (BENCH_SQLITE3 to use another). */
const SQLITE = process.env.BENCH_SQLITE3 ?? 'sqlite3';
const bin = path.join(benchRoot, 'bin/edgeops.js');

export interface Figures {
  readonly ms: number;
  readonly cpuMs: number | null;
  readonly rssMB: number | null;
}

export interface AnchorRow {
  /** The edgeops command and its anchor, in words. */
  readonly edgeops: string;
  readonly anchor: string;
  readonly edgeopsFigures: Figures;
  /** `null` when the anchor could not run (see `note`). */
  readonly anchorFigures: Figures | null;
  /** edgeops ÷ anchor, wall clock and CPU time: medians of the per-round ratios; `null` when not comparable. */
  readonly ratio: number | null;
  readonly cpuRatio: number | null;
  /** Why there is no anchor figure or no ratio, or what was checked. */
  readonly note: string;
}

export interface AnchorResult {
  readonly size: string;
  readonly rows: readonly AnchorRow[];
}

const built = async <T>(module: string): Promise<T> => (await import(new URL(`../lib/${module}`, import.meta.url).href)) as T;

// ---------------------------------------------------------------- the fleet as columns

type Kind = 'string' | 'number' | 'boolean' | 'object';

interface Column {
  /** The tag path below `tags`, lower-cased (as condition properties are), dot-joined. */
  readonly path: string;
  readonly kind: Kind;
  /** Every number of a `number` path is an integer. */
  readonly integer: boolean;
  /** Its position in the CSV (after deviceId). */
  readonly index: number;
}

const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const sqlLiteral = (value: Literal): string =>
  typeof value === 'string' ? `'${value.replace(/'/g, "''")}'` : typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
const csvField = (text: string): string => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

/** Every tag path of the fleet with the one type it holds (a path holding two types is out of this anchor's reach). */
function columnsOf(devices: readonly { tags: Tags }[]): Map<string, Column> {
  const kinds = new Map<string, { kinds: Set<Kind>; integer: boolean }>();
  const walk = (tags: Tags, prefix: string) => {
    for (const [name, value] of Object.entries(tags)) {
      const p = prefix + name.toLowerCase();
      const kind: Kind = typeof value === 'object' ? 'object' : (typeof value as Kind);
      const entry = kinds.get(p) ?? { kinds: new Set<Kind>(), integer: true };
      entry.kinds.add(kind);
      if (typeof value === 'number' && !Number.isInteger(value)) entry.integer = false;
      if (typeof value === 'string' && value === '') throw new Error(`tag ${p} is an empty string: the CSV import reads '' as missing`);
      kinds.set(p, entry);
      if (typeof value === 'object') walk(value, `${p}.`);
    }
  };
  for (const d of devices) walk(d.tags, '');
  const columns = new Map<string, Column>();
  [...kinds.keys()].sort().forEach((p, index) => {
    const entry = kinds.get(p)!;
    if (entry.kinds.size !== 1) throw new Error(`tag ${p} holds ${[...entry.kinds].join(' and ')} values: the SQLite anchor wants one type per path`);
    columns.set(p, { path: p, kind: [...entry.kinds][0], integer: entry.integer, index });
  });
  return columns;
}

function cellOf(value: TagValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'object') return '1';
  if (typeof value === 'boolean') return value ? '1' : '0';
  return typeof value === 'string' ? csvField(value) : String(value);
}

/** The fleet as CSV: a header, then deviceId and one cell per tag path ('' where the device has none). */
function writeCsv(file: string, devices: readonly { deviceId: string; tags: Tags }[], columns: Map<string, Column>): void {
  const paths = [...columns.keys()];
  const fd = openSync(file, 'w');
  let chunk = `${['deviceId', ...paths].map(csvField).join(',')}\n`;
  const cells = new Array<string>(paths.length);
  const fill = (tags: Tags, prefix: string) => {
    for (const [name, value] of Object.entries(tags)) {
      const p = prefix + name.toLowerCase();
      cells[columns.get(p)!.index] = cellOf(value);
      if (typeof value === 'object') fill(value, `${p}.`);
    }
  };
  for (const d of devices) {
    cells.fill('');
    fill(d.tags, '');
    chunk += `${csvField(d.deviceId)},${cells.join(',')}\n`;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
}

// ---------------------------------------------------------------- conditions as SQL

/**
 * A condition as a SQL boolean. SQL's NULL is edgeops's unknown (AND, OR and NOT have
 * the same truth tables), and the type rules are applied here: a comparison with a tag
 * no device has, with an object, or between different types is unknown (NULL) for
 * every device; booleans have no order.
 */
export function conditionSql(expr: Expr, columns: ReadonlyMap<string, Column>): string {
  const column = (p: Property): { name: string; kind: Kind } | undefined => {
    if (p.kind === 'deviceId') return { name: 'deviceId', kind: 'string' };
    const c = columns.get(p.path.join('.'));
    return c && { name: quoteIdentifier(`tags.${c.path}`), kind: c.kind };
  };
  const comparison = (p: Property, op: string, value: Literal): string => {
    const c = column(p);
    if (!c || c.kind !== typeof value) return 'NULL';
    if (c.kind === 'boolean' && op !== '=' && op !== '!=') return 'NULL';
    return `${c.name} ${op === '!=' ? '<>' : op} ${sqlLiteral(value)}`;
  };
  switch (expr.kind) {
    case 'all':
      return '1';
    case 'and':
    case 'or':
      return `(${conditionSql(expr.left, columns)} ${expr.kind.toUpperCase()} ${conditionSql(expr.right, columns)})`;
    case 'not':
      return `(NOT ${conditionSql(expr.operand, columns)})`;
    case 'defined': {
      const c = column(expr.property);
      return c ? `${c.name} IS NOT NULL` : '0';
    }
    case 'compare':
      return comparison(expr.property, expr.op, expr.value.value);
    case 'in': {
      const parts = expr.values.map((v) => comparison(expr.property, '=', v.value));
      const c = column(expr.property);
      // OR of equalities; `IN (…)` when every literal has the column's type (the same truth, and faster).
      const any =
        parts.length === 0
          ? '0'
          : parts.includes('NULL') || !c
            ? `(${parts.join(' OR ')})`
            : `${c.name} IN (${expr.values.map((v) => sqlLiteral(v.value)).join(', ')})`;
      return expr.negated ? `(NOT ${any})` : any;
    }
  }
}

interface SqlDeployment {
  readonly id: string;
  readonly priority: number;
  readonly createdAtMs: number;
  readonly expr?: Expr;
}

/** The fleet imported from CSV into typed columns: the start of both scripts. */
function importSql(csv: string, columns: ReadonlyMap<string, Column>): string[] {
  const typed = [...columns.values()].map((c) => {
    const raw = `NULLIF(${quoteIdentifier(c.path)}, '')`;
    const value = c.kind === 'string' ? raw : `CAST(${raw} AS ${c.kind === 'number' && !c.integer ? 'REAL' : 'INTEGER'})`;
    return `${value} AS ${quoteIdentifier(`tags.${c.path}`)}`;
  });
  return [
    '.bail on',
    `.import --csv ${JSON.stringify(csv)} staging`,
    `CREATE TABLE device AS SELECT deviceId, ${typed.join(', ')} FROM staging;`,
    'DROP TABLE staging;',
  ];
}

/**
 * The whole job as the brief has it: every deployment's matches collected, then each
 * device's winner by a window function — highest priority, then the latest createdAt
 * (as an instant); several candidates sharing both are a tie: no winner, the tied
 * deployments listed. Winners as JSON on stdout.
 */
function windowScript(csv: string, columns: ReadonlyMap<string, Column>, deployments: readonly SqlDeployment[]): string {
  const lines = [
    ...importSql(csv, columns),
    'CREATE TABLE deployment (id INTEGER PRIMARY KEY, name TEXT NOT NULL, priority INTEGER NOT NULL, createdAtMs INTEGER NOT NULL);',
    `INSERT INTO deployment VALUES ${deployments.map((d, i) => `(${i}, ${sqlLiteral(d.id)}, ${d.priority}, ${d.createdAtMs})`).join(', ')};`,
    'CREATE TABLE candidate (device INTEGER NOT NULL, deployment INTEGER NOT NULL);',
    // A deployment without a usable condition targets no device.
    ...deployments.flatMap((d, i) => (d.expr ? [`INSERT INTO candidate SELECT rowid, ${i} FROM device WHERE ${conditionSql(d.expr, columns)};`] : [])),
    '.mode json',
    `WITH ranked AS (
  SELECT c.device, p.name, RANK() OVER (PARTITION BY c.device ORDER BY p.priority DESC, p.createdAtMs DESC) AS r
  FROM candidate c JOIN deployment p ON p.id = c.deployment
), best AS (
  SELECT device, CASE WHEN COUNT(*) = 1 THEN MIN(name) END AS deployment, CASE WHEN COUNT(*) > 1 THEN json_group_array(name) END AS tie
  FROM (SELECT device, name FROM ranked WHERE r = 1 ORDER BY device, name) GROUP BY device
)
SELECT d.deviceId, b.deployment, b.tie FROM device d LEFT JOIN best b ON b.device = d.rowid ORDER BY d.deviceId;`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The same job in one scan, as someone fluent in SQL might write it: the conditions
 * in precedence order (the order is written into the script) as one CASE, so each
 * device stops at its first true condition; a group of deployments sharing priority
 * and createdAt is a tie when two or more of them hold.
 */
function firstMatchScript(csv: string, columns: ReadonlyMap<string, Column>, deployments: readonly SqlDeployment[]): string {
  const ordered = deployments
    .filter((d) => d.expr)
    .sort((a, b) => b.priority - a.priority || b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const groups: SqlDeployment[][] = [];
  for (const d of ordered) {
    const last = groups.at(-1);
    if (last && last[0].priority === d.priority && last[0].createdAtMs === d.createdAtMs) last.push(d);
    else groups.push([d]);
  }
  const holds = (d: SqlDeployment) => `(${conditionSql(d.expr!, columns)}) IS 1`;
  const whens = groups.map((g) => {
    if (g.length === 1) return `WHEN ${conditionSql(g[0].expr!, columns)} THEN ${sqlLiteral(g[0].id)}`;
    const tied = g.map((d) => `SELECT ${sqlLiteral(d.id)} AS name WHERE ${holds(d)}`).join(' UNION ALL ');
    return [
      `WHEN ${g.map(holds).join(' + ')} > 1 THEN 'tie:' || (SELECT json_group_array(name) FROM (${tied}))`,
      ...g.map((d) => `WHEN ${conditionSql(d.expr!, columns)} THEN ${sqlLiteral(d.id)}`),
    ].join('\n  ');
  });
  const lines = [
    ...importSql(csv, columns),
    `CREATE TABLE winner AS SELECT deviceId, CASE\n  ${whens.join('\n  ')}\nEND AS w FROM device;`,
    '.mode json',
    "SELECT deviceId, CASE WHEN w LIKE 'tie:%' THEN NULL ELSE w END AS deployment, CASE WHEN w LIKE 'tie:%' THEN substr(w, 5) END AS tie FROM winner ORDER BY deviceId;",
  ];
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- preparation (not timed)

interface Prepared {
  readonly json: string;
  readonly jsonMB: number;
  /** The SQL scripts (candidates + window function, first match), or why there are none. */
  readonly sql: { window: string; firstMatch: string } | { missing: string };
}

/** Lines of the generated YAML: devices and tag leaves (`key: value`), to check the JSON holds the same. */
function yamlCounts(dir: string): { devices: number; leaves: number } {
  let devices = 0;
  let leaves = 0;
  for (const file of readdirSync(path.join(dir, 'fleet'))) {
    const text = readFileSync(path.join(dir, 'fleet', file), 'utf8');
    devices += text.match(/^ {2}- deviceId: /gm)?.length ?? 0;
    leaves += text.match(/^ {6,}[^\s#][^:]*: \S/gm)?.length ?? 0;
  }
  return { devices, leaves };
}

const leafCount = (tags: Tags): number => Object.values(tags).reduce<number>((n, v) => n + (typeof v === 'object' ? leafCount(v) : 1), 0);

function sqliteMissing(): string | undefined {
  const r = spawnSync(SQLITE, ['-version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? `${SQLITE} not found (${r.error?.message ?? `exit ${r.status}`}): no SQLite anchor` : undefined;
}

async function prepare(dir: string, out: string, sqlite: boolean): Promise<Prepared> {
  const { loadRepository } = await built<typeof import('../src/usecases/load.js')>('usecases/load.js');
  const { diskSource } = await built<typeof import('../src/io/disk.js')>('io/disk.js');
  const { analysis } = await loadRepository(diskSource(dir));
  const devices = analysis.repository.fleet.devices;
  mkdirSync(out, { recursive: true });
  // The fleet as JSON, exactly the devices and tags the YAML holds (checked by counting both).
  const json = path.join(out, 'fleet.json');
  const fd = openSync(json, 'w');
  writeSync(fd, '{"devices":[');
  for (let i = 0; i < devices.length; i += 10_000) {
    const batch = devices.slice(i, i + 10_000).map((d) => JSON.stringify({ deviceId: d.deviceId, tags: d.tags }));
    writeSync(fd, (i === 0 ? '\n' : ',\n') + batch.join(',\n'));
  }
  writeSync(fd, '\n]}\n');
  closeSync(fd);
  const yaml = yamlCounts(dir);
  const leaves = devices.reduce((n, d) => n + leafCount(d.tags), 0);
  if (yaml.devices !== devices.length || yaml.leaves !== leaves) {
    throw new Error(`fleet.json holds ${devices.length} devices and ${leaves} tags; the YAML ${yaml.devices} and ${yaml.leaves}`);
  }
  const missing = sqlite ? sqliteMissing() : 'SQLite anchor off for this size';
  if (missing) return { json, jsonMB: statSync(json).size / 1e6, sql: { missing } };
  const columns = columnsOf(devices);
  const csv = path.join(out, 'fleet.csv');
  writeCsv(csv, devices, columns);
  const deployments = analysis.targets.map((t) => ({ ...t.deployment, expr: t.expr }));
  const window = path.join(out, 'resolve-window.sql');
  writeFileSync(window, windowScript(csv, columns, deployments));
  const firstMatch = path.join(out, 'resolve-first-match.sql');
  writeFileSync(firstMatch, firstMatchScript(csv, columns, deployments));
  return { json, jsonMB: statSync(json).size / 1e6, sql: { window, firstMatch } };
}

// ---------------------------------------------------------------- the same job?

interface Winner {
  readonly deviceId: string;
  readonly deployment: string | null;
  readonly tie?: readonly string[] | string | null;
}

const outcome = (w: Winner): string => {
  const tie = typeof w.tie === 'string' ? (JSON.parse(w.tie) as string[]) : (w.tie ?? []);
  return `${w.deployment ?? '(none)'}${tie.length ? ` tie ${[...tie].sort().join(',')}` : ''}`;
};

/** Devices whose outcome differs between edgeops's `resolve --format json` and SQLite's rows (a few named). */
export function differences(edgeops: readonly Winner[], sqlite: readonly Winner[]): { count: number; examples: string[] } {
  const theirs = new Map(sqlite.map((w) => [w.deviceId, outcome(w)]));
  const examples: string[] = [];
  const ours = new Set(edgeops.map((w) => w.deviceId));
  let count = sqlite.filter((w) => !ours.has(w.deviceId)).length;
  for (const w of edgeops) {
    const mine = outcome(w);
    const other = theirs.get(w.deviceId) ?? '(missing)';
    if (mine === other) continue;
    count++;
    if (examples.length < 5) examples.push(`${w.deviceId}: edgeops ${mine}, SQLite ${other}`);
  }
  return { count, examples };
}

/** edgeops's winners (`resolve --format json`), read once to check each script against. */
function edgeopsWinners(dir: string, out: string): Winner[] {
  const file = path.join(out, 'edgeops-resolve.json');
  spawnTimed(process.execPath, [bin, 'resolve', '--repo', dir, '--format', 'json'], dir, { stdout: file, ok: [0, 1] });
  return (JSON.parse(readFileSync(file, 'utf8')) as { devices: Winner[] }).devices;
}

/** Runs a script once and compares its winners with edgeops's: why they are not the same job, or undefined. */
function checkSameJob(edgeops: readonly Winner[], out: string, script: string): string | undefined {
  const file = path.join(out, `${path.basename(script, '.sql')}.json`);
  spawnTimed(SQLITE, [], out, { stdin: script, stdout: file });
  const { count, examples } = differences(edgeops, JSON.parse(readFileSync(file, 'utf8')) as Winner[]);
  return count === 0 ? undefined : `${path.basename(script)}: winners differ from edgeops's on ${count} devices (${examples.join('; ')})`;
}

// ---------------------------------------------------------------- timing

const figures = (runs: readonly Run[]): Figures => {
  const known = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
  const cpu = known(runs.map((r) => r.cpuMs));
  const rss = known(runs.map((r) => r.rssMB));
  return { ms: median(runs.map((r) => r.ms)), cpuMs: cpu.length ? median(cpu) : null, rssMB: rss.length ? median(rss) : null };
};

const pairedRatio = (a: readonly Run[], b: readonly Run[], of: (r: Run) => number | null): number | null => {
  const ratios = a.map((r, i) => [of(r), of(b[i])]).filter((x): x is [number, number] => x[0] !== null && x[1] !== null && x[1] > 0);
  return ratios.length ? median(ratios.map(([x, y]) => x / y)) : null;
};

/** The anchor rows of one size: prepares the files, checks SQLite does the same job, then times paired rounds. */
export async function measureAnchors(size: string, runs: number, options: { sqlite: boolean }): Promise<AnchorResult> {
  const { dir } = generatedRepository(size);
  const out = path.join(benchRoot, 'bench/out', `${size}-anchors`);
  const prepared = await prepare(dir, out, options.sqlite);
  const parse = "JSON.parse(require('node:fs').readFileSync(process.argv[1],'utf8'))";
  interface Pair {
    edgeops: string;
    anchor: string;
    runEdgeops: () => Run;
    runAnchor?: () => Run;
    note: string;
  }
  const pairs: Pair[] = [
    {
      edgeops: 'validate',
      anchor: `node + JSON.parse of the fleet as JSON (${prepared.jsonMB.toFixed(1)} MB)`,
      runEdgeops: () => spawnRun(['validate', '--repo', dir], dir),
      runAnchor: () => spawnTimed(process.execPath, ['-e', parse, prepared.json], out),
      note: 'fleet.json holds the same devices and tags as the YAML (counted)',
    },
  ];
  const resolve = () => spawnRun(['resolve', '--repo', dir, '--format', 'json'], dir);
  const { sql } = prepared;
  // SQLite off for this size (a choice): no row; sqlite3 missing: the row says so.
  if (options.sqlite && 'missing' in sql) {
    pairs.push({ edgeops: 'resolve --format json', anchor: 'sqlite3 < resolve.sql', runEdgeops: resolve, note: sql.missing });
  } else if (!('missing' in sql)) {
    const edgeops = edgeopsWinners(dir, out);
    for (const [script, what] of [
      [sql.window, 'candidates + window function'],
      [sql.firstMatch, 'first match, one CASE'],
    ]) {
      const different = checkSameJob(edgeops, out, script);
      pairs.push({
        edgeops: 'resolve --format json',
        anchor: `sqlite3 < ${path.basename(script)} (${what})`,
        runEdgeops: resolve,
        runAnchor: different ? undefined : () => spawnTimed(SQLITE, [], out, { stdin: script, stdout: path.join(out, 'sqlite-timed.json') }),
        note: different ?? `${path.basename(script)}: the same winner as edgeops for every device (checked)`,
      });
    }
  }
  const timed = pairs.map(() => ({ edgeops: [] as Run[], anchor: [] as Run[] }));
  for (let round = 0; round < runs; round++) {
    pairs.forEach((p, i) => {
      timed[i].edgeops.push(p.runEdgeops());
      if (p.runAnchor) timed[i].anchor.push(p.runAnchor());
    });
  }
  return {
    size,
    rows: pairs.map((p, i) => {
      const { edgeops, anchor } = timed[i];
      const comparable = anchor.length > 0;
      return {
        edgeops: p.edgeops,
        anchor: p.anchor,
        edgeopsFigures: figures(edgeops),
        anchorFigures: comparable ? figures(anchor) : null,
        ratio: comparable ? pairedRatio(edgeops, anchor, (r) => r.ms) : null,
        cpuRatio: comparable ? pairedRatio(edgeops, anchor, (r) => r.cpuMs) : null,
        note: p.note,
      };
    }),
  };
}

/** The anchor rows for one size in a fresh process (its own heap: 1M devices are loaded to write the JSON). */
export function measureAnchorsApart(size: string, runs: number, sqliteUpTo: number): AnchorResult {
  const text = execFileSync(
    process.execPath,
    [
      '--max-old-space-size=16384',
      '--import',
      'tsx',
      path.join(benchRoot, 'bench/anchors.ts'),
      '--sizes',
      size,
      '--runs',
      String(runs),
      '--sqlite-up-to',
      String(sqliteUpTo),
      '--json',
      '--built',
    ],
    { cwd: benchRoot, encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return (JSON.parse(text) as AnchorResult[])[0];
}

/** The anchor table: each edgeops command beside its anchor, with the ratio (edgeops ÷ anchor). */
export function printAnchors(results: readonly AnchorResult[], runs: number, write: (s: string) => void): void {
  const f = (n: number | null | undefined, d = 0) => (n === null || n === undefined ? '–' : n.toFixed(d));
  const ratio = (r: number | null) => (r === null ? '–' : r < 1 ? `${r.toFixed(2)}× (${(1 / r).toFixed(2)}× faster)` : `${r.toFixed(2)}×`);
  write(`Anchors (whole processes, medians of ${runs} paired rounds; ratio = edgeops ÷ anchor, wall and CPU)\n`);
  const header = ['size  edgeops command', 'wall ms', 'CPU ms', 'RSS MB', 'anchor', 'wall ms', 'CPU ms', 'RSS MB', 'wall ratio', 'CPU ratio'];
  const rows = results.flatMap(({ size, rows: rs }) =>
    rs.map((r) => [
      `${size}  ${r.edgeops}`,
      f(r.edgeopsFigures.ms),
      f(r.edgeopsFigures.cpuMs),
      f(r.edgeopsFigures.rssMB),
      r.anchor,
      f(r.anchorFigures?.ms),
      f(r.anchorFigures?.cpuMs),
      f(r.anchorFigures?.rssMB),
      ratio(r.ratio),
      ratio(r.cpuRatio),
    ]),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows]) write(`${r.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}\n`);
  for (const { size, rows: rs } of results) for (const r of rs) write(`  ${size} ${r.edgeops}: ${r.note}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '200000x300' },
      runs: { type: 'string', default: '3' },
      // The SQLite anchor for fleets up to this many devices (the JSON.parse anchor runs for all).
      'sqlite-up-to': { type: 'string', default: '200000' },
      json: { type: 'boolean', default: false },
      // lib/ is current (bench/run.ts built it): skip the build.
      built: { type: 'boolean', default: false },
    },
  });
  if (!values.built) execFileSync('npm', ['run', '-s', 'build'], { cwd: benchRoot, stdio: 'inherit' });
  const results: AnchorResult[] = [];
  for (const size of values.sizes.split(',')) {
    if (!values.json) process.stderr.write(`anchors ${size}\n`);
    results.push(await measureAnchors(size, Number(values.runs), { sqlite: Number(size.split('x')[0]) <= Number(values['sqlite-up-to']) }));
  }
  if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else printAnchors(results, Number(values.runs), (s) => process.stdout.write(s));
}
