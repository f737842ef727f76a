/** The seed's walk-through as scenarios over real git repositories. */
import { describe, expect, it } from 'vitest';
import { diskSource } from '../src/io/disk.js';
import { gitSource } from '../src/io/git.js';
import { runPlan } from '../src/usecases/plan.js';
import { introducedDiagnostics } from '../src/core/plan/report.js';
import { planJson } from '../src/render/json.js';
import { planMarkdown } from '../src/render/plan/markdown.js';
import { verdictLine } from '../src/render/plan/verdict.js';
import { deploymentYaml, fleetYaml, loadFleet, MINIMAL_CONTENT, type DeploymentSpec, type Fleetish } from './helpers.js';
import { handle, testRepo } from './support/git-repo.js';

const prod = (n: number, from = 1, extra: Record<string, unknown> = {}): Fleetish[] =>
  Array.from({ length: n }, (_, i) => ({
    deviceId: `prod${String(from + i).padStart(2, '0')}`,
    tags: { environment: 'prod', ring: (from + i) % 3, ...extra },
  }));

const A: DeploymentSpec = { priority: 10, targetCondition: "tags.environment = 'prod'", labels: { team: 'telemetry' } };

async function plan(repo: ReturnType<typeof testRepo>, base: string, head?: string, labels: string[] = []) {
  return runPlan(await gitSource(handle(repo.dir), base), head ? await gitSource(handle(repo.dir), head) : diskSource(repo.dir), { labels });
}

