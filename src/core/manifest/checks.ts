/**
 * Manifest checks the JSON schema cannot express and IoT Edge would only fail
 * after merge: already-chunked createOptions, twin key names, createOptions
 * strings that are not JSON, route syntax and image references.
 */
import { error, warning, type Diagnostic } from '../diagnostics.js';
import { jsonSyntaxError } from './json-syntax.js';
import { isMapping } from '../collections.js';
import { clip } from '../text.js';

type Json = Record<string, unknown>;
type Path = (string | number)[];

const CONTENT = ['content', 'modulesContent'];
const DESIRED = 'properties.desired';
const CHUNK = /^createOptions(\d+)$/;
/** A template placeholder left for a tool to substitute: $NAME or ${NAME}. */
const PLACEHOLDER = /^\$(?:[A-Za-z_][\w.]*|\{[A-Za-z_][\w.]*\})$/;

/**
 * A layered deployment's content: properties of the system twins set by dotted
 * path (`properties.desired.modules.x`) instead of a whole manifest.
 */
export function isLayered(modulesContent: unknown): boolean {
  if (!isMapping(modulesContent)) return false;
  return Object.values(modulesContent).some((twin) => isMapping(twin) && Object.keys(twin).some((k) => k.startsWith(`${DESIRED}.`)));
}

export function checkManifest(file: string, modulesContent: unknown): Diagnostic[] {
  if (!isMapping(modulesContent) || isLayered(modulesContent)) return [];
  const out: Diagnostic[] = [];
  const agent = modulesContent.$edgeAgent;
  const agentDesired = isMapping(agent) && isMapping(agent[DESIRED]) ? agent[DESIRED] : undefined;
  const agentPath = [...CONTENT, '$edgeAgent', DESIRED];
  if (agentDesired) {
    const runtime = agentDesired.runtime;
    const credentials = isMapping(runtime) && isMapping(runtime.settings) ? runtime.settings.registryCredentials : undefined;
    if (isMapping(credentials)) {
      for (const name of Object.keys(credentials)) {
        checkTwinKey(out, file, name, [...agentPath, 'runtime', 'settings', 'registryCredentials', name], 'registry credential name');
      }
    }
    for (const group of ['systemModules', 'modules']) {
      const modules = agentDesired[group];
      if (!isMapping(modules)) continue;
      for (const [name, module] of Object.entries(modules)) {
        if (!isMapping(module)) continue;
        const path = [...agentPath, group, name];
        if (isMapping(module.settings)) checkSettings(out, file, name, module.settings, [...path, 'settings']);
      }
    }
  }
  const hub = modulesContent.$edgeHub;
  const hubDesired = isMapping(hub) && isMapping(hub[DESIRED]) ? hub[DESIRED] : undefined;
  if (hubDesired) {
    const hubPath = [...CONTENT, '$edgeHub', DESIRED];
    walkTwinKeys(out, file, hubDesired, hubPath);
    if (isMapping(hubDesired.routes)) {
      for (const [name, route] of Object.entries(hubDesired.routes)) {
        const text = typeof route === 'string' ? route : isMapping(route) && typeof route.route === 'string' ? route.route : undefined;
        const path = typeof route === 'string' ? [...hubPath, 'routes', name] : [...hubPath, 'routes', name, 'route'];
        if (text !== undefined && PLACEHOLDER.test(text.trim())) {
          out.push(
            warning('manifest/invalid-route', `route ${name} is the placeholder '${clip(text.trim(), 60)}': substitute it before deploying`, { file, path }),
          );
          continue;
        }
        const problem = text === undefined ? undefined : routeProblem(text);
        if (problem) out.push(error('manifest/invalid-route', `route ${name}: ${problem}`, { file, path }));
      }
    }
  }
  for (const [name, twin] of Object.entries(modulesContent)) {
    if (name === '$edgeAgent' || name === '$edgeHub' || !isMapping(twin) || !isMapping(twin[DESIRED])) continue;
    walkTwinKeys(out, file, twin[DESIRED], [...CONTENT, name, DESIRED]);
  }
  return out;
}

/** IoT Hub twin keys have no '.', '$', space or C0/C1 control character; the hub rejects the configuration otherwise. */
// eslint-disable-next-line no-control-regex -- control characters are what this is about
const BAD_TWIN_KEY = /[.$ \u0000-\u001f\u007f-\u009f]/;

