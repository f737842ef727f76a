/**
 * The fleet scan against `JSON.parse`, per core: in one process and one thread, the
 * generated fleet's YAML files read into columns from disk (as `edgeops` reads them),
 * beside `JSON.parse(readFileSync(…))` of the same fleet written as one JSON file by
 * `bench/anchors.ts`; in turn, `--runs` times. Built JavaScript (`npm run build` first).
 *   npx tsx bench/scan-vs-json.ts bench/out/200000x300 [--runs 4]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { runs: { type: 'string', default: '4' } }, allowPositionals: true });
const dir = positionals[0];
if (!dir) throw new Error('usage: scan-vs-json.ts BENCH_DIR [--runs N] (run bench/anchors.ts for it first)');
const root = path.resolve(import.meta.dirname, '..');
const lib = (file: string) => path.join(root, 'lib', file);
const { streamFleetColumns } = (await import(lib('io/fleet-stream.js'))) as typeof import('../src/io/fleet-stream.js');
const { FLEET_LIMITS } = (await import(lib('usecases/load.js'))) as typeof import('../src/usecases/load.js');

const fleet = path.join(dir, 'fleet');
const json = `${path.resolve(dir)}-anchors/fleet.json`;
const files = readdirSync(fleet)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const mb = (bytes: number) => bytes / 1e6;
const yamlMB = mb(files.reduce((a, f) => a + statSync(path.join(fleet, f)).size, 0));
const jsonMB = mb(statSync(json).size);
const rate = (megabytes: number, ms: number) => `${(megabytes / (ms / 1000)).toFixed(0)} MB/s`;
for (let run = 0; run < Number(values.runs); run++) {
  let started = performance.now();
  const parsed = JSON.parse(readFileSync(json, 'utf8')) as { devices: unknown[] };
  const parseMs = performance.now() - started;
  started = performance.now();
  let devices = 0;
  for (const f of files) {
    const read = streamFleetColumns(`fleet/${f}`, path.join(fleet, f), FLEET_LIMITS);
    if (!read) throw new Error(`fleet/${f} is not read as columns`);
    devices += read.columns.deviceIds.length;
  }
  const scanMs = performance.now() - started;
  process.stdout.write(
    `JSON.parse ${jsonMB.toFixed(1)} MB: ${parseMs.toFixed(0)} ms (${rate(jsonMB, parseMs)}, ${parsed.devices.length} devices)` +
      ` | columns ${yamlMB.toFixed(1)} MB: ${scanMs.toFixed(0)} ms (${rate(yamlMB, scanMs)}, ${devices} devices)\n`,
  );
}
