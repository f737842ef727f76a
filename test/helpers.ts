import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { contentYaml } from './support/fleet-generator.js';
import { loadRepository, type LoadedRepository } from '../src/usecases/load.js';
import { memorySource } from '../src/io/source.js';

/** The smallest valid modulesContent, as YAML lines indented for `content:`. */
export const MINIMAL_CONTENT = contentYaml(' {}');

export interface DeploymentSpec {
  priority?: number;
  createdAt?: string;
  targetCondition?: string;
  labels?: Record<string, string>;
  content?: string;
}

/** A deployment file; the condition is written as a YAML single-quoted scalar. */
export function deploymentYaml(spec: DeploymentSpec): string {
  const lines = [`priority: ${spec.priority ?? 10}`, `createdAt: ${spec.createdAt ?? '2026-01-01T00:00:00Z'}`];
  if (spec.targetCondition !== undefined) lines.push(`targetCondition: '${spec.targetCondition.replace(/'/g, "''")}'`);
  if (spec.labels) lines.push(`labels: ${JSON.stringify(spec.labels)}`);
  return `${lines.join('\n')}\n${spec.content ?? MINIMAL_CONTENT}`;
}

export interface Fleetish {
  deviceId: string;
  tags?: Record<string, unknown>;
}

/** A fleet file as JSON, which is YAML. */
export const fleetYaml = (devices: readonly Fleetish[]): string => JSON.stringify({ devices }, null, 1);

export function load(files: Record<string, string | Uint8Array>): Promise<LoadedRepository> {
  return loadRepository(memorySource(files));
}

/** Loads deployments (by id) over a fleet. */
export function loadFleet(deployments: Record<string, DeploymentSpec>, devices: readonly Fleetish[]): Promise<LoadedRepository> {
  const files: Record<string, string> = { 'fleet/devices.yaml': fleetYaml(devices) };
  for (const [id, spec] of Object.entries(deployments)) files[`deployments/${id}.yaml`] = deploymentYaml(spec);
  return load(files);
}

export const winners = (loaded: LoadedRepository): Record<string, string | null> =>
  Object.fromEntries(loaded.analysis.resolution.devices.map((d) => [d.deviceId, d.deployment]));

export const codes = (loaded: LoadedRepository): string[] => loaded.diagnostics.map((d) => d.code);

/** A folder in the temp dir with these files (paths relative to it). */
export async function tempRepo(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'edgeops-cli-'));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}
