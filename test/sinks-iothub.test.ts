/** `apply --sink iothub` against the loopback IoT Hub emulator (it verifies every SAS signature and records every call). */
import { spawn } from 'node:child_process';
import fs, { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { devicePath } from '../src/core/manifest/layout.js';
import { renderManifest } from '../src/core/manifest/render.js';
import { diskSource } from '../src/io/disk.js';
import { createIotHubClient } from '../src/io/iothub/client.js';
import { openRenderedRepository } from '../src/io/sinks/git.js';
import { deliveredBranch, iotHubSink } from '../src/io/sinks/iothub.js';
import { apply } from '../src/usecases/apply.js';
import { loadRepository } from '../src/usecases/load.js';
import { cli, commitsOf, devicesWith, fleetFiles, messageOf, treeOf } from './support/apply.js';
import { testRepo } from './support/git-repo.js';
import { startIotHubEmulator, type IotHubEmulator } from './support/iothub-emulator.js';

const root = path.resolve(import.meta.dirname, '..');
const BRANCH = 'edgeops/rendered';
const files = (canaryImage: string, n = 30, drop: string[] = []) =>
  fleetFiles(
    {
      prod: { priority: 10, targetCondition: "tags.env = 'prod'", image: 'app:1' },
      canary: { priority: 20, targetCondition: 'tags.ring = 0', image: canaryImage },
    },
    devicesWith(n, (i) => ({ env: 'prod', ring: i % 3 })).filter((d) => !drop.includes(d.deviceId)),
  );

const emulators: IotHubEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});
async function hub(devices: Iterable<string>, latencyMs?: number): Promise<IotHubEmulator> {
  const e = await startIotHubEmulator({ devices, latencyMs });
  emulators.push(e);
  return e;
}
const envOf = (e: IotHubEmulator) => ({ EDGEOPS_IOTHUB_CONNECTION_STRING: e.connectionString, EDGEOPS_IOTHUB_ENDPOINT: e.url });
const applyCalls = (e: IotHubEmulator) => e.calls.filter((c) => c.kind === 'apply');

