/**
 * The reference resolver: every device against every compiled condition, one by
 * one. Obviously correct and slow; the indexed resolver is tested against it.
 */
import { compileCondition, TRUE, type CompiledCondition } from '../condition/index.js';
import { comparePrecedence, isTie, type Device } from '../model.js';
import { byString } from '../collections.js';
import { finish, SAMPLE, type Overlap, type Resolution, type Target } from './resolution.js';

export function resolveFleetReference(targets: readonly Target[], devices: readonly Device[]): Resolution {
  const ordered = [...targets].sort((a, b) => comparePrecedence(a.deployment, b.deployment));
  const compiled: (CompiledCondition | undefined)[] = ordered.map((t) => (t.expr ? compileCondition(t.expr) : undefined));
  const targeted = new Array<number>(ordered.length).fill(0);
  const applied = new Array<number>(ordered.length).fill(0);
  const overlaps = new Map<string, Overlap>();
  const note = (a: number, b: number, tie: boolean, deviceId: string, position: number) => {
    const key = `${a}:${b}`;
    const o = overlaps.get(key) ?? { a, b, tie, count: 0, devices: [], first: position };
    o.count++;
    if (o.devices.length < SAMPLE) o.devices.push(deviceId);
    overlaps.set(key, o);
  };
  const sorted = [...devices].sort((x, y) => byString(x.deviceId, y.deviceId));
  const candidates: string[][] = [];
  const ties = new Map<number, readonly string[]>();
  const winners: (string | null)[] = sorted.map((device, position) => {
    const matching: number[] = [];
    for (let i = 0; i < compiled.length; i++) {
      const condition = compiled[i];
      if (condition && condition(device) === TRUE) {
        matching.push(i);
        targeted[i]++;
      }
    }
    candidates.push(matching.map((i) => ordered[i].deployment.id));
    if (matching.length === 0) return null;
    const [first, second] = matching;
    const samePriority = second !== undefined && ordered[first].deployment.priority === ordered[second].deployment.priority;
    if (samePriority) note(first, second, isTie(ordered[first].deployment, ordered[second].deployment), device.deviceId, position);
    if (samePriority && isTie(ordered[first].deployment, ordered[second].deployment)) {
      const tie = matching.filter((i) => isTie(ordered[first].deployment, ordered[i].deployment));
      ties.set(
        position,
        tie.map((i) => ordered[i].deployment.id),
      );
      return null;
    }
    applied[first]++;
    return ordered[first].deployment.id;
  });
  return finish({
    ordered,
    deviceIds: sorted.map((d) => d.deviceId),
    winners,
    ties,
    candidatesOf: (i) => candidates[i],
    targeted,
    applied,
    overlaps: [...overlaps.values()],
  });
}
