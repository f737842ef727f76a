/**
 * `IN` against the equivalent OR of equalities through the fleet index: 300
 * deployments, each with a 1,400-element list, on ~200k devices.
 * Run: npx tsx bench/in-list.ts
 */
import { parseCondition, type Expr } from '../src/core/condition/index.js';
import type { Deployment, Device } from '../src/core/model.js';
import { record } from '../src/core/record.js';
import { resolveFleet, type Target } from '../src/core/resolve/resolve.js';

const DEVICES = 197_000;
const DEPLOYMENTS = 300;
const ELEMENTS = 1_400;

const devices: Device[] = [];
for (let i = 0; i < DEVICES; i++) {
  const tags = record();
  tags.n = i % 20_000;
  devices.push({ deviceId: `d${String(i).padStart(6, '0')}`, file: 'fleet/f.yaml', tags } as Device);
}
devices.sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1));

function targets(kind: 'in' | 'or'): Target[] {
  return Array.from({ length: DEPLOYMENTS }, (_, k) => {
    const values = Array.from({ length: ELEMENTS }, (_, j) => (k * 37 + j * 13) % 20_000);
    const text = kind === 'in' ? `tags.n IN [${values.join(',')}]` : values.map((v) => `tags.n=${v}`).join(' OR ');
    // Past IoT Hub's 8,192 characters for OR: parse piecewise and join, as the parser would.
    const expr =
      kind === 'in'
        ? parseCondition(text).expr!
        : values.map((v) => parseCondition(`tags.n=${v}`).expr!).reduce((l, r): Expr => ({ kind: 'or', left: l, right: r, span: l.span }));
    const deployment = {
      id: `d${k}`,
      file: `deployments/d${k}.yaml`,
      priority: k,
      createdAt: '2026-01-01T00:00:00Z',
      createdAtMs: 0,
      targetCondition: text,
      labels: {},
      modulesContent: {},
    } as Deployment;
    return { deployment, expr };
  });
}

for (const kind of ['or', 'in'] as const) {
  const t = targets(kind);
  const start = performance.now();
  const r = resolveFleet(t, devices);
  console.log(`${kind}: ${(performance.now() - start).toFixed(0)} ms, ${r.devices.filter((d) => d.deployment).length} managed`);
}
