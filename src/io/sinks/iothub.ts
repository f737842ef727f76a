/**
 * The IoT Hub sink: first the rendering (`edgeops/rendered`, as the git sink
 * writes it), then delivery. What the hub acknowledged (2xx) is recorded in git
 * on `edgeops/delivered/<HostName>`, in the rendered layout: apply sends only the
 * difference between the rendering and that branch, and commits acknowledged
 * devices in batches (at most `batchSize` devices, at most `batchMs` old), so a
 * crash re-sends at most one batch. A failed device keeps its old entry and is
 * sent again next time; a device removed from the fleet loses its entry and
 * nothing is sent for it. The branch's log is the audit trail of the hub.
 */
import type { DesiredDevice } from '../../core/apply/changes.js';
import type { IotHubClient } from '../iothub/client.js';
import { commitOnBranch, entryChanges, RENDERED_BRANCH, writeManifestBlobs, type RenderedRepository, type RetryOptions } from './git.js';
import { diffRendered } from './rendered-diff.js';
import { commitRenderedTree, fastShardOf, readReceived, readRenderedTree, renderedMessage, type EntryChange, type RenderedTree } from './rendered-tree.js';
import { changeCount, SinkError, type DeviceFailure, type Sink } from './sink.js';
import type { GitRepository } from '../git.js';

export const deliveredBranch = (hostName: string): string => `edgeops/delivered/${hostName}`;

export interface IotHubSinkOptions extends RetryOptions {
  readonly client: Pick<IotHubClient, 'hostName' | 'applyConfigurationContent'>;
  /** Where `edgeops/rendered` and `edgeops/delivered/<host>` live. */
  readonly rendered: RenderedRepository;
  /** The rendered branch (default `edgeops/rendered`). */
  readonly branch?: string;
  readonly sourceRepo?: GitRepository;
  /** Most acknowledged devices in one delivered commit (default 1000). */
  readonly batchSize?: number;
  /** Longest an acknowledgement waits for its commit (default 10 s). */
  readonly batchMs?: number;
  /** Requests handed to the client at once (default 64; the client bounds what is really in flight). */
  readonly parallel?: number;
  readonly now?: () => Date;
}

export function iotHubSink(options: IotHubSinkOptions): Sink {
  const { client, rendered } = options;
  const branch = options.branch ?? RENDERED_BRANCH;
  const delivered = deliveredBranch(client.hostName);
  const batchSize = Math.max(1, options.batchSize ?? 1000);
  const batchMs = options.batchMs ?? 10_000;
  const parallel = Math.max(1, Math.min(options.parallel ?? 64, batchSize));
  const now = options.now ?? (() => new Date());
  return {
    kind: 'iothub',
    target: client.hostName,
    async received() {
      return readReceived(rendered.repo, await readRenderedTree(rendered.repo, await rendered.tip(delivered)));
    },
    async apply(desired, source, hooks) {
      const render = await commitOnBranch(rendered, branch, desired, source, options);
      if (render.skipped) return render;

      let base: RenderedTree = await readRenderedTree(rendered.repo, await rendered.tip(delivered));
      const { changes } = await diffRendered(rendered.repo, base, desired);
      const total = changeCount(changes);
      const failed: DeviceFailure[] = [];
      if (total === 0) return { changes, failed, commit: render.commit, delivered: base.commit ?? undefined };
      await rendered.prepare();
      await writeManifestBlobs(rendered.repo, changes, desired);

      // Acknowledged, not yet committed: removals go with the first batch.
      let pending: EntryChange[] = entryChanges({ add: [], update: [], remove: changes.remove });
      let pendingSince = Date.now();
      let inFlight = 0;
      let committing = 0;
      let done = changes.remove.length;
      let chain: Promise<void> = Promise.resolve();

      const commitBatch = async (batch: EntryChange[]) => {
        committing = batch.length;
        const sent = batch.filter((e) => e.blob !== null).length;
        const message = renderedMessage(source.commit, sent, batch.length - sent);
        for (let attempt = 0; ; attempt++) {
          const next = await commitRenderedTree(rendered.repo, base, batch, { message, date: now() });
          if (await rendered.publish(delivered, base.commit, next.commit)) {
            base = next;
            committing = 0;
            return;
          }
          // Someone else moved the branch (another apply on this hub): our entries on top of theirs.
          if (attempt >= (options.retries ?? 8)) throw new SinkError(`${rendered.target}: ${delivered} kept moving while we delivered`);
          base = await readRenderedTree(rendered.repo, await rendered.tip(delivered));
        }
      };
      /** Commits what is pending; batches are committed one at a time, in order. */
      const flush = (): Promise<void> => {
        chain = chain.then(async () => {
          if (pending.length === 0) return;
          const batch = pending;
          pending = [];
          await commitBatch(batch);
        });
        return chain;
      };

      // Sent shard by shard: a batch then rewrites one or two shard trees, not all 256
      // (at a million devices a shard tree is ~200 KB; a batch spread over every shard
      // would write ~50 MB of trees).
      const sends: DesiredDevice[] = [...changes.add, ...changes.update]
        .map((d) => ({ d, shard: fastShardOf(d.deviceId) }))
        .sort((x, y) => (x.shard < y.shard ? -1 : x.shard > y.shard ? 1 : x.d.deviceId < y.d.deviceId ? -1 : 1))
        .map((x) => x.d);
      const contents = new Map([...desired.manifests].map(([id, m]) => [id, m.manifest.modulesContent]));
      let next = 0;
      hooks?.onProgress?.(done, total);
      const worker = async () => {
        for (;;) {
          // Never more acknowledged-but-uncommitted devices than a batch, counting those in flight
          // and those being committed: a crash then re-sends at most one batch.
          const uncommitted = pending.length + committing;
          if ((uncommitted > 0 && uncommitted + inFlight >= batchSize) || (pending.length > 0 && Date.now() - pendingSince >= batchMs)) {
            await flush();
            continue;
          }
          if (next >= sends.length) return;
          const device = sends[next++];
          inFlight++;
          const result = await client.applyConfigurationContent(device.deviceId, contents.get(device.deployment)!);
          inFlight--;
          if (result.ok) {
            if (pending.length === 0) pendingSince = Date.now();
            pending.push({ deviceId: device.deviceId, blob: device.key });
          } else failed.push({ deviceId: device.deviceId, error: result.error });
          hooks?.onProgress?.(++done, total);
        }
      };
      // A batch also closes on age while every worker waits on a slow hub.
      const timer = setInterval(
        () => {
          if (pending.length > 0 && Date.now() - pendingSince >= batchMs) void flush().catch(() => undefined);
        },
        Math.min(1000, batchMs),
      );
      try {
        await Promise.all(Array.from({ length: Math.min(parallel, Math.max(1, sends.length)) }, worker));
        await flush();
      } finally {
        clearInterval(timer);
      }
      failed.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
      return { changes, failed, commit: render.commit, delivered: base.commit ?? undefined };
    },
  };
}
