/**
 * Property-based fuzzing of what reads untrusted input: the condition parser, the
 * YAML loader, the fleet scanner (against yaml) and git reading of damaged
 * objects. Each property is bounded in time; fast-check prints the minimal
 * failing case. The number of cases and the time each took are printed at the end.
 */
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCondition } from '../src/core/condition/index.js';
import { scanFleet } from '../src/io/fleet-scanner.js';
import { GitDataError, gitSource, openRepository } from '../src/io/git.js';
import { readYaml } from '../src/io/yaml.js';
import { loadRepository } from '../src/usecases/load.js';
import { deploymentYaml } from './helpers.js';
import { testRepo } from './support/git-repo.js';

const stats: string[] = [];
/** Runs a property for at most `ms`, counting the cases that ran. */
async function bounded(
  name: string,
  ms: number,
  runs: number,
  prop: (count: () => void) => fc.IAsyncPropertyWithHooks<unknown> | fc.IPropertyWithHooks<unknown>,
) {
  let cases = 0;
  const start = performance.now();
  const p = prop(() => cases++);
  await fc.assert(p as fc.IAsyncProperty<unknown>, { numRuns: runs, interruptAfterTimeLimit: ms, markInterruptAsFailure: false });
  stats.push(`${name}: ${cases} cases in ${Math.round(performance.now() - start)} ms`);
}
afterAll(() => console.log(`fuzz: ${stats.join('; ')}`));

const CONTROL = fc.constantFrom('\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u009b', '\u2028', '\ufeff', '\ufffd', '\t', '\r');

describe('condition parser', () => {
  const token = fc.oneof(
    fc.constantFrom(
      'tags.',
      'tags.a',
      'tags.[[group]]',
      '[[',
      ']]',
      'deviceId',
      'AND',
      'or',
      'NOT',
      'IN',
      'NIN',
      'IS_DEFINED(',
      '(',
      ')',
      '[',
      ']',
      ',',
      '=',
      '!=',
      '<>',
      '<=',
      '*',
    ),
    fc.constantFrom("'x'", "'it''s'", "'", '"', '1', '-2.5e3', '1e999', 'true', ' ', '.', '$', '!', '&&', '=='),
    CONTROL,
    fc.string({ maxLength: 4 }),
  );
  it('never throws; every problem points inside the text; an expression or an error, never both missing', async () => {
    await bounded('condition', 2500, 3000, (count) =>
      fc.property(fc.array(token, { maxLength: 40 }), fc.nat({ max: 200 }), (tokens, nest) => {
        count();
        const text = (nest % 7 === 0 ? '('.repeat(nest) : '') + tokens.join(' ');
        const parsed = parseCondition(text);
        for (const p of parsed.problems) {
          expect(p.index).toBeGreaterThanOrEqual(0);
          expect(p.index).toBeLessThanOrEqual(Math.max(text.length, 8192));
          expect(p.message.length).toBeLessThan(600);
        }
        if (text.trim() !== '') expect(parsed.expr !== undefined || parsed.problems.some((p) => p.severity === 'error')).toBe(true);
      }),
    );
  });
});

/** YAML fragments in every node style, with what hostile files hold. */
const scalar = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/),
  fc.constantFrom(
    "'single ''quoted'''",
    '"double \\u00e9 \\x41 \\e"',
    '|\n  literal\n  block',
    '>\n  folded\n  block',
    '~',
    'null',
    '1.5',
    '0x1F',
    '.inf',
    '"\\ud800"',
  ),
  CONTROL.map((c) => JSON.stringify(`x${c}y`)),
  fc.nat({ max: 5000 }).map((n) => 'v'.repeat(n)),
);
const yamlText = fc.letrec<{ node: string; doc: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('node'), { maxLength: 4 }).map((xs) => `[${xs.join(', ')}]`),
    fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,4}$/), tie('node')), { maxLength: 4 }).map((ps) => `{ ${ps.map(([k, v]) => `${k}: ${v}`).join(', ')} }`),
    fc.constantFrom('&a { x: 1 }', '*a', '<<: *a', '<<: 1', '!!str 3', '? complex', '- - - x', '{ a: 1, a: 2 }'),
  ),
  doc: fc.oneof(
    fc.tuple(fc.nat({ max: 3000 }), fc.constantFrom('[', '{ a: ', '- ')).map(([n, open]) => `devices: ${open.repeat(n)}x`),
    fc.nat({ max: 3000 }).map((n) => `devices:\n  - deviceId: d\n    tags:\n${Array.from({ length: n }, (_, i) => `      k${i}: ${i}`).join('\n')}`),
    fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,3}$/), tie('node')), { maxLength: 8 }).map((ps) => ps.map(([k, v]) => `${k}: ${v}`).join('\n')),
    fc.tuple(tie('node'), fc.constantFrom('\n', '\r', '\r\n')).map(([v, nl]) => `devices:${nl}  - deviceId: d1${nl}    tags: { t: ${v} }${nl}`),
  ),
}));

