/**
 * CPU time of reading a repository's deployment files as the deployment worker
 * does (cold, in a fresh process each run): YAML with the fast path, YAML with
 * `yaml` alone, and the schema check. Prints a table; medians of RUNS.
 *   npm run build && tsx bench/deployments.ts DIR [RUNS]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The built JavaScript the worker runs (tsc output in lib/), not the sources through tsx.
const lib = new URL('../lib/', import.meta.url);
const built = async <T>(module: string): Promise<T> => (await import(new URL(module, lib).href)) as T;

const [dir, runsArg, mode] = process.argv.slice(2);
const cpuMs = (since: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
};

if (mode) {
  // One cold run in this process: `fast` or `yaml`, then the schema check of what was read.
  const { readYaml } = await built<typeof import('../src/io/yaml.js')>('io/yaml.js');
  const { scanDeployment } = await built<typeof import('../src/io/deployment-scanner.js')>('io/deployment-scanner.js');
  const { DEPLOYMENT_LIMITS } = await built<typeof import('../src/usecases/load.js')>('usecases/load.js');
  const { checkDeploymentSchema } = await built<typeof import('../src/io/schema.js')>('io/schema.js');
  const folder = path.join(dir, 'deployments');
  const files = readdirSync(folder).map((name) => ({ name, bytes: readFileSync(path.join(folder, name)) }));
  const fast = mode === 'fast' ? (text: string) => scanDeployment(text, DEPLOYMENT_LIMITS.maxDepth) : undefined;
  let since = process.cpuUsage();
  const values = files.map((f) => readYaml(f.name, f.bytes, DEPLOYMENT_LIMITS, fast).value);
  const yamlMs = cpuMs(since);
  since = process.cpuUsage();
  values.forEach((v, i) => checkDeploymentSchema(files[i].name, v));
  const schemaMs = cpuMs(since);
  const read = fast ? files.filter((f) => fast(f.bytes.toString('utf8')) !== undefined).length : 0;
  console.log(JSON.stringify({ files: files.length, read, yamlMs, schemaMs }));
} else {
  const runs = Number(runsArg ?? 5);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const run = (m: string) =>
    JSON.parse(execFileSync(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, dir, '1', m], { encoding: 'utf8' })) as {
      files: number;
      read: number;
      yamlMs: number;
      schemaMs: number;
    };
  const results: Record<string, ReturnType<typeof run>[]> = { yaml: [], fast: [] };
  for (let i = 0; i < runs; i++) for (const m of ['yaml', 'fast']) results[m].push(run(m));
  const { files, read } = results.fast[0];
  console.log(`${files} deployment files in ${dir}; the fast path reads ${read}. CPU ms, medians of ${runs} cold runs:`);
  for (const m of ['yaml', 'fast']) {
    const r = results[m];
    console.log(`  ${m.padEnd(4)}  YAML ${median(r.map((x) => x.yamlMs)).toFixed(0)} ms   schema ${median(r.map((x) => x.schemaMs)).toFixed(0)} ms`);
  }
}