describe('plan scenarios', () => {
  it('10 prod devices, 5 more added → 5 targeted, 15 total', async () => {
    const repo = testRepo();
    const base = repo.commit({ 'deployments/a.yaml': deploymentYaml(A), 'fleet/prod.yaml': fleetYaml(prod(10)) });
    const head = repo.commit({ 'fleet/more.yaml': fleetYaml(prod(5, 11)) });
    const result = await plan(repo, base, head);
    expect(result.plan.summary).toEqual({ devices: 15, changed: 5, retargeted: 0, targeted: 5, untargeted: 0, updated: 0, removed: 0 });
    expect(result.plan.changes[0]).toEqual({ deviceId: 'prod11', kind: 'targeted', before: null, after: 'a' });
    expect(result.plan.deployments).toEqual([
      { id: 'a', labels: { team: 'telemetry' }, before: { targeted: 10, applied: 10 }, after: { targeted: 15, applied: 15 } },
    ]);
    expect(result.plan.transitions).toEqual([expect.objectContaining({ kind: 'targeted', from: null, to: 'a', count: 5 })]);
    expect(result.valid).toBe(true);
    expect(result.ok).toBe(true);
  });

  it('phased rollout: a canary ring at higher priority → retargeted A → canary, with why', async () => {
    const repo = testRepo();
    const base = repo.commit({ 'deployments/a.yaml': deploymentYaml(A), 'fleet/prod.yaml': fleetYaml(prod(9)) });
    const head = repo.commit({ 'deployments/canary.yaml': deploymentYaml({ priority: 20, targetCondition: "tags.environment = 'prod' AND tags.ring = 0" }) });
    const result = await plan(repo, base, head);
    expect(result.plan.summary.retargeted).toBe(3);
    const [t] = result.plan.transitions;
    expect(t).toMatchObject({ kind: 'retargeted', from: 'a', to: 'canary', count: 3, devices: ['prod03', 'prod06', 'prod09'] });
    expect(t.why!.verdicts).toEqual([
      expect.objectContaining({ deployment: 'canary', before: null, after: expect.objectContaining({ result: 'true', priority: 20 }) }),
    ]);
  });

  it('rollback: canary condition narrowed → back to A, and the now-empty canary is warned', async () => {
    const repo = testRepo();
    const base = repo.commit({
      'deployments/a.yaml': deploymentYaml(A),
      'deployments/canary.yaml': deploymentYaml({ priority: 20, targetCondition: "tags.environment = 'prod' AND tags.ring IN [0, 1]" }),
      'fleet/prod.yaml': fleetYaml(prod(9)),
    });
    const head = repo.commit({
      'deployments/canary.yaml': deploymentYaml({ priority: 20, targetCondition: "tags.environment = 'prod' AND tags.ring IN [7]" }),
    });
    const result = await plan(repo, base, head);
    expect(result.plan.transitions).toEqual([expect.objectContaining({ kind: 'retargeted', from: 'canary', to: 'a', count: 6 })]);
    const why = result.plan.transitions[0].why!;
    expect(why.verdicts.find((v) => v.deployment === 'canary')).toMatchObject({ before: { result: 'true' }, after: { result: 'false' } });
    expect(result.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', code: 'deployment/targets-nothing', file: 'deployments/canary.yaml' })]);
    expect(result.plan.deployments.find((d) => d.id === 'canary')).toEqual({
      id: 'canary',
      labels: {},
      before: { targeted: 6, applied: 6 },
      after: { targeted: 0, applied: 0 },
      edits: [
        { field: 'targetCondition', before: "tags.environment = 'prod' AND tags.ring IN [0, 1]", after: "tags.environment = 'prod' AND tags.ring IN [7]" },
      ],
    });
  });

  it('a deployment deleted with no fallback → untargeted, and a warning that says how to roll back', async () => {
    const repo = testRepo();
    const base = repo.commit({ 'deployments/a.yaml': deploymentYaml(A), 'fleet/prod.yaml': fleetYaml(prod(4)) });
    const head = repo.commit({ 'deployments/a.yaml': null });
    const result = await plan(repo, base, head);
    expect(result.plan.summary).toMatchObject({ changed: 4, untargeted: 4 });
    expect(result.plan.deployments).toEqual([{ id: 'a', labels: { team: 'telemetry' }, before: { targeted: 4, applied: 4 }, after: null }]);
    const warning = result.diagnostics.find((d) => d.code === 'plan/unmanaged')!;
    expect(warning).toMatchObject({ severity: 'warning', file: 'fleet/prod.yaml' });
    expect(warning.message).toMatch(/4 device\(s\) leave 'a' and become unmanaged.*lower-priority deployment that still covers them/);
    expect(result.valid).toBe(true);
  });

  it('a content edit → updated; a label-only or priority-only edit → nothing', async () => {
    const repo = testRepo();
    const base = repo.commit({ 'deployments/a.yaml': deploymentYaml(A), 'fleet/prod.yaml': fleetYaml(prod(3)) });
    const labels = repo.commit({ 'deployments/a.yaml': deploymentYaml({ ...A, priority: 11, labels: { team: 'other' } }) });
    expect((await plan(repo, base, labels)).plan.summary.changed).toBe(0);
    const content = repo.commit({
      'deployments/a.yaml': deploymentYaml({ ...A, content: MINIMAL_CONTENT.replace('timeToLiveSecs: 7200', 'timeToLiveSecs: 60') }),
    });
    const result = await plan(repo, labels, content);
    expect(result.plan.summary).toMatchObject({ changed: 3, updated: 3 });
    expect(result.plan.transitions[0]).toMatchObject({ kind: 'updated', from: 'a', to: 'a' });
    expect(result.plan.transitions[0].why!.contentHash!.before).not.toBe(result.plan.transitions[0].why!.contentHash!.after);
  });

  it('a device deleted → removed', async () => {
    const repo = testRepo();
    const base = repo.commit({ 'deployments/a.yaml': deploymentYaml(A), 'fleet/prod.yaml': fleetYaml(prod(3)) });
    const head = repo.commit({ 'fleet/prod.yaml': fleetYaml(prod(2)) });
    const result = await plan(repo, base, head);
    expect(result.plan.changes).toEqual([{ deviceId: 'prod03', kind: 'removed', before: 'a', after: null }]);
    expect(result.plan.transitions[0].why).toMatchObject({ removedFromFleet: true });
  });

  it('a tag edit retargets, and why names the clause that changed', async () => {
    const repo = testRepo();
    const base = repo.commit({
      'deployments/a.yaml': deploymentYaml(A),
      'deployments/b.yaml': deploymentYaml({ priority: 5, targetCondition: "tags.environment = 'test'" }),
      'fleet/prod.yaml': fleetYaml([{ deviceId: 'd1', tags: { environment: 'prod' } }]),
    });
    const head = repo.commit({ 'fleet/prod.yaml': fleetYaml([{ deviceId: 'd1', tags: { environment: 'test' } }]) });
    const { why } = (await plan(repo, base, head)).plan.transitions[0];
    expect(why!.tagsChanged).toBe(true);
    const a = why!.verdicts.find((v) => v.deployment === 'a')!;
    expect(a.before!.clauses[0]).toMatchObject({ result: 'true' });
    expect(a.after!.clauses[0]).toMatchObject({ result: 'false', reason: "tags.environment is 'test'" });
  });

  it('reuses base when head has the same deployments and fleet trees', async () => {
    const repo = testRepo();
    const base = repo.commit({ 'deployments/a.yaml': deploymentYaml(A), 'fleet/prod.yaml': fleetYaml(prod(2)) });
    const head = repo.commit({ 'README.md': 'docs only' });
    const result = await plan(repo, base, head);
    expect(result.head).toBe(result.base);
    expect(result.plan.summary.changed).toBe(0);
  });

  it('reuses the base fleet and its index when only deployments change', async () => {
    const repo = testRepo();
    const base = repo.commit({ 'deployments/a.yaml': deploymentYaml(A), 'fleet/prod.yaml': fleetYaml([...prod(3), { deviceId: 'x1', tags: { Env: 'lab' } }]) });
    const head = repo.commit({ 'deployments/b.yaml': deploymentYaml({ priority: 20, targetCondition: "tags.env = 'lab' OR tags.ring = 1" }) });
    const result = await plan(repo, base, head);
    expect(result.head.analysis.fleetIndex).toBe(result.base.analysis.fleetIndex);
    expect(result.head.analysis.repository.fleet.devices).toBe(result.base.analysis.repository.fleet.devices);
    expect(result.plan.changes.map((c) => [c.deviceId, c.kind, c.after])).toEqual([
      ['prod01', 'retargeted', 'b'],
      ['x1', 'targeted', 'b'],
    ]);
  });

  it('plans against the working tree when head is omitted', async () => {
    const repo = testRepo();
    const base = repo.commit({ 'deployments/a.yaml': deploymentYaml(A), 'fleet/prod.yaml': fleetYaml(prod(2)) });
    repo.write({ 'fleet/prod.yaml': fleetYaml(prod(3)) });
    const result = await plan(repo, base);
    expect(result.plan.changes).toEqual([{ deviceId: 'prod03', kind: 'targeted', before: null, after: 'a' }]);
  });

  it('an invalid head makes the plan invalid but still shows what it can', async () => {
    const repo = testRepo();
    const base = repo.commit({ 'deployments/a.yaml': deploymentYaml(A), 'fleet/prod.yaml': fleetYaml(prod(2)) });
    const head = repo.commit({
      'deployments/b.yaml': deploymentYaml({ priority: 10, targetCondition: 'tags.x = "y"' }),
      'fleet/prod.yaml': fleetYaml(prod(3)),
    });
    const result = await plan(repo, base, head);
    expect(result.valid).toBe(false);
    expect(result.ok).toBe(false);
    expect(result.plan.summary.targeted).toBe(1);
  });

  it('a deployment broken at head is invalid, not deleted; the devices it targeted have an unknown outcome', async () => {
    const repo = testRepo();
    const base = repo.commit({
      'deployments/a.yaml': deploymentYaml(A),
      'deployments/canary.yaml': deploymentYaml({ priority: 20, targetCondition: 'tags.ring = 0' }),
      'fleet/prod.yaml': fleetYaml(prod(6)),
    });
    const head = repo.commit({ 'deployments/canary.yaml': 'priority: [\n', 'deployments/fresh.yaml': 'priority: high\n' });
    const result = await plan(repo, base, head);
    expect(result.ok).toBe(false);
    const canary = result.plan.deployments.find((d) => d.id === 'canary')!;
    expect(canary.invalidAtHead).toMatch(/^could not be read: .*\(deployments\/canary.yaml:\d+:\d+\)$/);
    expect(result.plan.deployments.find((d) => d.id === 'fresh')).toMatchObject({ before: null, after: null, invalidAtHead: expect.any(String) });
    expect(result.plan.unknown).toEqual([
      expect.objectContaining({ deployment: 'canary', count: 2, devices: ['prod03', 'prod06'] }),
      expect.objectContaining({ deployment: 'fresh', count: null }),
    ]);
    for (const t of result.plan.transitions) expect(t.why!.verdicts.map((v) => v.deployment)).not.toContain('canary');
    const md = planMarkdown(result);
    expect(md).toContain('(invalid at head)');
    expect(md).not.toContain('was deleted');
    expect(md).not.toContain('(deleted)');
    expect(md).toMatch(/#### Outcome unknown\n\n- ❓ `canary` is invalid at head \(could not be read: /);
  });

  it('errors that already existed at base are warnings', async () => {
    const repo = testRepo();
    const broken = deploymentYaml({ priority: 10, targetCondition: 'tags.x = "y"' });
    const base = repo.commit({ 'deployments/a.yaml': deploymentYaml(A), 'deployments/b.yaml': broken, 'fleet/prod.yaml': fleetYaml(prod(2)) });
    const head = repo.commit({ 'fleet/prod.yaml': fleetYaml(prod(3)) });
    const result = await plan(repo, base, head);
    expect(result.valid).toBe(true);
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({ severity: 'warning', code: 'condition/double-quote', message: expect.stringMatching(/^already on base: /) }),
    );
  });
});

describe('policy', () => {
  const policy = (text: string) => ({ '.github/edgeops.yml': text });

  it('is taken from base, not head: a pull request cannot loosen its own policy', async () => {
    const repo = testRepo();
    const base = repo.commit({
      ...policy('policy:\n  maxChangedDevices: 2\n'),
      'deployments/a.yaml': deploymentYaml(A),
      'fleet/prod.yaml': fleetYaml(prod(2)),
    });
    const head = repo.commit({ ...policy('policy:\n  maxChangedDevices: 1000\n'), 'fleet/prod.yaml': fleetYaml(prod(6)) });
    const result = await plan(repo, base, head);
    expect(result.valid).toBe(true);
    expect(result.ok).toBe(false);
    expect(result.policy!.findings).toEqual([
      expect.objectContaining({
        rule: 'maxChangedDevices',
        severity: 'error',
        message: expect.stringMatching(/^4 devices change; the policy allows 2; add the label edgeops\/approve-blast-radius/),
      }),
    ]);
    const approved = await plan(repo, base, head, ['edgeops/approve-blast-radius']);
    expect(approved.ok).toBe(true);
    expect(approved.policy!.findings[0]).toMatchObject({ severity: 'warning', message: expect.stringContaining('approved by the label') });
  });

  it('maxChangedPercent and protected conditions, with a custom approval label', async () => {
    const repo = testRepo();
    const base = repo.commit({
      ...policy('policy:\n  maxChangedPercent: 10\n  approvalLabel: ship-it\n  protected:\n    - tags.ring = 0\n'),
      'deployments/a.yaml': deploymentYaml(A),
      'fleet/prod.yaml': fleetYaml(prod(10)),
    });
    const head = repo.commit({ 'deployments/canary.yaml': deploymentYaml({ priority: 20, targetCondition: 'tags.ring IN [0, 1]' }) });
    const result = await plan(repo, base, head);
    expect(result.policy!.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['maxChangedPercent', 'error'],
      ['protected', 'error'],
    ]);
    expect(result.policy!.findings[1].devices).toEqual(['prod03', 'prod06', 'prod09']);
    expect((await plan(repo, base, head, ['ship-it'])).ok).toBe(true);
  });

  it.each([
    ['a quoted number', 'policy:\n  maxChangedDevices: "2"\n', 2, /maxChangedDevices: must be integer \(found '2'\): write the number without quotes/],
    [
      'a misspelled key',
      'policy:\n  maxChangedDevice: 2\n',
      2,
      /unknown key 'maxChangedDevice'.*allowed here: maxChangedDevices, maxChangedPercent, approvalLabel, protected/,
    ],
    ['a double-quoted protected condition', 'policy:\n  protected:\n    - tags.environment = "prod"\n', 3, /double quote/],
    ['a YAML syntax error', 'policy: [\n', 2, /./],
  ])('a policy on base that cannot be read blocks the plan: %s', async (_, text, line, message) => {
    const repo = testRepo();
    const base = repo.commit({ ...policy(text), 'deployments/a.yaml': deploymentYaml(A), 'fleet/prod.yaml': fleetYaml(prod(2)) });
    const head = repo.commit({ 'fleet/prod.yaml': fleetYaml(prod(3)) });
    const result = await plan(repo, base, head);
    expect(result.ok).toBe(false);
    const [d] = result.diagnostics;
    expect(result.diagnostics).toHaveLength(1);
    expect(d).toMatchObject({ file: '.github/edgeops.yml', line, severity: 'error' });
    expect(d.message).toMatch(/cannot be checked until the base policy is fixed/);
    expect(d.message).toMatch(message);
    expect(d.message).toMatch(/maxChangedDevices, maxChangedPercent, approvalLabel, protected/);
  });

  it('a device protected only before the change is still protected', async () => {
    const repo = testRepo();
    const base = repo.commit({
      ...policy('policy:\n  protected:\n    - tags.ring = 0\n'),
      'deployments/a.yaml': deploymentYaml(A),
      'deployments/ring0.yaml': deploymentYaml({ priority: 20, targetCondition: 'tags.ring = 0' }),
      'fleet/prod.yaml': fleetYaml([{ deviceId: 'd1', tags: { environment: 'prod', ring: 0 } }]),
    });
    const head = repo.commit({ 'fleet/prod.yaml': fleetYaml([{ deviceId: 'd1', tags: { environment: 'prod', ring: 1 } }]) });
    const result = await plan(repo, base, head);
    expect(result.plan.changes).toEqual([{ deviceId: 'd1', kind: 'retargeted', before: 'ring0', after: 'a' }]);
    expect(result.policy!.findings).toEqual([expect.objectContaining({ rule: 'protected', severity: 'error', devices: ['d1'] })]);
    expect(result.ok).toBe(false);
  });
});

