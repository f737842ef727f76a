/**
 * What changed in a deployment's manifest, in the operator's terms: per module
 * (image, env, createOptions keys, status, restartPolicy…), per route, per module
 * twin's desired properties, by path. `createOptions` written as a JSON string is
 * compared as the object it encodes, so re-spacing it is no change.
 */
import { isMapping } from '../collections.js';

export type ContentScope = 'module' | 'route' | 'twin' | 'edgeAgent' | 'edgeHub';

export interface ContentChange {
  readonly scope: ContentScope;
  /** The module, route or twin; missing for `$edgeAgent`/`$edgeHub` settings outside them. */
  readonly name?: string;
  /** Dotted path inside it; `''` for the whole module, route or twin. */
  readonly path: string;
  /** Missing when the value was added. */
  readonly before?: unknown;
  /** Missing when the value was removed. */
  readonly after?: unknown;
}

/** At most this many changes are listed per deployment; `truncated` says how many more. */
export const MAX_CONTENT_CHANGES = 50;

const desired = (section: unknown): Record<string, unknown> => {
  const d = isMapping(section) ? section['properties.desired'] : undefined;
  return isMapping(d) ? d : {};
};
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** `createOptions` (and its `createOptions01…` chunks) as the object it encodes, when it is JSON. */
function decodeSettings(settings: unknown): unknown {
  if (!isMapping(settings)) return settings;
  const chunks = Object.keys(settings)
    .filter((k) => /^createOptions(\d\d)?$/.test(k))
    .sort();
  if (chunks.length === 0 || !chunks.every((k) => typeof settings[k] === 'string')) return settings;
  const text = chunks.map((k) => settings[k]).join('');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return settings;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(settings)) if (!chunks.includes(k)) out[k] = v;
  out.createOptions = parsed;
  return out;
}

const decodeModule = (m: unknown): unknown => (isMapping(m) ? { ...m, settings: decodeSettings(m.settings) } : m);

function diffValue(scope: ContentScope, name: string | undefined, path: string[], a: unknown, b: unknown, out: ContentChange[]): void {
  if (same(a, b)) return;
  if (isMapping(a) && isMapping(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) diffValue(scope, name, [...path, key], a[key], b[key], out);
    return;
  }
  const change: { -readonly [K in keyof ContentChange]: ContentChange[K] } = { scope, path: path.join('.') };
  if (name !== undefined) change.name = name;
  if (a !== undefined) change.before = a;
  if (b !== undefined) change.after = b;
  out.push(change);
}

/** Entries of a named collection (modules, routes): added or removed whole, or diffed inside. */
function diffNamed(
  scope: ContentScope,
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  out: ContentChange[],
  decode: (v: unknown) => unknown = (v) => v,
  whole = false,
): void {
  for (const name of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const [x, y] = [a[name], b[name]];
    if (x === undefined || y === undefined || whole) {
      if (!same(x, y)) out.push({ scope, name, path: '', ...(x !== undefined && { before: x }), ...(y !== undefined && { after: y }) });
    } else diffValue(scope, name, [], decode(x), decode(y), out);
  }
}

/** The changes from `before` to `after` (two `modulesContent`s), in a stable order. */
export function diffContent(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): ContentChange[] {
  const out: ContentChange[] = [];
  const agentA = desired(before.$edgeAgent);
  const agentB = desired(after.$edgeAgent);
  const named = (o: Record<string, unknown>, key: string): Record<string, unknown> => (isMapping(o[key]) ? (o[key] as Record<string, unknown>) : {});
  diffNamed(
    'module',
    { ...named(agentA, 'systemModules'), ...named(agentA, 'modules') },
    { ...named(agentB, 'systemModules'), ...named(agentB, 'modules') },
    out,
    decodeModule,
  );
  const rest = (o: Record<string, unknown>, ...skip: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !skip.includes(k)));
  diffValue('edgeAgent', undefined, [], rest(agentA, 'modules', 'systemModules'), rest(agentB, 'modules', 'systemModules'), out);
  const hubA = desired(before.$edgeHub);
  const hubB = desired(after.$edgeHub);
  diffNamed('route', named(hubA, 'routes'), named(hubB, 'routes'), out, undefined, true);
  diffValue('edgeHub', undefined, [], rest(hubA, 'routes'), rest(hubB, 'routes'), out);
  const twins = (o: Readonly<Record<string, unknown>>) =>
    Object.fromEntries(
      Object.keys(o)
        .filter((k) => k !== '$edgeAgent' && k !== '$edgeHub')
        .map((k) => [k, desired(o[k])]),
    );
  diffNamed('twin', twins(before), twins(after), out);
  return out;
}