describe('apply --sink iothub', () => {
  it('delivers every device; a device missing from the hub fails alone (exit 1); delivered records only 2xx; no secret printed', async () => {
    const repo = testRepo();
    repo.commit(files('app:2'));
    const ids = devicesWith(30, () => ({})).map((d) => d.deviceId);
    const emulator = await hub(ids.filter((id) => id !== 'd007'));
    const r = await cli(repo.dir, ['apply', '--sink', 'iothub', '--format', 'json'], envOf(emulator));
    expect(r.code).toBe(1);
    const json = r.json();
    expect(json).toMatchObject({ sink: { kind: 'iothub', target: emulator.hostName }, pushed: 29, removed: 0 });
    expect(json.failed).toEqual([{ deviceId: 'd007', error: expect.stringMatching(/^404: /) }]);
    // The chunked createOptions arrive as rendered.
    const { analysis } = await loadRepository(diskSource(repo.dir));
    const canary = renderManifest(analysis.repository.deployments.find((d) => d.id === 'canary')!);
    expect(emulator.received.get('d000')).toEqual(JSON.parse(JSON.stringify(canary.manifest.modulesContent)));
    expect(emulator.received.size).toBe(29);

    const gitdir = path.join(repo.dir, '.edgeops/rendered');
    expect(treeOf(gitdir, BRANCH).size).toBe(30);
    const delivered = treeOf(gitdir, deliveredBranch(emulator.hostName));
    expect(delivered.size).toBe(29);
    expect(delivered.has(devicePath('d007'))).toBe(false);
    expect(json.delivered).toBe(commitsOf(gitdir, deliveredBranch(emulator.hostName))[0]);
    const key = emulator.connectionString.split('SharedAccessKey=')[1];
    for (const text of [r.stdout, r.stderr, (await cli(repo.dir, ['apply', '--sink', 'iothub'], envOf(emulator))).stdout]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain('SharedAccessSignature');
    }

    // The failed device is retried next run, and only it.
    emulator.calls.length = 0;
    emulator.devices.add('d007');
    const again = await cli(repo.dir, ['apply', '--sink', 'iothub', '--format', 'json'], envOf(emulator));
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ pushed: 1, unchanged: 29, failed: [] });
    expect(applyCalls(emulator).map((c) => c.deviceId)).toEqual(['d007']);
    expect((await cli(repo.dir, ['apply', '--sink', 'iothub', '--format', 'json'], envOf(emulator))).json()).toMatchObject({ pushed: 0 });
  });

  it('sends only what changed; a device removed from the fleet loses its delivered entry and nothing is sent for it', async () => {
    const repo = testRepo();
    repo.commit(files('app:2'));
    const emulator = await hub(devicesWith(30, () => ({})).map((d) => d.deviceId));
    await cli(repo.dir, ['apply', '--sink', 'iothub'], envOf(emulator));
    emulator.calls.length = 0;
    repo.commit(files('app:3', 30, ['d001']));
    const r = await cli(repo.dir, ['apply', '--sink', 'iothub', '--format', 'json'], envOf(emulator));
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ pushed: 10, removed: 1, unchanged: 19 });
    expect(new Set(applyCalls(emulator).map((c) => c.deviceId))).toEqual(
      new Set(
        devicesWith(30, () => ({}))
          .filter((_, i) => i % 3 === 0)
          .map((d) => d.deviceId),
      ),
    );
    const gitdir = path.join(repo.dir, '.edgeops/rendered');
    expect(treeOf(gitdir, deliveredBranch(emulator.hostName)).has(devicePath('d001'))).toBe(false);
    expect(treeOf(gitdir, BRANCH).has(devicePath('d001'))).toBe(false);
  });

  it('an older source after a newer one sends nothing (exit 0)', async () => {
    const repo = testRepo();
    const older = repo.commit(files('app:2'));
    repo.commit(files('app:3'));
    const emulator = await hub(devicesWith(30, () => ({})).map((d) => d.deviceId));
    await cli(repo.dir, ['apply', '--sink', 'iothub'], envOf(emulator));
    emulator.calls.length = 0;
    const r = await cli(repo.dir, ['apply', '--sink', 'iothub', '--ref', older, '--format', 'json'], envOf(emulator));
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ pushed: 0, skipped: expect.stringMatching(/^a newer source is already rendered: /) });
    expect(applyCalls(emulator)).toEqual([]);
  });

  it('commits acknowledged devices in batches no larger than the batch size', async () => {
    const repo = testRepo();
    repo.commit(files('app:2', 23));
    const emulator = await hub(devicesWith(23, () => ({})).map((d) => d.deviceId));
    const rendered = openRenderedRepository({ fs, dir: path.join(repo.dir, 'rendered') });
    const client = createIotHubClient({ connectionString: emulator.connectionString, endpoint: emulator.url, concurrency: 4 });
    const sink = iotHubSink({ client, rendered, batchSize: 5 });
    const result = await apply(diskSource(repo.dir), sink, { sourceInfo: { ref: null, commit: null } });
    expect(result.pushed).toBe(23);
    const gitdir = path.join(repo.dir, 'rendered');
    const branch = deliveredBranch(emulator.hostName);
    const commits = commitsOf(gitdir, branch);
    expect(commits.length).toBeGreaterThanOrEqual(5);
    const sizes = commits.map((c) => Number(/: (\d+) pushed/.exec(messageOf(gitdir, c))![1]));
    expect(sizes.every((n) => n >= 1 && n <= 5)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(23);
    expect(treeOf(gitdir, branch).size).toBe(23);
  });

  it('also closes a batch on age while the hub is slow', async () => {
    const repo = testRepo();
    repo.commit(files('app:2', 8));
    const emulator = await hub(
      devicesWith(8, () => ({})).map((d) => d.deviceId),
      40,
    );
    const rendered = openRenderedRepository({ fs, dir: path.join(repo.dir, 'rendered') });
    const client = createIotHubClient({ connectionString: emulator.connectionString, endpoint: emulator.url, concurrency: 1 });
    const result = await apply(diskSource(repo.dir), iotHubSink({ client, rendered, batchMs: 50, parallel: 1 }), { sourceInfo: { ref: null, commit: null } });
    expect(result.pushed).toBe(8);
    expect(commitsOf(path.join(repo.dir, 'rendered'), deliveredBranch(emulator.hostName)).length).toBeGreaterThan(1);
  });

  it('usage: a missing or malformed connection string is a usage error that quotes nothing of it', async () => {
    const repo = testRepo();
    repo.commit(files('app:2'));
    expect((await cli(repo.dir, ['apply', '--sink', 'iothub'])).code).toBe(2);
    const bad = 'HostName=h.azure-devices.net;SharedAccessKeyName=owner;SharedAccessKey=not*base64*secretvalue';
    const r = await cli(repo.dir, ['apply', '--sink', 'iothub'], { EDGEOPS_IOTHUB_CONNECTION_STRING: bad });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SharedAccessKey is not base64/);
    expect(r.stderr).not.toContain('secretvalue');
  });

  it('a process killed mid-apply, run again, ends with every device delivered and at most one batch sent twice', async () => {
    const n = 2600;
    const repo = testRepo();
    repo.commit(files('app:2', n));
    const ids = devicesWith(n, () => ({})).map((d) => d.deviceId);
    const emulator = await hub(ids, 1);
    const gitdir = path.join(repo.dir, '.edgeops/rendered');
    const deliveredRef = path.join(gitdir, 'refs/heads', deliveredBranch(emulator.hostName));
    const run = (killAfter?: number) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join(root, 'bin/edgeops.js'), 'apply', '--sink', 'iothub', '--repo', repo.dir], {
          env: { ...process.env, ...envOf(emulator) },
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        // After `killAfter` calls the hub stops answering, so the run cannot finish however slow this machine is;
        // it is killed once a batch is on record.
        let stalled = false;
        const poll = killAfter
          ? setInterval(() => {
              if (!stalled && applyCalls(emulator).length >= killAfter) {
                emulator.inject({ fault: 'slow', kind: 'apply', times: Infinity });
                stalled = true;
              }
              if (stalled && existsSync(deliveredRef)) child.kill('SIGKILL');
            }, 2)
          : undefined;
        child.on('exit', (code, signal) => {
          clearInterval(poll);
          resolve({ code, signal, out });
        });
      });
    const killed = await run(1800);
    expect(killed.signal).toBe('SIGKILL');
    emulator.clearFaults();
    const sentBefore = new Set(applyCalls(emulator).map((c) => c.deviceId));
    expect(sentBefore.size).toBeLessThan(n);
    const committed = treeOf(gitdir, deliveredBranch(emulator.hostName)).size;
    expect(committed).toBeGreaterThan(0);

    const callsBefore = applyCalls(emulator).length;
    const rerun = await run();
    expect(rerun.code).toBe(0);
    expect(rerun.out).not.toContain(emulator.key);
    expect(emulator.received.size).toBe(n);
    expect(treeOf(gitdir, deliveredBranch(emulator.hostName)).size).toBe(n);
    const resent = applyCalls(emulator)
      .slice(callsBefore)
      .filter((c) => sentBefore.has(c.deviceId!));
    expect(resent.length).toBeLessThanOrEqual(1000);
  }, 60_000);
});
