/**
 * `edgeops status` as JSON (streamed: a million devices do not fit in one
 * string), text (the portal's deployment list, then failing devices) and
 * Markdown (the same, for job summaries).
 */
import type { PlacedDiagnostic } from '../core/diagnostics.js';
import type { DeploymentStatus, DeviceFilter, DeviceStatus, StatusResult } from '../core/status/status.js';
import { diagnosticJson } from './json.js';
import type { Style } from './style.js';
import { countsText, diagnosticsText } from './text/diagnostics.js';
import { andMore, labelsText, plural } from '../core/text.js';
import { table } from './text/table.js';

export interface StatusView {
  readonly status: StatusResult;
  readonly diagnostics: readonly PlacedDiagnostic[];
  /** `--deployment` and `--state`: which deployments and devices are shown. */
  readonly filter?: DeviceFilter;
  /** List devices even without a filter (`--devices`). */
  readonly devices?: boolean;
}

/** Failing devices shown in text and Markdown before "…and N more". */
export const FAILING_SHOWN = 20;
const CHUNK_DEVICES = 4096;

const shownDeployments = (view: StatusView): readonly DeploymentStatus[] =>
  view.filter?.deployment === undefined ? view.status.deployments : view.status.deployments.filter((d) => d.id === view.filter!.deployment);

const listsDevices = (view: StatusView): boolean => Boolean(view.devices || view.filter?.state || view.filter?.deployment);

const byPrecedence = (deployments: readonly DeploymentStatus[]): DeploymentStatus[] =>
  [...deployments].sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

const deploymentJson = (d: DeploymentStatus) => ({
  id: d.id,
  labels: { ...d.labels },
  priority: d.priority,
  targeted: d.targeted,
  applied: d.applied,
  reportingSuccess: d.reportingSuccess,
  reportingFailure: d.reportingFailure,
  pending: d.pending,
});

/** `status --format json`: `{ version, deployments, devices? , unknownDevices, reports, diagnostics }`, written in pieces. */
export async function writeStatusJson(view: StatusView, write: (text: string) => Promise<void> | void): Promise<void> {
  const head = { version: 1, deployments: shownDeployments(view).map(deploymentJson) };
  await write(JSON.stringify(head, null, 2).slice(0, -2));
  if (listsDevices(view)) {
    await write(',\n  "devices": [');
    let text = '';
    let n = 0;
    for (const d of view.status.devices(view.filter)) {
      text += `${n++ === 0 ? '' : ','}\n    ${JSON.stringify(d)}`;
      if (n % CHUNK_DEVICES === 0) {
        await write(text);
        text = '';
      }
    }
    await write(`${text}${n ? '\n  ' : ''}]`);
  }
  const tail = { reports: view.status.reports, unknownDevices: view.status.unknownDevices, diagnostics: view.diagnostics.map(diagnosticJson) };
  await write(`,${JSON.stringify(tail, null, 2).slice(1)}\n`);
}

function take<T>(items: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  if (n <= 0) return out;
  for (const item of items) {
    out.push(item);
    if (out.length >= n) break;
  }
  return out;
}

/** The failing devices of the deployments shown: the first few, and how many in all. */
function failing(view: StatusView, shown: number): { devices: DeviceStatus[]; total: number } {
  const filter: DeviceFilter = { deployment: view.filter?.deployment, state: 'failure' };
  return { devices: take(view.status.devices(filter), shown), total: view.status.countDevices(filter) };
}

const summaryLine = (view: StatusView): string => {
  const { status } = view;
  const unknown = status.unknownDevices ? ` · ${plural(status.unknownDevices, 'device')} not in the fleet` : '';
  return `${plural(status.reports, 'report')} read${unknown}`;
};

