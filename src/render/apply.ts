/** `apply` output: one verdict line and per-deployment counts (text), or the JSON contract. */
import type { PlacedDiagnostic } from '../core/diagnostics.js';
import { plural } from '../core/text.js';
import { diagnosticJson } from './json.js';
import type { Style } from './style.js';
import { countsText, diagnosticsText } from './text/diagnostics.js';
import { table } from './text/table.js';

/** The facts an apply reports (the use-case's result). */
export interface ApplyFacts {
  readonly valid: boolean;
  readonly diagnostics: readonly PlacedDiagnostic[];
  readonly dryRun: boolean;
  readonly source: { readonly ref: string | null; readonly commit: string | null };
  readonly sink: { readonly kind: string; readonly target: string };
  readonly pushed: number;
  readonly unchanged: number;
  readonly removed: number;
  readonly unmanaged: number;
  readonly failed: readonly { readonly deviceId: string; readonly error: string }[];
  readonly commit: string | null;
  readonly delivered?: string;
  readonly skipped?: string;
  readonly deployments: readonly { readonly id: string; readonly applied: number; readonly pushed: number; readonly failed: number }[];
}

/** Failures listed in text; the JSON has them all. */
const FAILURES_SHOWN = 20;

/** DESIGN §4 `apply --format json`, plus `valid`, `dryRun`, `deployments` and `diagnostics`. */
export function applyJson(f: ApplyFacts) {
  return {
    valid: f.valid,
    dryRun: f.dryRun,
    source: f.source,
    sink: f.sink,
    pushed: f.pushed,
    unchanged: f.unchanged,
    removed: f.removed,
    unmanaged: f.unmanaged,
    failed: f.failed,
    commit: f.commit,
    ...(f.delivered !== undefined ? { delivered: f.delivered } : {}),
    ...(f.skipped !== undefined ? { skipped: f.skipped } : {}),
    deployments: f.deployments,
    diagnostics: f.diagnostics.map(diagnosticJson),
  };
}

const sourceName = (s: ApplyFacts['source']): string =>
  s.commit === null ? 'the working tree' : s.ref && !s.commit.startsWith(s.ref) ? `${s.ref} (${s.commit.slice(0, 7)})` : s.commit.slice(0, 7);

export function applyVerdict(f: ApplyFacts, style: Style): string {
  const where = `${f.sink.kind} ${f.sink.target}`;
  if (!f.valid) return style.red(`✗ invalid repository (${countsText(f.diagnostics)}): nothing written to ${where}`);
  if (f.skipped !== undefined) return style.yellow(`– nothing written to ${where}: ${f.skipped}`);
  const counts = `${f.unchanged} unchanged, ${f.unmanaged} unmanaged`;
  if (f.dryRun) {
    return f.pushed + f.removed === 0
      ? style.green(`✓ dry run: nothing to push to ${where} (${counts})`)
      : style.cyan(`dry run: would push ${plural(f.pushed, 'device')} and remove ${f.removed} at ${where} (${counts})`);
  }
  const commit = f.commit ? `, commit ${f.commit.slice(0, 7)}` : '';
  if (f.failed.length > 0) {
    return style.red(
      `✗ ${plural(f.failed.length, 'device')} failed; ${f.pushed} pushed, ${f.removed} removed at ${where} from ${sourceName(f.source)} (${counts}${commit})`,
    );
  }
  if (f.pushed + f.removed === 0) return style.green(`✓ nothing to push: ${where} already has ${sourceName(f.source)} (${counts}${commit})`);
  return style.green(`✓ applied ${sourceName(f.source)} to ${where}: ${f.pushed} pushed, ${f.removed} removed (${counts}${commit})`);
}

export function applyText(f: ApplyFacts, style: Style): string {
  const parts: string[] = [];
  if (f.diagnostics.length > 0) parts.push(diagnosticsText(f.diagnostics, style));
  if (f.failed.length > 0) {
    const shown = f.failed.slice(0, FAILURES_SHOWN).map((x) => `  ${x.deviceId}: ${x.error}`);
    if (f.failed.length > FAILURES_SHOWN) shown.push(`  … and ${f.failed.length - FAILURES_SHOWN} more (--format json lists them all)`);
    parts.push(`Failed:\n${shown.join('\n')}`);
  }
  if (f.valid && f.deployments.length > 0) {
    const pushedHeader = f.dryRun ? 'to push' : 'pushed';
    const columns = [{ header: 'deployment' }, { header: 'devices', align: 'right' as const }, { header: pushedHeader, align: 'right' as const }];
    const withFailed = f.failed.length > 0;
    if (withFailed) columns.push({ header: 'failed', align: 'right' as const });
    parts.push(
      table(
        columns,
        f.deployments.map((d) => [d.id, String(d.applied), String(d.pushed), ...(withFailed ? [String(d.failed)] : [])]),
      ),
    );
  }
  parts.push(applyVerdict(f, style));
  return `${parts.join('\n\n')}\n`;
}
