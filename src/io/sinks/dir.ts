/**
 * The dir sink: the rendered layout in a plain folder (`devices/<xx>/<id>.json`),
 * for tools that read files. Each file is written to a temporary name and renamed
 * into place, so a reader never sees half a manifest. What the folder holds is
 * what it last received.
 *
 * Device ids are case-sensitive; some filesystems are not (macOS and Windows by
 * default). There, two devices whose ids differ only by case and share a shard
 * would be one file, and each apply would overwrite the other's manifest: they
 * fail instead, with a message saying why, and nothing is written for them.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, rename, rmdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gitBlobId } from '../../core/manifest/canonical.js';
import { DEVICES_FOLDER, deviceFileName, deviceIdOfFileName } from '../../core/manifest/layout.js';
import { readFileBounded } from '../bounded-reads.js';
import { fastShardOf } from './rendered-tree.js';
import { changeCount, type Desired, type DeviceFailure, type Sink } from './sink.js';

/** Files written (or removed) at once. */
const PARALLEL = 32;

const isMissing = (e: unknown): boolean => ['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '');

async function list(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (e) {
    if (isMissing(e)) return [];
    throw e;
  }
}

/** Writes a file atomically: a temporary file in the same folder, then a rename over the old one. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, text);
    await rename(temp, file);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}

async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>, onDone: () => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      await work(items[next++]);
      onDone();
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
}

/** Whether the filesystem of `folder` folds case: a probe file, looked for under its upper-case name. */
async function foldsCase(folder: string): Promise<boolean> {
  const name = `.edgeops-case-probe-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(path.join(folder, name), '');
  try {
    return await access(path.join(folder, name.toUpperCase())).then(
      () => true,
      () => false,
    );
  } finally {
    await unlink(path.join(folder, name)).catch(() => undefined);
  }
}

/** Managed devices whose files would be one on a case-folding filesystem, each with what to tell the operator. */
function caseCollisions(desired: Desired): Map<string, string> {
  const { deviceIds, winners } = desired.fleet;
  const byFolded = new Map<string, string[]>();
  for (let i = 0; i < deviceIds.length; i++) {
    if (winners[i] === null) continue;
    const folded = deviceIds[i].toLowerCase();
    const group = byFolded.get(folded);
    if (group) group.push(deviceIds[i]);
    else byFolded.set(folded, [deviceIds[i]]);
  }
  const out = new Map<string, string>();
  for (const group of byFolded.values()) {
    if (group.length < 2) continue;
    const byFile = new Map<string, string[]>();
    for (const id of group) {
      const file = `${fastShardOf(id)}/${deviceFileName(id).toLowerCase()}`;
      byFile.set(file, [...(byFile.get(file) ?? []), id]);
    }
    for (const same of byFile.values()) {
      if (same.length < 2) continue;
      for (const id of same) {
        const others = same.filter((o) => o !== id).map((o) => `'${o}'`);
        out.set(
          id,
          `not written: its id differs from ${others.join(', ')} only by case, and this folder's filesystem does not tell their files apart; use the git sink, or a folder on a case-sensitive filesystem`,
        );
      }
    }
  }
  return out;
}

export function dirSink(options: { dir: string; target?: string; foldsCase?: boolean }): Sink {
  const root = path.join(options.dir, DEVICES_FOLDER);
  const fileOf = (deviceId: string) => path.join(root, fastShardOf(deviceId), deviceFileName(deviceId));
  return {
    kind: 'dir',
    target: options.target ?? options.dir,
    async received() {
      const received = new Map<string, string>();
      // A manifest is shared by every device on its deployment: hash each distinct text once.
      const keys = new Map<string, string>();
      for (const shard of await list(root)) {
        if (!/^[0-9a-f]{2}$/.test(shard)) continue;
        const names = (await list(path.join(root, shard))).filter((n) => !n.startsWith('.'));
        await Promise.all(
          names.map(async (name) => {
            const deviceId = deviceIdOfFileName(name);
            if (deviceId === undefined) return;
            const text = await readFileBounded(path.join(root, shard, name)).then(
              (bytes) => bytes.toString('utf8'),
              (e) => (isMissing(e) ? undefined : Promise.reject(e)),
            );
            if (text === undefined) return;
            let key = keys.get(text);
            if (key === undefined) keys.set(text, (key = gitBlobId(text)));
            received.set(deviceId, key);
          }),
        );
      }
      return received;
    },
    async apply(desired, _source, hooks) {
      const changes = desired.changesAgainst(await this.received());
      const total = changeCount(changes);
      let done = 0;
      const tick = () => hooks?.onProgress?.(++done, total);
      await mkdir(root, { recursive: true });
      const collisions = (options.foldsCase ?? (await foldsCase(root))) ? caseCollisions(desired) : new Map<string, string>();
      const failed: DeviceFailure[] = [];
      const writes = [...changes.add, ...changes.update].filter((d) => {
        const error = collisions.get(d.deviceId);
        if (error) failed.push({ deviceId: d.deviceId, error });
        return !error;
      });
      done += failed.length;
      const shards = new Set(writes.map((d) => fastShardOf(d.deviceId)));
      await Promise.all([...shards].map((s) => mkdir(path.join(root, s), { recursive: true })));
      await inParallel(
        writes,
        async (d) => {
          const manifest = desired.manifests.get(d.deployment);
          if (!manifest) throw new Error(`no rendered manifest for deployment '${d.deployment}'`);
          await writeAtomically(fileOf(d.deviceId), manifest.json);
        },
        tick,
      );
      const emptied = new Set<string>();
      await inParallel(
        changes.remove,
        async (deviceId) => {
          await unlink(fileOf(deviceId)).catch((e) => (isMissing(e) ? undefined : Promise.reject(e)));
          emptied.add(path.dirname(fileOf(deviceId)));
        },
        tick,
      );
      // A shard folder with no device left goes too (rmdir refuses a folder that is not empty).
      await Promise.all([...emptied].map((folder) => rmdir(folder).catch(() => undefined)));
      return { changes, failed };
    },
  };
}
