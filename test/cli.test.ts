import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/main.js';
import { deploymentYaml, tempRepo } from './helpers.js';

const root = path.resolve(import.meta.dirname, '..');

async function cli(args: string[], env: Record<string, string> = {}, isTTY = false) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    cwd: root,
    env,
    stdout: { write: (t: string) => (stdout += t), isTTY },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe('edgeops resolve', () => {
  it('prints DESIGN §4 JSON for the example fleet', async () => {
    const { code, stdout } = await cli(['resolve', '--format', 'json']);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(Object.keys(json)).toEqual(['version', 'devices', 'deployments', 'diagnostics']);
    expect(json.version).toBe(1);
    expect(json.devices.find((d: { deviceId: string }) => d.deviceId === 'linuxprod3')).toEqual({ deviceId: 'linuxprod3', deployment: 'telemetry-canary' });
    const withCandidates = JSON.parse((await cli(['resolve', '--format', 'json', '--candidates'])).stdout);
    expect(withCandidates.devices.find((d: { deviceId: string }) => d.deviceId === 'linuxprod3')).toEqual({
      deviceId: 'linuxprod3',
      deployment: 'telemetry-canary',
      candidates: ['telemetry-canary', 'telemetry-prod', 'baseline'],
    });
    expect(json.deployments.map((d: { id: string }) => d.id)).toEqual(['baseline', 'debug-linuxprod7', 'telemetry-canary', 'telemetry-prod', 'test-lab']);
    expect(json.deployments[3]).toEqual({ id: 'telemetry-prod', priority: 10, targeted: 15, applied: 11, labels: { team: 'telemetry', tier: 'prod' } });
    const ids = json.devices.map((d: { deviceId: string }) => d.deviceId);
    expect(ids).toEqual([...ids].sort());
    expect(json.diagnostics).toEqual([]);
  });

  it('prints an aligned table without colour when not on a TTY', async () => {
    const { stdout } = await cli(['resolve']);
    expect(stdout).toMatch(/^19 devices · 5 deployments · 19 managed · 0 unmanaged/);
    expect(stdout).toContain('telemetry-prod          10  2026-10-01T09:00:00Z        15       11  team=telemetry tier=prod\n');
    expect(stdout).not.toContain('\x1b[');
  });

  it('colours on a TTY unless NO_COLOR is set', async () => {
    expect((await cli(['resolve'], {}, true)).stdout).toContain('\x1b[');
    expect((await cli(['resolve'], { NO_COLOR: '1' }, true)).stdout).not.toContain('\x1b[');
  });

  it('lists unmanaged devices, and every device with --devices', async () => {
    const dir = await tempRepo({
      'deployments/a.yaml': deploymentYaml({ targetCondition: "tags.env = 'prod'" }),
      'fleet/f.yaml': 'devices:\n  - { deviceId: d1, tags: { env: prod } }\n  - { deviceId: d2 }\n',
    });
    const { stdout } = await cli(['resolve', '--repo', dir, '--devices']);
    expect(stdout).toContain('unmanaged (no deployment wins, nothing is pushed): d2');
    expect(stdout).toMatch(/d2 +\(unmanaged\)/);
  });

  it('lists tied devices apart from unmanaged ones', async () => {
    const dir = await tempRepo({
      'deployments/a.yaml': deploymentYaml({ targetCondition: "tags.env = 'prod'" }),
      'deployments/b.yaml': deploymentYaml({ targetCondition: "tags.env = 'prod'" }),
      'fleet/f.yaml': 'devices:\n  - { deviceId: d1, tags: { env: prod } }\n  - { deviceId: d2 }\n',
    });
    const { stdout } = await cli(['resolve', '--repo', dir, '--devices']);
    expect(stdout).toMatch(/^2 devices · 2 deployments · 0 managed · 1 unmanaged · 1 tied/);
    expect(stdout).toContain('unmanaged (no deployment wins, nothing is pushed): d2\n');
    expect(stdout).toContain('tied (deployments tie, nothing is pushed until one has a higher priority): d1 (a = b)');
    expect(stdout).toMatch(/d1 +\(tie: a, b\) +a, b/);
  });

  it('writes NDJSON, one device per line, diagnostics on stderr', async () => {
    const dir = await tempRepo({
      'deployments/a.yaml': deploymentYaml({ targetCondition: "tags.env = 'prod'" }),
      'deployments/b.yaml': deploymentYaml({ targetCondition: "tags.env = 'prod'" }),
      'fleet/f.yaml': 'devices:\n  - { deviceId: d1, tags: { env: prod } }\n  - { deviceId: d2 }\n',
    });
    const { code, stdout, stderr } = await cli(['resolve', '--repo', dir, '--format', 'ndjson', '--candidates']);
    expect(code).toBe(1);
    expect(stdout).toBe('{"deviceId":"d1","deployment":null,"tie":["a","b"],"candidates":["a","b"]}\n{"deviceId":"d2","deployment":null,"candidates":[]}\n');
    expect(stderr).toContain('resolve/tie');
  });

  it('exits 1 on an invalid repository but still prints the resolution', async () => {
    const dir = await tempRepo({
      'deployments/a.yaml': deploymentYaml({ targetCondition: '*' }),
      'deployments/b.yaml': deploymentYaml({ targetCondition: '*' }),
      'fleet/f.yaml': 'devices: [{ deviceId: d1 }]',
    });
    const { code, stdout } = await cli(['resolve', '--repo', dir, '--format', 'json']);
    expect(code).toBe(1);
    const json = JSON.parse(stdout);
    expect(json.devices).toEqual([{ deviceId: 'd1', deployment: null, tie: ['a', 'b'] }]);
    expect(json.diagnostics[0]).toEqual({
      severity: 'error',
      code: 'resolve/tie',
      message: expect.any(String),
      file: 'deployments/b.yaml',
      line: 1,
      column: 11,
    });
  });
});

