/**
 * `npx tsx bench/apply.ts [--sizes 1000000x1000] [--runs 1]`: the git sink at scale.
 * For each size: a first apply into an empty rendered repository, a second apply of
 * the same source (pushes nothing), and an apply after one deployment's content
 * changed; each in its own process, so peak RSS is that apply's alone. Times are
 * the whole apply (load, validate, resolve, render, diff, write), and the sink's
 * part alone. Fleets are generated into bench/out/ (never committed).
 */
import { execFileSync } from 'node:child_process';
import fs, { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Desired, Sink } from '../src/io/sinks/sink.js';
import { generate, writeRepository } from '../test/support/fleet-generator.js';

const root = path.resolve(import.meta.dirname, '..');

/** One apply, in this process, of the built JavaScript (as operators run it: deployments parsed in a worker): prints JSON with its times and peak RSS. */
async function measureOne(dir: string, renderedDir: string): Promise<void> {
  const lib = (file: string) => path.join(root, 'lib', file);
  const { diskSource } = (await import(lib('io/disk.js'))) as typeof import('../src/io/disk.js');
  const { gitSink, openRenderedRepository } = (await import(lib('io/sinks/git.js'))) as typeof import('../src/io/sinks/git.js');
  const { apply } = (await import(lib('usecases/apply.js'))) as typeof import('../src/usecases/apply.js');
  const rendered = openRenderedRepository({ fs, dir: renderedDir });
  const inner = gitSink({ rendered });
  let sinkMs = 0;
  let sinkCpuMs = 0;
  // The sink's share: reading the previous rendering, diffing, writing objects and the ref.
  const sink: Sink = {
    ...inner,
    async apply(desired: Desired, source, hooks) {
      const t = performance.now();
      const cpu = process.cpuUsage();
      const result = await inner.apply(desired, source, hooks);
      sinkMs = performance.now() - t;
      const used = process.cpuUsage(cpu);
      sinkCpuMs = (used.user + used.system) / 1000;
      return result;
    },
  };
  const t = performance.now();
  const cpu = process.cpuUsage();
  const result = await apply(diskSource(dir), sink, { sourceInfo: { ref: null, commit: null } });
  const totalMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  process.stdout.write(
    JSON.stringify({
      totalMs,
      cpuMs,
      sinkMs,
      sinkCpuMs,
      pushed: result.pushed,
      unchanged: result.unchanged,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      valid: result.valid,
    }),
  );
}

function inChild(dir: string, renderedDir: string): Record<string, number> {
  const out = execFileSync(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', import.meta.filename, '--one', dir, '--rendered', renderedDir], {
    encoding: 'utf8',
    cwd: root,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out) as Record<string, number>;
}

/** Changes one deployment's agent image: the last file by name (the generator gives it a high priority, so it wins devices). */
function changeOneDeployment(dir: string, tag: string): void {
  const folder = path.join(dir, 'deployments');
  const file = path.join(folder, readdirSync(folder).sort().at(-1)!);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/image: "([^"]*?)(?::bench-[0-9]+)?"/, `image: "$1:bench-${tag}"`));
}

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000000x1000' },
    runs: { type: 'string', default: '1' },
    one: { type: 'string' },
    rendered: { type: 'string' },
  },
});

if (values.one) {
  await measureOne(values.one, values.rendered!);
} else {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  const rows = [];
  for (const size of values.sizes.split(',')) {
    const [devices, deployments] = size.split('x').map(Number);
    const dir = path.join(root, 'bench/out', `${devices}x${deployments}`);
    if (!existsSync(path.join(dir, 'meta.json'))) {
      const fleet = generate(devices, deployments);
      writeRepository(dir, fleet);
      writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ devices, deployments, fleetBytes: fleet.fleetBytes }));
    }
    for (let run = 0; run < Number(values.runs); run++) {
      const renderedDir = path.join(root, 'bench/out', `rendered-${devices}x${deployments}`);
      rmSync(renderedDir, { recursive: true, force: true });
      const first = inChild(dir, renderedDir);
      const again = inChild(dir, renderedDir);
      changeOneDeployment(dir, String(Date.now()));
      const changed = inChild(dir, renderedDir);
      rows.push({ size, first, again, changed });
      process.stderr.write(`${size}: ${JSON.stringify({ first, again, changed })}\n`);
    }
  }
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
}