describe('what is news in a plan', () => {
  it('splits diagnostics into introduced, fixed and already present; the headline counts the introduced', async () => {
    const repo = testRepo();
    const base = repo.commit({
      'deployments/a.yaml': deploymentYaml(A),
      'deployments/old.yaml': deploymentYaml({ priority: 3, targetCondition: "tags.environment = 'nowhere'" }),
      'deployments/gone.yaml': deploymentYaml({ priority: 4, targetCondition: "tags.environment = 'lab'" }),
      'fleet/prod.yaml': fleetYaml(prod(3)),
    });
    const head = repo.commit({
      'deployments/gone.yaml': null,
      'deployments/new.yaml': deploymentYaml({ priority: 5, targetCondition: "tags.environment = 'qa'" }),
      'fleet/prod.yaml': fleetYaml(prod(4)),
    });
    const result = await plan(repo, base, head);
    const files = (ds: readonly { file: string }[] | undefined) => (ds ?? []).map((d) => d.file);
    expect(files(introducedDiagnostics(result))).toEqual(['deployments/new.yaml']);
    expect(files(result.present)).toEqual(['deployments/old.yaml']);
    expect(files(result.fixed)).toEqual(['deployments/gone.yaml']);
    expect(verdictLine(result)).toMatch(/^valid, 1 new warning — /);
    const md = planMarkdown(result);
    expect(md).toContain('#### Problems introduced by this change: 0 errors, 1 warning');
    expect(md).toContain('<details><summary>✅ Fixed by this change: 1 problem</summary>');
    expect(md).toContain('<details><summary>Already present on base, not changed by this pull request: 1 problem</summary>');
    expect(planJson(result).diagnostics.map((d) => [d.file, d.status])).toEqual([
      ['deployments/new.yaml', 'introduced'],
      ['deployments/old.yaml', 'present'],
    ]);
  });
});

