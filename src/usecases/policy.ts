/**
 * Reads `.github/edgeops.yml`: YAML, the JSON Schema of `schemas/policy.schema.json`,
 * then the policy's own checks (its protected conditions). Shared by `validate`,
 * which checks the file as it is, and `plan`, which reads it at the base commit.
 */
import type { Diagnostic, PlacedDiagnostic } from '../core/diagnostics.js';
import { parsePolicy, POLICY_FILE, type Policy } from '../core/plan/policy.js';
import { checkPolicySchema } from '../io/schema.js';
import type { Source } from '../io/source.js';
import { readYaml } from '../io/yaml.js';

export interface LoadedPolicy {
  /** False when the source has no settings file. */
  readonly present: boolean;
  /** Missing when the file has no `policy:` section or the section could not be read. */
  readonly policy?: Policy;
  /** One diagnostic per mistake: a shape problem is said by the schema, not again by the policy's reader. */
  readonly diagnostics: readonly PlacedDiagnostic[];
}

export async function loadPolicy(source: Source): Promise<LoadedPolicy> {
  const bytes = await source.readFile(POLICY_FILE);
  if (!bytes) return { present: false, diagnostics: [] };
  const file = readYaml(POLICY_FILE, bytes);
  const readable = file.value !== undefined;
  const schema = readable ? checkPolicySchema(POLICY_FILE, file.value) : [];
  const parsed = readable ? parsePolicy(POLICY_FILE, file.value) : { diagnostics: [] };
  const own = schema.length > 0 ? parsed.diagnostics.filter((d) => d.code !== 'policy/invalid') : parsed.diagnostics;
  const diagnostics = [...file.diagnostics, ...[...schema, ...own].map((d) => file.place(quotedNumber(d)))];
  const broken = diagnostics.some((d) => d.severity === 'error');
  return { present: true, policy: broken ? undefined : parsed.policy, diagnostics };
}

/** `maxChangedDevices: "2"`: the fix is to drop the quotes. */
function quotedNumber(d: Diagnostic): Diagnostic {
  return /must be (integer|number) \(found '-?\d+(\.\d+)?'\)$/.test(d.message) ? { ...d, message: `${d.message}: write the number without quotes` } : d;
}
