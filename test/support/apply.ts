/** Helpers for apply tests: a fleet repository in git, the CLI in-process, and a rendered branch read back with the git CLI. */
import { execFileSync } from 'node:child_process';
import { run } from '../../src/cli/main.js';
import { deploymentYaml, fleetYaml, type DeploymentSpec, type Fleetish } from '../helpers.js';

export async function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { cwd, env, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

/** The files of a repository: deployments by id (content given as a module image to tell them apart) and one fleet file. */
export function fleetFiles(deployments: Record<string, DeploymentSpec & { image?: string }>, devices: readonly Fleetish[]): Record<string, string | null> {
  const files: Record<string, string | null> = { 'fleet/devices.yaml': fleetYaml(devices) };
  for (const [id, spec] of Object.entries(deployments)) {
    files[`deployments/${id}.yaml`] = deploymentYaml({ ...spec, content: spec.content ?? contentWithImage(spec.image ?? `${id}:1`) });
  }
  return files;
}

/** A modulesContent with one custom module running `image`. */
export const contentWithImage = (image: string): string =>
  [
    'content:',
    '  modulesContent:',
    '    $edgeAgent:',
    '      properties.desired:',
    '        schemaVersion: "1.1"',
    '        runtime: { type: docker, settings: {} }',
    '        systemModules:',
    '          edgeAgent: { type: docker, settings: { image: "mcr.microsoft.com/azureiotedge-agent:1.5" } }',
    '          edgeHub: { type: docker, status: running, restartPolicy: always, settings: { image: "mcr.microsoft.com/azureiotedge-hub:1.5" } }',
    '        modules:',
    `          app: { type: docker, status: running, restartPolicy: always, version: "1.0", settings: { image: "${image}", createOptions: { HostConfig: { Privileged: false } } } }`,
    '    $edgeHub:',
    '      properties.desired: { schemaVersion: "1.1", routes: {}, storeAndForwardConfiguration: { timeToLiveSecs: 7200 } }',
    '',
  ].join('\n');

const gitCli = (gitdir: string, ...args: string[]) => execFileSync('git', ['--git-dir', gitdir, ...args], { encoding: 'utf8' }).trim();

/** `path → blob id` of a branch's tree, read with the git CLI. */
export function treeOf(gitdir: string, ref: string): Map<string, string> {
  const out = gitCli(gitdir, 'ls-tree', '-r', ref);
  return new Map(out ? out.split('\n').map((l) => [l.split('\t')[1], l.split(/\s+/)[2]]) : []);
}

/** `name → tree id` of the shard folders. */
export function shardsOf(gitdir: string, ref: string): Map<string, string> {
  const out = gitCli(gitdir, 'ls-tree', `${ref}:devices`);
  return new Map(out ? out.split('\n').map((l) => [l.split('\t')[1], l.split(/\s+/)[2]]) : []);
}

export const showBlob = (gitdir: string, ref: string, file: string): string => gitCli(gitdir, 'show', `${ref}:${file}`);
export const commitsOf = (gitdir: string, ref: string): string[] => gitCli(gitdir, 'log', '--format=%H', ref).split('\n');
export const messageOf = (gitdir: string, ref: string): string => gitCli(gitdir, 'log', '-1', '--format=%B', ref);
export const tipOf = (gitdir: string, ref: string): string => gitCli(gitdir, 'rev-parse', ref);

/** N devices `d000`… with the given tags. */
export const devicesWith = (n: number, tags: (i: number) => Record<string, unknown>): Fleetish[] =>
  Array.from({ length: n }, (_, i) => ({ deviceId: `d${String(i).padStart(3, '0')}`, tags: tags(i) }));
