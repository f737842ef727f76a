/**
 * Problems are collected values, never exceptions (the habit of eemeli/yaml).
 *
 * The core does not know about offsets in files: it says *where* as a file plus
 * a path into the parsed document (`['devices', 3, 'tags', 'ring']`), and for a
 * scalar such as a target condition, an index into the scalar's value. The io
 * layer turns that into 1-based line and column at the edge.
 */

export type Severity = 'error' | 'warning';

export type DiagnosticCode =
  // reading files
  | 'file/too-large'
  | 'file/line-too-long'
  | 'file/invalid-utf8'
  | 'file/empty'
  | 'file/unreadable'
  | 'file/unknown'
  | 'file/symlink'
  | 'file/ignored'
  | 'repository/not-found'
  | 'repository/not-a-folder'
  // YAML
  | 'yaml/syntax'
  | 'yaml/duplicate-key'
  | 'yaml/alias-bomb'
  | 'yaml/recursive-alias'
  | 'yaml/too-deep'
  | 'yaml/warning'
  // schema (ajv)
  | 'schema/invalid'
  // deployments
  | 'deployment/invalid-id'
  | 'deployment/id-mismatch'
  | 'deployment/duplicate-id'
  | 'deployment/invalid-created-at'
  | 'deployment/invalid-label'
  | 'deployment/no-content'
  | 'deployment/too-many-modules'
  | 'deployment/edge-agent-too-large'
  | 'deployment/value-too-large'
  | 'deployment/targets-nothing'
  | 'deployment/shadowed'
  | 'deployment/layered'
  // manifests (content.modulesContent)
  | 'manifest/invalid-chunks'
  | 'manifest/invalid-twin-key'
  | 'manifest/invalid-create-options'
  | 'manifest/invalid-route'
  | 'manifest/invalid-image'
  // target conditions
  | 'condition/empty'
  | 'condition/too-long'
  | 'condition/unexpected-token'
  | 'condition/unexpected-end'
  | 'condition/double-quote'
  | 'condition/invalid-character'
  | 'condition/unterminated-string'
  | 'condition/invalid-property'
  | 'condition/empty-list'
  | 'condition/a-not-b'
  | 'condition/type-mismatch'
  | 'condition/case-mismatch'
  // fleet
  | 'fleet/not-a-mapping'
  | 'fleet/no-devices'
  | 'fleet/invalid-device'
  | 'fleet/invalid-device-id'
  | 'fleet/duplicate-device'
  | 'fleet/invalid-tag'
  | 'fleet/tag-case-collision'
  | 'fleet/tags-too-large'
  | 'fleet/tag-not-expressible'
  // resolution
  | 'resolve/tie'
  | 'resolve/created-at-decides'
  // plans
  | 'plan/unmanaged'
  | 'plan/safety-net'
  | 'plan/base-problem'
  // policy (.github/edgeops.yml)
  | 'policy/invalid'
  // device reports and renderings (status, simulate)
  | 'report/invalid'
  | 'report/unknown-device'
  | 'rendering/invalid';

/** Where a problem is: a file, a path into its parsed document and, inside a scalar, an index into its value. */
export interface Location {
  readonly file: string;
  readonly path?: readonly (string | number)[];
  /** Index into the scalar's value (e.g. a column inside a target condition). */
  readonly index?: number;
  /** Point at the key of `path`'s last segment rather than at its value. */
  readonly key?: boolean;
}

export interface Diagnostic {
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly location?: Location;
}

/** A diagnostic placed in its file: what every face prints. */
export interface PlacedDiagnostic {
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The source line, for the caret in text output (not part of the JSON contract). */
  readonly excerpt?: string;
}

export const error = (code: DiagnosticCode, message: string, location?: Location): Diagnostic => ({
  severity: 'error',
  code,
  message,
  location,
});

export const warning = (code: DiagnosticCode, message: string, location?: Location): Diagnostic => ({
  severity: 'warning',
  code,
  message,
  location,
});

export const hasErrors = (diagnostics: readonly { severity: Severity }[]): boolean => diagnostics.some((d) => d.severity === 'error');

/** Appends without spreading: `push(...list)` overflows the stack for a few hundred thousand items. */
export function append<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}
