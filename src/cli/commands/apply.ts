import fs from 'node:fs';
import path from 'node:path';
import http from 'isomorphic-git/http/node';
import { apply } from '../../usecases/apply.js';
import { DEPLOYMENTS_FOLDER, FLEET_FOLDER } from '../../usecases/load.js';
import { openCheckout } from '../../io/checkout.js';
import { flushKeptColumns } from '../../io/edgeops-folder.js';
import type { GitRepository } from '../../io/git.js';
import { createIotHubClient, IotHubError } from '../../io/iothub/client.js';
import { ConnectionStringError } from '../../io/iothub/connection.js';
import { dirSink } from '../../io/sinks/dir.js';
import { iotHubSink } from '../../io/sinks/iothub.js';
import { DEFAULT_RENDERED, gitSink, isUrl, openRenderedTarget, RENDERED_BRANCH, type RenderedRepository } from '../../io/sinks/git.js';
import { SinkError, type ApplySource, type Sink } from '../../io/sinks/sink.js';
import { cleanHead } from '../../io/sinks/source-history.js';
import { applyJson, applyText } from '../../render/apply.js';
import { stringify } from '../../render/json.js';
import { checkFormat, COMMON_OPTIONS, parse } from '../args.js';
import { EXIT_INVALID, EXIT_OK, styleFor, UsageError, type CliContext } from '../context.js';
import { openSource } from '../source.js';

export const applyHelp = `Usage: edgeops apply [--repo DIR] [--ref REF] [--sink git|dir|iothub] [--to TARGET] [--branch NAME]
                     [--rendered DIR|URL] [--concurrency N] [--timeout MS] [--dry-run] [--format text|json]

Validates, resolves, renders each winning deployment's manifest once, and writes
to the sink only the devices whose manifest differs from what it last received.
An unmanaged device is left as it was; a device removed from the fleet loses its
entry. An invalid repository writes nothing. Exit code 1 when the repository is
invalid or any device failed.

  --repo DIR       the repository (default: .)
  --ref REF        apply a git commit instead of the files on disk
  --sink SINK      git (default): a commit on a branch of the rendered repository;
                   dir: the same layout in a folder;
                   iothub: Azure IoT Hub (applyConfigurationContent per device)
  --to TARGET      git: a folder or an https URL (default: ${DEFAULT_RENDERED});
                   dir: a folder (required). Relative to --repo.
                   iothub: the connection string (prefer EDGEOPS_IOTHUB_CONNECTION_STRING:
                   a command line shows in process lists)
  --branch NAME    the rendered branch (default: ${RENDERED_BRANCH})
  --rendered DIR|URL  iothub: the rendered repository (default: ${DEFAULT_RENDERED}); what
                   the hub acknowledged is kept there on edgeops/delivered/<HostName>
  --concurrency N  iothub: requests in flight at most (default 16)
  --timeout MS     iothub: per request (default 30000)
  --dry-run        compute and print what would be written; write nothing
  --format FORMAT  text (default) or json

A remote is fetched and pushed with EDGEOPS_GIT_TOKEN (or GITHUB_TOKEN) as the
password of x-access-token. EDGEOPS_IOTHUB_ENDPOINT overrides the hub's base URL
(an emulator). Secrets are never printed. A rendering made from a newer commit
is never replaced: apply then writes nothing and says so (exit 0).

An apply that wrote keeps the fleet files it read, by git blob id, in
.edgeops/cache/ (every command reads them there; EDGEOPS_CACHE=off reads none),
and each rendered commit's state beside it: the next apply reads less.
`;

/** Replaces every secret in a text (error messages from libraries may quote a URL). */
const redact = (text: string, secrets: readonly (string | undefined)[]): string =>
  secrets.reduce<string>((t, s) => (s && s.length >= 4 ? t.split(s).join('***') : t), text);

function progressLine(ctx: CliContext, enabled: boolean, now: () => number = Date.now) {
  if (!enabled) return { onProgress: undefined, end: () => undefined };
  const start = now();
  let last = 0;
  let shown = false;
  return {
    onProgress(done: number, total: number) {
      const t = now();
      if (done < total && t - last < 200) return;
      last = t;
      const rate = done / Math.max(0.001, (t - start) / 1000);
      const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
      ctx.stderr.write(`\r\x1b[K${done}/${total} devices, ${Math.round(rate)}/s, ETA ${eta}s`);
      shown = true;
    },
    end() {
      if (shown) ctx.stderr.write('\r\x1b[K');
    },
  };
}