describe('edgeops validate', () => {
  it('is valid on the example fleet', async () => {
    expect(await cli(['validate', '--format', 'json'])).toMatchObject({ code: 0, stdout: '{\n  "version": 1,\n  "valid": true,\n  "diagnostics": []\n}\n' });
    expect((await cli(['validate'])).stdout).toBe('✓ valid: 5 deployments, 19 devices in 8 files\n');
  });

  it('shows the error with a caret, as JSON, and as GitHub annotations', async () => {
    const dir = await tempRepo({
      'deployments/a.yaml': deploymentYaml({}).replace('createdAt', `targetCondition: tags.env = "prod"\ncreatedAt`),
      'fleet/f.yaml': 'devices: [{ deviceId: d1 }]',
    });
    const text = await cli(['validate', '--repo', dir]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('deployments/a.yaml:2:29 error condition/double-quote');
    expect(text.stdout).toContain('  2 | targetCondition: tags.env = "prod"\n    |                             ^');
    const json = JSON.parse((await cli(['validate', '--repo', dir, '--format', 'json'])).stdout);
    expect(json).toEqual({
      version: 1,
      valid: false,
      diagnostics: [
        { severity: 'error', code: 'condition/double-quote', message: expect.stringMatching(/single quotes/), file: 'deployments/a.yaml', line: 2, column: 29 },
      ],
    });
    const github = await cli(['validate', '--repo', dir, '--format', 'github']);
    expect(github.stdout).toMatch(/^::error file=deployments\/a.yaml,line=2,col=29,title=edgeops condition\/double-quote::double quotes/);
  });

  it('says when the folder is not an edgeops repository', async () => {
    const dir = await tempRepo({ 'README.md': 'hi' });
    const { code, stdout } = await cli(['validate', '--repo', dir, '--format', 'json']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).diagnostics[0].code).toBe('repository/not-found');
  });
});

