/**
 * Blast-radius policy from `.github/edgeops.yml`, read at the BASE commit so a
 * pull request cannot loosen its own policy:
 *
 *   policy:
 *     maxChangedDevices: 500
 *     maxChangedPercent: 5
 *     approvalLabel: edgeops/approve-blast-radius   # the default
 *     protected:
 *       - tags.environment = 'prod' AND tags.ring = 0
 *
 * A violation is an error unless the pull request carries the approval label,
 * when it stays as a warning that says who let it through.
 */
import type { Analysis } from '../analysis/analyze.js';
import { compileCondition, conditionDiagnostic, parseCondition, TRUE, type CompiledCondition } from '../condition/index.js';
import { error, type Diagnostic } from '../diagnostics.js';
import type { Plan } from './plan.js';
import { isMapping } from '../collections.js';

export const POLICY_FILE = '.github/edgeops.yml';
export const DEFAULT_APPROVAL_LABEL = 'edgeops/approve-blast-radius';
export const POLICY_KEYS: readonly string[] = ['maxChangedDevices', 'maxChangedPercent', 'approvalLabel', 'protected'];

export interface Policy {
  readonly maxChangedDevices?: number;
  readonly maxChangedPercent?: number;
  readonly approvalLabel: string;
  readonly protected: readonly { readonly condition: string; readonly compiled: CompiledCondition }[];
}

export interface PolicyFinding {
  readonly rule: 'maxChangedDevices' | 'maxChangedPercent' | 'protected';
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** Up to 50 of the devices concerned. */
  readonly devices: readonly string[];
}

export interface PolicyReport {
  readonly approvalLabel: string;
  readonly approved: boolean;
  readonly findings: readonly PolicyFinding[];
}

/** Reads the `policy:` section of the settings file (`null` for an empty or absent file). */
export function parsePolicy(file: string, value: unknown): { policy?: Policy; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  if (value === null || value === undefined) return { diagnostics };
  if (!isMapping(value)) return { diagnostics: [error('policy/invalid', `${POLICY_FILE} must be a mapping`, { file })] };
  const section = value.policy;
  if (section === undefined || section === null) return { diagnostics };
  if (!isMapping(section)) return { diagnostics: [error('policy/invalid', 'policy: must be a mapping', { file, path: ['policy'] })] };
  const number = (key: string, max: number): number | undefined => {
    const v = section[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) {
      diagnostics.push(error('policy/invalid', `${key}: must be a number from 0 to ${max}`, { file, path: ['policy', key] }));
      return undefined;
    }
    return v;
  };
  for (const key of Object.keys(section)) {
    if (!POLICY_KEYS.includes(key)) {
      diagnostics.push(
        error('policy/invalid', `unknown key '${key}' in policy: (allowed: ${POLICY_KEYS.join(', ')})`, { file, path: ['policy', key], key: true }),
      );
    }
  }
  const approvalLabel = typeof section.approvalLabel === 'string' && section.approvalLabel !== '' ? section.approvalLabel : DEFAULT_APPROVAL_LABEL;
  const protectedList: { condition: string; compiled: CompiledCondition }[] = [];
  const list = section.protected ?? [];
  if (!Array.isArray(list)) {
    diagnostics.push(error('policy/invalid', 'protected: must be a list of target conditions', { file, path: ['policy', 'protected'] }));
  } else {
    list.forEach((condition, i) => {
      if (typeof condition !== 'string') {
        diagnostics.push(error('policy/invalid', 'a protected entry is a target condition string', { file, path: ['policy', 'protected', i] }));
        return;
      }
      const parsed = parseCondition(condition);
      for (const p of parsed.problems) diagnostics.push(conditionDiagnostic(p, file, ['policy', 'protected', i]));
      if (parsed.expr) protectedList.push({ condition, compiled: compileCondition(parsed.expr) });
    });
  }
  return {
    policy: {
      maxChangedDevices: number('maxChangedDevices', Number.MAX_SAFE_INTEGER),
      maxChangedPercent: number('maxChangedPercent', 100),
      approvalLabel,
      protected: protectedList,
    },
    diagnostics,
  };
}

const SHOWN = 50;

/** Checks a plan against the policy; `labels` are the pull request's labels. */
export function checkPolicy(policy: Policy, plan: Plan, base: Analysis, head: Analysis, labels: readonly string[]): PolicyReport {
  const approved = labels.includes(policy.approvalLabel);
  const findings: PolicyFinding[] = [];
  const severity = approved ? 'warning' : 'error';
  const suffix = approved ? ` (approved by the label ${policy.approvalLabel})` : `; add the label ${policy.approvalLabel} to approve`;
  const changed = plan.changes.map((c) => c.deviceId);
  const { changed: n } = plan.summary;
  if (policy.maxChangedDevices !== undefined && n > policy.maxChangedDevices) {
    findings.push({
      rule: 'maxChangedDevices',
      severity,
      message: `${n} devices change; the policy allows ${policy.maxChangedDevices}${suffix}`,
      devices: changed.slice(0, SHOWN),
    });
  }
  const fleetSize = Math.max(plan.summary.devices, base.resolution.deviceIds.length);
  const percent = fleetSize === 0 ? 0 : (100 * n) / fleetSize;
  if (policy.maxChangedPercent !== undefined && percent > policy.maxChangedPercent) {
    findings.push({
      rule: 'maxChangedPercent',
      severity,
      message: `${percent.toFixed(1)}% of the fleet changes (${n} of ${fleetSize}); the policy allows ${policy.maxChangedPercent}%${suffix}`,
      devices: changed.slice(0, SHOWN),
    });
  }
  if (policy.protected.length > 0 && plan.changes.length > 0) {
    // A device is protected if a protected condition holds for it before or after the change.
    for (const rule of policy.protected) {
      const hit = plan.changes.filter((c) => {
        const b = base.fleetIndex.device(c.deviceId);
        const h = head.fleetIndex.device(c.deviceId);
        return (b !== undefined && rule.compiled(b) === TRUE) || (h !== undefined && rule.compiled(h) === TRUE);
      });
      if (hit.length > 0) {
        findings.push({
          rule: 'protected',
          severity,
          message: `${hit.length} protected device(s) change (${rule.condition})${suffix}`,
          devices: hit.slice(0, SHOWN).map((c) => c.deviceId),
        });
      }
    }
  }
  return { approvalLabel: policy.approvalLabel, approved, findings };
}