function positive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number (got '${value}')`);
  return n;
}

async function sourceInfo(repo: GitRepository, ref: string | undefined, commit: string | undefined): Promise<ApplySource> {
  if (ref !== undefined) return { ref, commit: commit ?? null };
  const head = await cleanHead(repo, [DEPLOYMENTS_FOLDER, FLEET_FOLDER]);
  if (head === null) return { ref: null, commit: null };
  const { default: git } = await import('isomorphic-git');
  const branch = await git.currentBranch({ fs: repo.fs, dir: repo.dir, gitdir: repo.gitdir }).catch(() => undefined);
  return { ref: branch ?? 'HEAD', commit: head };
}

export async function applyCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, {
    ...COMMON_OPTIONS,
    sink: { type: 'string', default: 'git' },
    to: { type: 'string' },
    branch: { type: 'string', default: RENDERED_BRANCH },
    rendered: { type: 'string' },
    concurrency: { type: 'string' },
    timeout: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  });
  if (values.help) {
    ctx.stdout.write(applyHelp);
    return EXIT_OK;
  }
  const format = checkFormat(values.format, ['text', 'json']);
  const repoDir = path.resolve(ctx.cwd, values.repo);
  const token = ctx.env.EDGEOPS_GIT_TOKEN || ctx.env.GITHUB_TOKEN || undefined;
  const secrets: (string | undefined)[] = [token];

  const openRendered = (to: string): RenderedRepository => openRenderedTarget({ fs, http, to, baseDir: repoDir, token });
  const sourceRepo = openCheckout(repoDir);
  if (values.sink !== 'iothub') {
    for (const flag of ['rendered', 'concurrency', 'timeout'] as const) if (values[flag] !== undefined) throw new UsageError(`--${flag} is for --sink iothub`);
  }
  let sink: Sink;
  if (values.sink === 'git') {
    sink = gitSink({ rendered: openRendered(values.to ?? DEFAULT_RENDERED), branch: values.branch, sourceRepo });
  } else if (values.sink === 'dir') {
    if (values.to === undefined) throw new UsageError('--sink dir needs --to DIR');
    if (isUrl(values.to)) throw new UsageError('--sink dir writes to a folder, not a URL');
    sink = dirSink({ dir: path.resolve(repoDir, values.to), target: values.to });
  } else if (values.sink === 'iothub') {
    const connectionString = values.to ?? ctx.env.EDGEOPS_IOTHUB_CONNECTION_STRING;
    if (!connectionString) throw new UsageError('--sink iothub needs a connection string: set EDGEOPS_IOTHUB_CONNECTION_STRING (or give --to)');
    // The string and its key; the host name is no secret (it names the target).
    secrets.push(connectionString, /sharedaccesskey=([^;]+)/i.exec(connectionString)?.[1]);
    let client;
    try {
      client = createIotHubClient({
        connectionString,
        endpoint: ctx.env.EDGEOPS_IOTHUB_ENDPOINT || undefined,
        concurrency: positive(values.concurrency, '--concurrency'),
        timeoutMs: positive(values.timeout, '--timeout'),
      });
    } catch (e) {
      if (e instanceof ConnectionStringError || e instanceof IotHubError) throw new UsageError(redact(e.message, secrets));
      throw e;
    }
    sink = iotHubSink({ client, rendered: openRendered(values.rendered ?? DEFAULT_RENDERED), branch: values.branch, sourceRepo });
  } else throw new UsageError(`--sink must be git, dir or iothub (got '${values.sink}')`);

  const source = await openSource(ctx, values.repo, values.ref);
  // Which commit the files on disk are is worked out while they load (its reads overlap the load's work).
  const info = sourceInfo(sourceRepo, values.ref, (source as { commit?: string }).commit);
  const progress = progressLine(ctx, format !== 'json' && Boolean((ctx.stderr as { isTTY?: boolean }).isTTY));
  let result;
  try {
    result = await apply(source, sink, { dryRun: values['dry-run'], sourceInfo: info, onProgress: progress.onProgress });
  } catch (e) {
    progress.end();
    if (e instanceof SinkError) {
      ctx.stderr.write(`edgeops apply: ${redact(e.message, secrets)}\n`);
      return EXIT_INVALID;
    }
    throw new Error(redact(String((e as Error).stack ?? e), secrets));
  }
  progress.end();
  // The fleet's columns are kept for the next run once an apply has written (see openSource).
  if (result.valid && !result.dryRun) await flushKeptColumns(repoDir, source.columns);
  ctx.stdout.write(redact(format === 'json' ? stringify(applyJson(result)) : applyText(result, styleFor(ctx)), secrets));
  return result.valid && result.ok ? EXIT_OK : EXIT_INVALID;
}