describe('edgeops explain', () => {
  it('shows each clause with its truth and why, and why the winner wins', async () => {
    const { code, stdout } = await cli(['explain', 'spare-gw-01']);
    expect(code).toBe(0);
    expect(stdout).toContain('→ baseline wins: it is the only deployment that targets this device');
    expect(stdout).toMatch(/tags\.environment = 'prod'\s+unknown\s+tags\.environment is not defined, so the comparison is unknown/);
    const canary = await cli(['explain', 'linuxprod3']);
    expect(canary.stdout).toContain('→ telemetry-canary wins: priority 20 beats telemetry-prod (priority 10)');
  });

  it('explains a createdAt decision and a tie as JSON', async () => {
    const dir = await tempRepo({
      'deployments/old.yaml': deploymentYaml({ targetCondition: '*', createdAt: '2026-01-01T00:00:00Z' }),
      'deployments/new.yaml': deploymentYaml({ targetCondition: "tags.ring = '0' OR tags.x = 1", createdAt: '2026-02-01T00:00:00Z' }),
      'fleet/f.yaml': "devices: [{ deviceId: d1, tags: { ring: '0' } }]",
    });
    const json = JSON.parse((await cli(['explain', 'd1', '--repo', dir, '--format', 'json'])).stdout);
    expect(json.deployment).toBe('new');
    expect(json.reason).toEqual({ kind: 'created-at', over: 'old', createdAt: '2026-02-01T00:00:00Z', overCreatedAt: '2026-01-01T00:00:00Z' });
    expect(json.deployments[0].clauses).toEqual([
      { text: "tags.ring = '0'", start: 0, result: 'true', reason: "tags.ring is '0'" },
      { text: 'tags.x = 1', start: 19, result: 'unknown', reason: 'tags.x is not defined, so the comparison is unknown' },
    ]);
  });

  it('exits 1 for a device not in the fleet', async () => {
    const { code, stderr } = await cli(['explain', 'nope']);
    expect(code).toBe(1);
    expect(stderr).toContain("no device 'nope'");
  });
});