export function statusText(view: StatusView, style: Style): string {
  const parts: string[] = [];
  const deployments = byPrecedence(shownDeployments(view));
  parts.push(
    table(
      [
        { header: 'DEPLOYMENT', paint: (c) => style.cyan(c) },
        { header: 'PRIORITY', align: 'right' },
        { header: 'TARGETED', align: 'right' },
        { header: 'APPLIED', align: 'right' },
        { header: 'SUCCESS', align: 'right', paint: (c) => (c.trim() === '0' ? c : style.green(c)) },
        { header: 'FAILURE', align: 'right', paint: (c) => (c.trim() === '0' ? c : style.red(c)) },
        { header: 'PENDING', align: 'right', paint: (c) => (c.trim() === '0' ? c : style.yellow(c)) },
        { header: 'LABELS', paint: (c) => style.dim(c) },
      ],
      deployments.map((d) => [
        d.id,
        String(d.priority),
        String(d.targeted),
        String(d.applied),
        String(d.reportingSuccess),
        String(d.reportingFailure),
        String(d.pending),
        labelsText(d.labels),
      ]),
    ),
  );
  parts.push(style.dim(summaryLine(view)));
  if (listsDevices(view)) {
    const rows = [...view.status.devices(view.filter)].map((d) => [d.deviceId, d.deployment ?? '(unmanaged)', d.state, d.reason]);
    parts.push(
      rows.length
        ? table([{ header: 'DEVICE' }, { header: 'DEPLOYMENT', paint: (c) => style.cyan(c) }, { header: 'STATE' }, { header: 'REASON' }], rows)
        : 'no device matches',
    );
  } else {
    const { devices, total } = failing(view, FAILING_SHOWN);
    if (total > 0) {
      const rows = devices.map((d) => [d.deviceId, d.deployment ?? '', d.reason]);
      const more = total > devices.length ? `\n${andMore(total - devices.length)} (--state failure --devices lists them all)` : '';
      parts.push(
        `${style.red(`failing devices (${total}):`)}\n${table([{ header: 'DEVICE' }, { header: 'DEPLOYMENT', paint: (c) => style.cyan(c) }, { header: 'REASON' }], rows)}${more}`,
      );
    }
  }
  if (view.diagnostics.length > 0) parts.push(`${diagnosticsText(view.diagnostics, style)}\n\n${countsText(view.diagnostics)}`);
  return `${parts.join('\n\n')}\n`;
}

/** A table cell: no pipes or line breaks, not too long. */
const cell = (text: string, max = 200): string => {
  const flat = text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** Markdown for a job summary (the Action's `command: status`): pure. */
export function statusMarkdown(view: StatusView, options: { title?: string } = {}): string {
  const lines: string[] = [`### ${options.title ?? 'edgeops status'}`, ''];
  lines.push('| Deployment | Priority | Labels | Targeted | Applied | Success | Failure | Pending |', '|---|--:|---|--:|--:|--:|--:|--:|');
  for (const d of byPrecedence(shownDeployments(view))) {
    const labels = labelsText(d.labels);
    lines.push(
      `| \`${d.id}\` | ${d.priority} | ${labels ? cell(labels) : ''} | ${d.targeted} | ${d.applied} | ${d.reportingSuccess} | ${d.reportingFailure} | ${d.pending} |`,
    );
  }
  lines.push('', summaryLine(view));
  const { devices, total } = failing(view, FAILING_SHOWN);
  if (total > 0) {
    lines.push('', `<details><summary>${plural(total, 'failing device')}</summary>`, '', '| Device | Deployment | Reason |', '|---|---|---|');
    for (const d of devices) lines.push(`| \`${cell(d.deviceId)}\` | \`${d.deployment ?? ''}\` | ${cell(d.reason)} |`);
    if (total > devices.length) lines.push('', `${andMore(total - devices.length)} (\`edgeops status --state failure --devices\` lists them all)`);
    lines.push('', '</details>');
  }
  if (view.diagnostics.length > 0) lines.push('', `${countsText(view.diagnostics)}: \`edgeops status\` shows them`);
  return `${lines.join('\n')}\n`;
}