describe('the safety net', () => {
  const baseline = deploymentYaml({ priority: 0, targetCondition: '*' });

  it('a fully shadowed priority-0 "*" deployment is not warned; another shadowed deployment is', async () => {
    const loaded = await loadFleet(
      { baseline: { priority: 0, targetCondition: '*' }, low: { priority: 1, targetCondition: '*' }, a: { priority: 10, targetCondition: '*' } },
      [{ deviceId: 'd1' }],
    );
    expect(loaded.diagnostics.filter((d) => d.code === 'deployment/shadowed').map((d) => d.file)).toEqual(['deployments/low.yaml']);
  });

  it.each([
    ['deleted', null],
    ['narrowed', deploymentYaml({ priority: 0, targetCondition: "tags.environment = 'prod'" })],
  ])('%s in a plan is a headline warning, not green', async (change, text) => {
    const repo = testRepo();
    const base = repo.commit({ 'deployments/baseline.yaml': baseline, 'deployments/a.yaml': deploymentYaml(A), 'fleet/prod.yaml': fleetYaml(prod(2)) });
    const head = repo.commit({ 'deployments/baseline.yaml': text });
    const result = await plan(repo, base, head);
    expect(result.plan.safetyNet).toEqual([{ id: 'baseline', change }]);
    expect(introducedDiagnostics(result)).toContainEqual(expect.objectContaining({ code: 'plan/safety-net', severity: 'warning' }));
    const md = planMarkdown(result);
    expect(md).not.toContain('🟢');
    expect(md).toMatch(new RegExp(`⚠️ \\*\\*valid, \\d new warnings? — the safety net 'baseline' is ${change} — `));
  });
});

describe('the comment header', () => {
  it('names base and head by branch and short SHA; an approved plan says by which label; one finding needs', async () => {
    const repo = testRepo();
    const base = repo.commit({
      '.github/edgeops.yml': 'policy:\n  maxChangedDevices: 0\n',
      'deployments/a.yaml': deploymentYaml(A),
      'fleet/prod.yaml': fleetYaml(prod(1)),
    });
    const head = repo.commit({ 'fleet/prod.yaml': fleetYaml(prod(2)) });
    const blocked = await plan(repo, base, head);
    const md = planMarkdown(blocked, { baseRef: 'main', headRef: 'feature/x' });
    expect(md).toContain(`Base \`main\` @ \`${base.slice(0, 7)}\` → head \`feature/x\` @ \`${head.slice(0, 7)}\``);
    expect(md).toContain('blocked by policy: 1 finding needs the label edgeops/approve-blast-radius');
    expect(planMarkdown(blocked)).toContain(`Base \`${base.slice(0, 7)}\` → head \`${head.slice(0, 7)}\``);
    const approved = await plan(repo, base, head, ['edgeops/approve-blast-radius']);
    expect(planMarkdown(approved)).toContain('**valid, approved by label edgeops/approve-blast-radius — ');
  });
});
