/** Golden fixtures (test/fixtures/plan/<case>/{base,head} in, expected.{json,md} out) and the size limit. */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlacedDiagnostic } from '../src/core/diagnostics.js';
import type { DeviceChange, Plan, Transition } from '../src/core/plan/plan.js';
import type { PlanReport } from '../src/core/plan/report.js';
import { gitSource } from '../src/io/git.js';
import { runPlan } from '../src/usecases/plan.js';
import { planJson } from '../src/render/json.js';
import { MAX_MARKDOWN, planMarkdown, PLAN_MARKER } from '../src/render/plan/markdown.js';
import { planText } from '../src/render/plan/text.js';
import { createStyle } from '../src/render/style.js';
import { handle, testRepo } from './support/git-repo.js';

const fixtures = path.resolve(import.meta.dirname, 'fixtures/plan');
const update = process.env.UPDATE_GOLDEN === '1';

function readTree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) Object.assign(out, readTree(full, `${prefix}${name}/`));
    else out[`${prefix}${name}`] = readFileSync(full, 'utf8');
  }
  return out;
}

function golden(file: string, actual: string) {
  if (update) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe.each(readdirSync(fixtures))('golden plan: %s', (name) => {
  it('renders JSON, Markdown and text as recorded', async () => {
    const dir = path.join(fixtures, name);
    const repo = testRepo();
    const base = repo.commit(readTree(path.join(dir, 'base')));
    const headFiles: Record<string, string | null> = readTree(path.join(dir, 'head'));
    for (const file of Object.keys(readTree(path.join(dir, 'base')))) if (!(file in headFiles)) headFiles[file] = null;
    const head = repo.commit(headFiles);
    const result = await runPlan(await gitSource(handle(repo.dir), base), await gitSource(handle(repo.dir), head));
    golden(path.join(dir, 'expected.json'), `${JSON.stringify(planJson(result), null, 2)}\n`);
    // Commit SHAs change with the clock: the golden files name the sides by ref only.
    const stable = { ...result, commits: undefined };
    golden(path.join(dir, 'expected.md'), planMarkdown(stable, { fullReportHint: 'run `edgeops plan --format json`', baseRef: 'main', headRef: 'change' }));
    golden(path.join(dir, 'expected.txt'), planText(result, createStyle(false)));
  });
});

function syntheticReport(transitions: Transition[], diagnostics: PlacedDiagnostic[] = []): PlanReport {
  const changes: DeviceChange[] = transitions.flatMap((t) => t.devices.map((deviceId) => ({ deviceId, kind: t.kind, before: t.from, after: t.to })));
  const plan: Plan = {
    summary: { devices: changes.length, changed: changes.length, retargeted: changes.length, targeted: 0, untargeted: 0, updated: 0, removed: 0 },
    changes,
    deployments: [],
    transitions,
    diagnostics: [],
  };
  return { plan, valid: true, ok: true, diagnostics, policy: null };
}

const transition = (from: string, to: string, count: number, prefix: string): Transition => ({
  kind: 'retargeted',
  from,
  to,
  count,
  devices: Array.from({ length: count }, (_, i) => `${prefix}-device-${String(i).padStart(7, '0')}`),
  why: { deviceId: `${prefix}-device-0000000`, verdicts: [] },
});

describe('markdown size limit', () => {
  it('200k changed devices: under 65,000 characters, and says what was left out', () => {
    const transitions = Array.from({ length: 400 }, (_, i) => transition(`deployment-${i}`, `deployment-${i + 1}`, 500, `t${i}`));
    const report = syntheticReport(transitions);
    expect(report.plan.summary.changed).toBe(200_000);
    const md = planMarkdown(report, { fullReportHint: 'run `edgeops plan --format json`' });
    expect(md.length).toBeLessThanOrEqual(MAX_MARKDOWN);
    expect(md.startsWith(PLAN_MARKER)).toBe(true);
    expect(md).toContain('200000 of 200000 devices change');
    expect(md).toMatch(/> This comment was shortened to fit GitHub's limit: .*left out.* For everything, run `edgeops plan --format json`\./);
    expect(md).toMatch(/…and \d+ more transitions \(200000 of 200000 devices change/);
  });

  it('one huge transition keeps its ids first cut to 10, then dropped', () => {
    const few = planMarkdown(syntheticReport([transition('a', 'b', 200_000, 'x'), transition('b', 'c', 3, 'y')]));
    expect(few.length).toBeLessThanOrEqual(MAX_MARKDOWN);
    expect(few).toContain('…and 199950 more');
    expect(few).not.toContain('shortened');
    const one = syntheticReport([transition('a', 'b', 200_000, 'x')]);
    const tight = planMarkdown(one, {}, 1_200);
    expect(tight.length).toBeLessThanOrEqual(1_200);
    expect(tight).toContain("shortened to fit GitHub's limit: device lists were cut to 10 per transition");
    expect(tight).toContain('…and 199990 more');
    const tighter = planMarkdown(one, {}, 700);
    expect(tighter.length).toBeLessThanOrEqual(700);
    expect(tighter).toContain('device ids were left out');
    expect(tighter).not.toContain('x-device-0000001');
  });

  it('hard-cuts as a last resort, still saying so', () => {
    const diagnostics = Array.from({ length: 10 }, (_, i): PlacedDiagnostic => ({
      severity: 'warning',
      code: 'plan/unmanaged',
      message: 'x'.repeat(3000),
      file: `f${i}`,
      line: 1,
      column: 1,
    }));
    const md = planMarkdown(syntheticReport([transition('a', 'b', 5, 'x')], diagnostics), {}, 4_000);
    expect(md.length).toBeLessThanOrEqual(4_000);
    expect(md.startsWith(PLAN_MARKER)).toBe(true);
    expect(md).toContain('Cut at 4000 characters');
  });

  it('draws a mermaid flowchart only for 2 to 15 transitions', () => {
    const n = (k: number) => planMarkdown(syntheticReport(Array.from({ length: k }, (_, i) => transition(`d${i}`, `d${i + 1}`, 1, `t${i}`))));
    expect(n(1)).not.toContain('```mermaid');
    expect(n(2)).toContain('```mermaid\nflowchart LR');
    expect(n(15)).toContain('```mermaid');
    expect(n(16)).not.toContain('```mermaid');
  });
});

describe('mermaid', () => {
  it('has one node for "no deployment", and edges say count and kind', () => {
    const t = (kind: Transition['kind'], from: string | null, to: string | null, count: number): Transition => ({ kind, from, to, count, devices: [] });
    const md = planMarkdown(syntheticReport([t('untargeted', 'a', null, 2), t('targeted', null, 'b', 3), t('retargeted', 'a', 'b', 1)]));
    const chart = /```mermaid\n([\s\S]*?)```/.exec(md)![1];
    expect(chart.match(/\["\(no deployment\)"\]/g)).toHaveLength(1);
    expect(chart).not.toMatch(/\(none\)|\(unmanaged\)/);
    expect(chart).toContain('-->|2 untargeted|');
    expect(chart).toContain('-->|3 targeted|');
    expect(chart).toContain('-->|1 retargeted|');
  });
});
