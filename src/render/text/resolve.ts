/** `edgeops resolve` for a person: who wins where, per deployment, in precedence order. */
import type { PlacedDiagnostic } from '../../core/diagnostics.js';
import { andMore, labelsText, listWithMore, plural } from '../../core/text.js';
import type { Resolution } from '../../core/resolve/resolve.js';
import type { Style } from '../style.js';
import { countsText, diagnosticsText } from './diagnostics.js';
import { safe } from './escape.js';
import { table } from './table.js';

const UNMANAGED_SHOWN = 10;

export function resolveText(resolution: Resolution, diagnostics: readonly PlacedDiagnostic[], style: Style, options: { devices?: boolean } = {}): string {
  const total = resolution.deviceIds.length;
  const { ties } = resolution;
  // Tied devices get nothing too, but they are not unmanaged: a tie is an error to fix.
  const unmanaged = resolution.deviceIds.filter((_, i) => resolution.winners[i] === null && !ties.has(i));
  const tied = [...ties.keys()].sort((a, b) => a - b);
  const managed = total - unmanaged.length - tied.length;
  const parts: string[] = [];
  parts.push(
    style.bold(
      `${plural(total, 'device')} · ${plural(resolution.deployments.length, 'deployment')} · ${managed} managed · ${unmanaged.length} unmanaged${tied.length ? ` · ${tied.length} tied` : ''}`,
    ),
  );
  const byPrecedence = [...resolution.deployments].sort((a, b) => a.precedence - b.precedence);
  parts.push(
    table(
      [
        { header: 'DEPLOYMENT', paint: (c) => style.cyan(c) },
        { header: 'PRIORITY', align: 'right' },
        { header: 'CREATED AT' },
        { header: 'TARGETED', align: 'right' },
        { header: 'APPLIED', align: 'right' },
        { header: 'LABELS', paint: (c) => style.dim(c) },
      ],
      byPrecedence.map((d) => [d.id, String(d.priority), d.createdAt, String(d.targeted), String(d.applied), labelsText(d.labels)]),
    ),
  );
  if (unmanaged.length > 0) {
    const shown = unmanaged.slice(0, UNMANAGED_SHOWN);
    const more = unmanaged.length > shown.length ? `, ${andMore(unmanaged.length - shown.length)}` : '';
    parts.push(style.yellow(`unmanaged (no deployment wins, nothing is pushed): ${safe(shown.join(', '))}${more}`));
  }
  if (tied.length > 0) {
    const shown = tied.slice(0, UNMANAGED_SHOWN).map((i) => `${resolution.deviceIds[i]} (${ties.get(i)!.join(' = ')})`);
    parts.push(style.red(`tied (deployments tie, nothing is pushed until one has a higher priority): ${listWithMore(shown, tied.length)}`));
  }
  if (options.devices) {
    parts.push(
      table(
        [{ header: 'DEVICE' }, { header: 'DEPLOYMENT', paint: (c) => style.cyan(c) }, { header: 'CANDIDATES', paint: (c) => style.dim(c) }],
        resolution.devices.map((d) => [d.deviceId, d.deployment ?? (d.tie ? `(tie: ${d.tie.join(', ')})` : '(unmanaged)'), d.candidates.join(', ')]),
      ),
    );
  }
  if (diagnostics.length > 0) parts.push(`${diagnosticsText(diagnostics, style)}\n\n${countsText(diagnostics)}`);
  return `${parts.join('\n\n')}\n`;
}