function checkTwinKey(out: Diagnostic[], file: string, key: string, path: Path, what: string): void {
  const bad = BAD_TWIN_KEY.exec(key);
  if (!bad) return;
  const ch = bad[0];
  const shown = ch === ' ' ? 'a space' : ch === '.' || ch === '$' ? `'${ch}'` : `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  out.push(
    error(
      'manifest/invalid-twin-key',
      `${what} '${clip(escapeControls(key), 80)}' contains ${shown}: IoT Hub rejects twin keys with '.', '$', spaces or control characters; rename it`,
      { file, path, key: true },
    ),
  );
}

const MAX_TWIN_KEY_DIAGNOSTICS = 20;

function walkTwinKeys(out: Diagnostic[], file: string, value: unknown, path: Path): void {
  let reported = 0;
  const walk = (v: unknown, p: Path, depth: number): void => {
    if (depth > 64 || reported >= MAX_TWIN_KEY_DIAGNOSTICS) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, [...p, i], depth + 1));
      return;
    }
    if (!isMapping(v)) return;
    for (const [k, x] of Object.entries(v)) {
      const before = out.length;
      checkTwinKey(out, file, k, [...p, k], 'key');
      reported += out.length - before;
      walk(x, [...p, k], depth + 1);
    }
  };
  walk(value, path, 0);
}

function checkSettings(out: Diagnostic[], file: string, module: string, settings: Json, path: Path): void {
  const chunks = Object.keys(settings)
    .map((k) => CHUNK.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ key: m[0], n: Number(m[1]) }))
    .sort((a, b) => a.n - b.n);
  const createOptions = settings.createOptions;
  if (chunks.length > 0) {
    if (createOptions === undefined) {
      out.push(
        error('manifest/invalid-chunks', `module ${module}: ${chunks[0].key} without createOptions: the chunks continue createOptions, so add it`, {
          file,
          path: [...path, chunks[0].key],
          key: true,
        }),
      );
      return;
    }
    if (typeof createOptions !== 'string') {
      out.push(
        error(
          'manifest/invalid-chunks',
          `module ${module}: createOptions is a mapping but ${chunks[0].key} is set: write createOptions as one mapping (edgeops chunks it) or every chunk as a string`,
          { file, path: [...path, chunks[0].key], key: true },
        ),
      );
      return;
    }
    for (let i = 0; i < chunks.length; i++) {
      if (chunks[i].n !== i + 1 || chunks[i].key !== `createOptions${String(i + 1).padStart(2, '0')}`) {
        const expected = `createOptions${String(i + 1).padStart(2, '0')}`;
        out.push(
          error(
            'manifest/invalid-chunks',
            `module ${module}: createOptions chunks must be contiguous: ${chunks[i].key} comes where ${expected} is expected; the IoT Edge agent rejects the gap`,
            {
              file,
              path: [...path, chunks[i].key],
              key: true,
            },
          ),
        );
        return;
      }
      if (typeof settings[chunks[i].key] !== 'string') return; // the schema says so
    }
  }
  if (typeof createOptions === 'string' && createOptions.trim() !== '' && !PLACEHOLDER.test(createOptions.trim())) {
    const whole = createOptions + chunks.map((c) => settings[c.key] as string).join('');
    const problem = jsonSyntaxError(whole);
    if (problem) {
      // Point at the chunk that holds the error.
      const parts = ['createOptions', ...chunks.map((c) => c.key)];
      let key = parts[0];
      for (let i = 0, end = 0; i < parts.length; i++) {
        end += (settings[parts[i]] as string).length;
        key = parts[i];
        if (problem.index < end) break;
      }
      out.push(
        error(
          'manifest/invalid-create-options',
          `module ${module}: createOptions is not JSON: ${problem.message} at character ${problem.index + 1}; write it as a mapping to let edgeops produce the JSON`,
          {
            file,
            path: [...path, key],
          },
        ),
      );
    }
  }
  if (typeof settings.image === 'string' && settings.image !== '' && !isImageReference(settings.image)) {
    out.push(
      warning(
        'manifest/invalid-image',
        `module ${module}: image '${clip(escapeControls(settings.image), 120)}' is not a valid image reference such as mcr.microsoft.com/azureiotedge-agent:1.5`,
        {
          file,
          path: [...path, 'image'],
        },
      ),
    );
  }
}

// The reference grammar of the container registries (distribution/reference).
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);

export function isImageReference(image: string): boolean {
  return image.length <= 512 && REFERENCE.test(image);
}

/** Checks `FROM <source> [WHERE <condition>] INTO <sink>`; returns what is wrong, or undefined. */
export function routeProblem(route: string): string | undefined {
  const text = route.trim();
  const from = /^FROM\s+/i.exec(text);
  if (!from) return `'${clip(escapeControls(text), 60)}' does not start with FROM: write FROM <source> [WHERE <condition>] INTO <sink>`;
  const into = /\s+INTO\s+/gi;
  let last: RegExpExecArray | null = null;
  for (let m = into.exec(text); m; m = into.exec(text)) last = m;
  if (!last) return 'has no INTO <sink>: write FROM <source> [WHERE <condition>] INTO <sink>';
  const middle = text.slice(from[0].length, last.index);
  const sink = text.slice(last.index + last[0].length).trim();
  const where = /(?:^|\s+)WHERE(?:\s+|$)/i.exec(middle);
  const source = (where ? middle.slice(0, where.index) : middle).trim();
  if (source === '') return 'has no source after FROM: e.g. FROM /messages/* or FROM /messages/modules/<module>/outputs/<output>';
  if (!source.startsWith('/') || /\s/.test(source))
    return `source '${clip(escapeControls(source), 60)}' is not a path such as /messages/* or /messages/modules/<module>/outputs/<output>`;
  if (where && middle.slice(where.index + where[0].length).trim() === '') return 'has WHERE without a condition';
  if (sink === '') return 'has no sink after INTO: e.g. $upstream or BrokeredEndpoint("/modules/<module>/inputs/<input>")';
  if (!/^\$upstream$/i.test(sink) && !/^BrokeredEndpoint\s*\(\s*"[^"]+"\s*\)$/i.test(sink)) {
    return `sink '${clip(escapeControls(sink), 60)}' is neither $upstream nor BrokeredEndpoint("/modules/<module>/inputs/<input>")`;
  }
  return undefined;
}

/** Makes control characters visible (\u001b…) so a message cannot drive a terminal. */
export function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this is about
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
