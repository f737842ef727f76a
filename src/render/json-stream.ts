/**
 * `resolve --format json` for fleets of any size: the same document as
 * `resolveJson`, written in pieces (one device per line) instead of as one string,
 * which for a million devices would not fit in a JavaScript string.
 */
import type { PlacedDiagnostic } from '../core/diagnostics.js';
import type { Resolution } from '../core/resolve/resolve.js';
import { diagnosticJson } from './json.js';

const CHUNK_DEVICES = 4096;

export async function writeResolveJson(
  resolution: Resolution,
  diagnostics: readonly PlacedDiagnostic[],
  write: (text: string) => Promise<void> | void,
): Promise<void> {
  const { deviceIds, winners } = resolution;
  await write('{\n  "devices": [');
  for (let start = 0; start < deviceIds.length; start += CHUNK_DEVICES) {
    const end = Math.min(deviceIds.length, start + CHUNK_DEVICES);
    const candidates = resolution.candidatesRange(start, end);
    let text = '';
    for (let i = start; i < end; i++) {
      text += `${i === 0 ? '' : ','}\n    ${JSON.stringify({ deviceId: deviceIds[i], deployment: winners[i], candidates: candidates[i - start] })}`;
    }
    await write(text);
  }
  const rest = {
    deployments: resolution.deployments.map((d) => ({ id: d.id, priority: d.priority, targeted: d.targeted, applied: d.applied, labels: { ...d.labels } })),
    diagnostics: diagnostics.map(diagnosticJson),
  };
  const tail = JSON.stringify(rest, null, 2).slice(1);
  await write(`${deviceIds.length ? '\n  ' : ''}],${tail}\n`);
}
