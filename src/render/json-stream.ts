/**
 * `resolve --format json|ndjson` for fleets of any size: the document of
 * `resolveJson` written in pieces (one device per line), never held whole: for a
 * million devices it would not fit in a JavaScript string. Winners only by
 * default; each distinct candidates list is turned into JSON once.
 */
import type { PlacedDiagnostic } from '../core/diagnostics.js';
import type { Resolution } from '../core/resolve/resolve.js';
import { deploymentJson, diagnosticJson, RESOLVE_JSON_VERSION, type ResolveJsonOptions } from './json.js';

const CHUNK_DEVICES = 4096;

export type Write = (text: string) => Promise<void> | void;

/** Writes devices `{ deviceId, deployment[, tie][, candidates] }`, one per line, each line prefixed. */
async function writeDevices(resolution: Resolution, options: ResolveJsonOptions, write: Write, separator: (i: number) => string): Promise<void> {
  const { deviceIds, winners, ties } = resolution;
  // Deployment ids and candidate lists recur on many devices: their JSON is made once.
  const winnerJson = new Map<string | null, string>([[null, 'null']]);
  for (const d of resolution.deployments) winnerJson.set(d.id, JSON.stringify(d.id));
  const listJson = new Map<readonly string[], string>();
  const listText = (list: readonly string[]): string => {
    let text = listJson.get(list);
    if (text === undefined) listJson.set(list, (text = JSON.stringify(list)));
    return text;
  };
  for (let start = 0; start < deviceIds.length; start += CHUNK_DEVICES) {
    const end = Math.min(deviceIds.length, start + CHUNK_DEVICES);
    const candidates = options.candidates ? resolution.candidatesRange(start, end) : undefined;
    let text = '';
    for (let i = start; i < end; i++) {
      const tie = ties.size === 0 ? undefined : ties.get(i);
      text += `${separator(i)}{"deviceId":${JSON.stringify(deviceIds[i])},"deployment":${tie ? 'null' : winnerJson.get(winners[i])}`;
      if (tie) text += `,"tie":${listText(tie)}`;
      if (candidates) text += `,"candidates":${listText(candidates[i - start])}`;
      text += '}';
    }
    await write(text);
  }
}

/** The `resolve --format json` document, streamed. */
export async function writeResolveJson(
  resolution: Resolution,
  diagnostics: readonly PlacedDiagnostic[],
  write: Write,
  options: ResolveJsonOptions = {},
): Promise<void> {
  await write(`{\n  "version": ${RESOLVE_JSON_VERSION},\n  "devices": [`);
  await writeDevices(resolution, options, write, (i) => (i === 0 ? '\n    ' : ',\n    '));
  const rest = { deployments: resolution.deployments.map(deploymentJson), diagnostics: diagnostics.map(diagnosticJson) };
  const tail = JSON.stringify(rest, null, 2).slice(1);
  await write(`${resolution.deviceIds.length ? '\n  ' : ''}],${tail}\n`);
}

/** `resolve --format ndjson`: one device per line, nothing else. */
export async function writeResolveNdjson(resolution: Resolution, write: Write, options: ResolveJsonOptions = {}): Promise<void> {
  await writeDevices(resolution, options, write, (i) => (i === 0 ? '' : '\n'));
  if (resolution.deviceIds.length > 0) await write('\n');
}