describe('usage', () => {
  it.each(['validate', 'resolve', 'explain', 'plan'])('%s --help', async (command) => {
    const { code, stdout } = await cli([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: edgeops ${command}`));
  });

  it('exits 2 on usage errors', async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect(await cli(['resolve', '--format', 'yaml'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--format must be one of text, json') });
    expect((await cli(['resolve', '--bogus'])).code).toBe(2);
    expect((await cli(['explain'])).code).toBe(2);
  });
});

describe('the built binary', () => {
  const built = existsSync(path.join(root, 'lib/cli/main.js'));
  const bin = (args: string[]) =>
    promisify(execFile)(process.execPath, [path.join(root, 'bin/edgeops.js'), ...args], { cwd: root, maxBuffer: 1 << 26 }).catch((e) => e);

  it.skipIf(!built)('runs as a process', async () => {
    const { stdout } = await bin(['resolve', '--format', 'json']);
    expect(JSON.parse(stdout).devices).toHaveLength(19);
  });

  it.skipIf(!built)('ends quietly with exit 0 when the reader closes the pipe early (| head)', async () => {
    const { generate } = await import('./support/fleet-generator.js');
    const dir = await tempRepo(generate(5000, 20, 3, 2).files);
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [path.join(root, 'bin/edgeops.js'), 'resolve', '--repo', dir, '--format', 'json']);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it.skipIf(!built)('writes its whole output to a slow reader before it exits', async () => {
    const { generate } = await import('./support/fleet-generator.js');
    const dir = await tempRepo(generate(20_000, 20, 3, 2).files);
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [path.join(root, 'bin/edgeops.js'), 'resolve', '--repo', dir, '--format', 'json']);
    const chunks: Buffer[] = [];
    // The reader stalls after the first chunk: the process is done long before its output is read.
    child.stdout.once('data', () => {
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 500);
    });
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    const code = await new Promise((resolve) => child.on('close', resolve));
    const printed = Buffer.concat(chunks).toString('utf8');
    expect(code).toBe(0);
    expect(printed).toBe((await cli(['resolve', '--repo', dir, '--format', 'json'])).stdout);
    expect(JSON.parse(printed).devices).toHaveLength(20_000);
  });

  it.skipIf(!built)('reads many deployments in a worker thread, with the same diagnostics as the main thread', async () => {
    const { generate } = await import('./support/fleet-generator.js');
    const files = generate(3000, 90, 11, 2).files;
    // Some problems to place: a bad condition and an unknown key.
    files['deployments/d0007.yaml'] = files['deployments/d0007.yaml'].replace(/targetCondition: .*/, 'targetCondition: "tags.x = \\"y\\""');
    files['deployments/d0008.yaml'] = `colour: blue\n${files['deployments/d0008.yaml']}`;
    const dir = await tempRepo(files);
    const worker = await bin(['validate', '--repo', dir, '--format', 'json']);
    const main = await cli(['validate', '--repo', dir, '--format', 'json']);
    expect(worker.stdout).toBe(main.stdout);
    expect(JSON.parse(main.stdout).diagnostics.filter((d: { severity: string }) => d.severity === 'error')).toHaveLength(2);
  });
});

describe('edgeops plan and --ref', async () => {
  const { testRepo } = await import('./support/git-repo.js');
  const repo = testRepo();
  const base = repo.commit({
    'deployments/a.yaml': deploymentYaml({ targetCondition: "tags.env = 'prod'" }),
    'fleet/f.yaml': 'devices: [{ deviceId: d1, tags: { env: prod } }]',
  });
  repo.commit({ 'fleet/f.yaml': 'devices: [{ deviceId: d1, tags: { env: prod } }, { deviceId: d2, tags: { env: prod } }]' });

  it('plans base..head as JSON per DESIGN §4', async () => {
    const { code, stdout } = await cli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'json']);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({
      valid: true,
      diagnostics: [],
      summary: { devices: 2, changed: 1, retargeted: 0, targeted: 1, untargeted: 0, updated: 0, removed: 0 },
      changes: [{ deviceId: 'd2', kind: 'targeted', before: null, after: 'a' }],
      deployments: [{ id: 'a', before: { targeted: 1, applied: 1 }, after: { targeted: 2, applied: 2 } }],
    });
  });

  it('renders Markdown with the marker, and text', async () => {
    const md = await cli(['plan', '--repo', repo.dir, '--base', base, '--format', 'markdown']);
    expect(md.stdout.startsWith('<!-- edgeops:plan -->\n')).toBe(true);
    expect(md.stdout).toContain('<code>(none)</code> → <code>a</code>: 1 device');
    const text = await cli(['plan', '--repo', repo.dir, '--base', base]);
    expect(text.stdout).toMatch(/^✓ valid — 1 of 2 devices change: 1 targeted/);
  });

  it('passes --label to the policy: the approval label turns a block into a pass', async () => {
    const strict = testRepo();
    const base = strict.commit({
      '.github/edgeops.yml': 'policy:\n  maxChangedDevices: 0\n',
      'deployments/a.yaml': deploymentYaml({ targetCondition: '*' }),
      'fleet/f.yaml': 'devices: [{ deviceId: d1 }]',
    });
    strict.write({ 'fleet/f.yaml': 'devices: [{ deviceId: d1 }, { deviceId: d2 }]' });
    const blocked = await cli(['plan', '--repo', strict.dir, '--base', base]);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain('blocked by policy');
    expect((await cli(['plan', '--repo', strict.dir, '--base', base, '--label', 'edgeops/approve-blast-radius'])).code).toBe(0);
  });

  it('reads --ref commits for resolve, and fails on unknown refs with exit 1', async () => {
    const json = JSON.parse((await cli(['resolve', '--repo', repo.dir, '--ref', 'HEAD~1', '--format', 'json'])).stdout);
    expect(json.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual(['d1']);
    expect(await cli(['resolve', '--repo', repo.dir, '--ref', 'nope'])).toMatchObject({ code: 1, stderr: expect.stringContaining("unknown ref 'nope'") });
    expect((await cli(['plan', '--repo', repo.dir])).code).toBe(2);
  });
});