describe('loader', () => {
  it('never throws; every diagnostic has a position and a bounded message', async () => {
    await bounded('loader', 5000, 400, (count) =>
      fc.property(yamlText.doc, fc.boolean(), (text, asFleet) => {
        count();
        const file = readYaml('f.yaml', new TextEncoder().encode(text), undefined, asFleet ? scanFleet : undefined);
        for (const d of file.diagnostics) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.column).toBeGreaterThanOrEqual(1);
          expect(d.message.length).toBeLessThan(600);
        }
        if (file.diagnostics.some((d) => d.severity === 'error')) expect(file.value).toBeUndefined();
      }),
    );
  });
});

describe('fleet scanner', () => {
  const word = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/);
  const value = fc.oneof(
    word,
    fc.integer().map(String),
    fc.constantFrom("'q''t'", '"e\\tx"', 'x y', 'true', '~', "''", '[a, b]', '[]', '[1, [x], { k: v }]', '[a: 1]', '&an [z]', '*an'),
    CONTROL.map((c) => JSON.stringify(c)),
  );
  const tags = fc.letrec<{ map: string }>((tie) => ({
    map: fc
      .array(fc.tuple(word, fc.oneof({ depthSize: 'small' }, value, tie('map'))), { maxLength: 5 })
      .map((ps) => `{ ${ps.map(([k, v]) => `${k}: ${v}`).join(', ')} }`),
  })).map;
  it('agrees with yaml whenever it does not give up (deep, wide, long, every style)', async () => {
    await bounded('scanner', 4000, 500, (count) =>
      fc.property(fc.array(fc.tuple(word, tags, fc.nat({ max: 80 }), fc.nat({ max: 300 })), { minLength: 1, maxLength: 6 }), (devices) => {
        count();
        const lines = ['devices:'];
        devices.forEach(([id, t, depth, width], i) => {
          const deep = `${'{ x: '.repeat(depth)}1${' }'.repeat(depth)}`;
          const wide = Array.from({ length: width }, (_, j) => `w${j}: ${j}`).join(', ');
          lines.push(
            i % 2
              ? `  - { deviceId: ${id}${i}, tags: ${t.replace(/^\{ /, `{ deep: ${deep}, ${wide ? `${wide}, ` : ''}`)} }`
              : `  - deviceId: ${id}${i}\n    tags: ${t}`,
          );
        });
        const text = `${lines.join('\n')}\n`;
        const fast = scanFleet(text);
        const slow = readYaml('f.yaml', new TextEncoder().encode(text));
        if (fast !== undefined) expect(JSON.stringify(fast)).toBe(JSON.stringify(slow.value));
      }),
    );
  });
});

describe('git reading of damaged objects', () => {
  it('any damage to any object is a GitDataError or a clean read, never another exception', async () => {
    const repo = testRepo();
    repo.commit({ 'deployments/a.yaml': deploymentYaml({ targetCondition: '*' }), 'fleet/f.yaml': 'devices:\n  - deviceId: d\n' });
    const objects = readdirSync(path.join(repo.dir, '.git', 'objects'))
      .filter((d) => /^[0-9a-f]{2}$/.test(d))
      .flatMap((d) => readdirSync(path.join(repo.dir, '.git', 'objects', d)).map((f) => path.join(repo.dir, '.git', 'objects', d, f)));
    await bounded('git damage', 4000, 60, (count) =>
      fc.asyncProperty(
        fc.nat(),
        fc.constantFrom('truncate', 'flip', 'garbage'),
        fc.nat(),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        async (pick, how, at, junk) => {
          count();
          const file = objects[pick % objects.length];
          const original = readFileSync(file);
          chmodSync(file, 0o644);
          const damaged = Buffer.from(original);
          if (how === 'truncate') writeFileSync(file, damaged.subarray(0, at % original.length));
          else if (how === 'flip') {
            damaged[at % damaged.length] ^= 1 << (at % 8);
            writeFileSync(file, damaged);
          } else writeFileSync(file, junk);
          try {
            // A fresh handle each time: no cached object hides the damage.
            const source = await gitSource(openRepository({ fs, dir: repo.dir }), 'HEAD');
            await loadRepository(source);
          } catch (e) {
            if (!(e instanceof GitDataError)) throw e;
          } finally {
            writeFileSync(file, original);
          }
        },
      ),
    );
  });
});
