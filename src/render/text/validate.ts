import type { PlacedDiagnostic } from '../../core/diagnostics.js';
import type { Style } from '../style.js';
import { plural } from '../../core/text.js';
import { countsText, diagnosticsText } from './diagnostics.js';

export interface ValidateFacts {
  readonly valid: boolean;
  readonly diagnostics: readonly PlacedDiagnostic[];
  readonly deployments: number;
  readonly devices: number;
  readonly files: number;
}

export function validateText(facts: ValidateFacts, style: Style): string {
  const scope = `${plural(facts.deployments, 'deployment')}, ${plural(facts.devices, 'device')} in ${plural(facts.files, 'file')}`;
  const verdict = facts.valid
    ? style.green(`✓ valid: ${scope}${facts.diagnostics.length ? ` (${countsText(facts.diagnostics)})` : ''}`)
    : style.red(`✗ invalid: ${countsText(facts.diagnostics)} (${scope})`);
  return facts.diagnostics.length ? `${diagnosticsText(facts.diagnostics, style)}\n\n${verdict}\n` : `${verdict}\n`;
}
