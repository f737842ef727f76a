/**
 * Crafted input from anyone who can open a pull request: deep nesting, very wide
 * mappings, huge values, control characters. Each is a clean diagnostic with a
 * position; none overflows the stack, none takes quadratic time, none echoes a
 * whole value, none reaches the terminal raw.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/main.js';
import { scanFleet } from '../src/io/fleet-scanner.js';
import { deepestOffset } from '../src/io/yaml.js';
import { createStyle } from '../src/render/style.js';
import { diagnosticText } from '../src/render/text/diagnostics.js';
import { excerptAround, safe } from '../src/render/text/escape.js';
import { explainText } from '../src/render/text/explain.js';
import { table } from '../src/render/text/table.js';
import { explain } from '../src/usecases/explain.js';
import { memorySource } from '../src/io/source.js';
import { codes, deploymentYaml, load } from './helpers.js';
import { testRepo } from './support/git-repo.js';

const withFleet = (fleet: string) => load({ 'deployments/all.yaml': deploymentYaml({ targetCondition: '*' }), 'fleet/f.yaml': fleet });
const HEAD = 'priority: 1\ncreatedAt: 2026-01-01T00:00:00Z\ntargetCondition: "*"\n';

describe('deep nesting is yaml/too-deep with a position, never a stack overflow', () => {
  it('in a fleet file, flow style, far past the stack (the scanner gives up at the limit)', async () => {
    const n = 10_000;
    const text = `devices:\n  - { deviceId: a, tags: ${'{ x: '.repeat(n)}1${' }'.repeat(n)} }\n`;
    expect(scanFleet(text)).toBeUndefined();
    const loaded = await withFleet(text);
    expect(loaded.diagnostics.map((d) => [d.code, d.line])).toEqual([['yaml/too-deep', 2]]);
    expect(loaded.diagnostics[0].column).toBeGreaterThan(64 * 5);
    expect(loaded.diagnostics[0].column).toBeLessThan(80 * 5);
  });

  it('in a fleet file, block style', async () => {
    let text = 'devices:\n  - deviceId: a\n    tags:\n';
    for (let i = 0; i < 3000; i++) text += `${' '.repeat(6 + i)}k${i}:\n`;
    const loaded = await withFleet(text);
    expect(loaded.diagnostics.map((d) => d.code)).toEqual(['yaml/too-deep']);
    expect(loaded.diagnostics[0].line).toBeGreaterThan(60);
    expect(loaded.diagnostics[0].line).toBeLessThan(70);
  });

  it('in a deployment, and in compact sequences', async () => {
    const n = 10_000;
    const deployment = await load({ 'deployments/d.yaml': `${HEAD}content: ${'['.repeat(n)}${']'.repeat(n)}\n`, 'fleet/f.yaml': 'devices: []\n' });
    expect(deployment.diagnostics.map((d) => [d.code, d.line])).toEqual([['yaml/too-deep', 4]]);
    expect(deployment.diagnostics[0].message).toBe('nesting is deeper than 64 levels: flatten the document');
    const compact = await withFleet(`devices:\n${'- '.repeat(20_000)}x\n`);
    expect(compact.diagnostics.map((d) => [d.code, d.line])).toEqual([['yaml/too-deep', 2]]);
  });

  it('estimates where nesting goes too deep without parsing', () => {
    expect(deepestOffset(`a: ${'['.repeat(10)}`, 5)).toBe(3 + 5);
    expect(deepestOffset(`a: '${'['.repeat(10)}'`, 5)).toBe(0);
    expect(deepestOffset('a:\n b:\n  c:\n   d:\n', 2)).toBe(15);
  });
});

describe('wide mappings cost linear time and bounded output', () => {
  it('20,000 unknown keys: a capped list of short diagnostics', async () => {
    let text = HEAD;
    for (let i = 0; i < 20_000; i++) text += `k${i}: ${'v'.repeat(5)}\n`;
    const loaded = await load({ 'deployments/d.yaml': text, 'fleet/f.yaml': 'devices: []\n' });
    const schema = loaded.diagnostics.filter((d) => d.code === 'schema/invalid');
    expect(schema).toHaveLength(101);
    expect(schema.filter((d) => d.message === 'and 19900 more schema errors in this file: fix the ones above first')).toHaveLength(1);
    expect(Math.max(...schema.map((d) => d.message.length))).toBeLessThan(300);
  });

  it('a value is never echoed whole', async () => {
    const loaded = await load({ 'deployments/d.yaml': `${HEAD}labels: { team: ${'x'.repeat(5000)} }\n`, 'fleet/f.yaml': 'devices: []\n' });
    const message = loaded.diagnostics.find((d) => d.code === 'schema/invalid')!.message;
    expect(message).toContain('… (5000 characters)');
    expect(message.length).toBeLessThan(400);
  });

  it('20,000 labels are read (duplicate keys are found without yaml’s quadratic check)', async () => {
    let text = `${HEAD}labels:\n`;
    for (let i = 0; i < 20_000; i++) text += `  l${i}: v\n`;
    const loaded = await load({ 'deployments/d.yaml': text, 'fleet/f.yaml': 'devices: []\n' });
    expect(loaded.valid).toBe(true);
    expect(Object.keys(loaded.analysis.repository.deployments[0].labels)).toHaveLength(20_000);
    const dup = await load({ 'deployments/d.yaml': `${text}  l7: again\n`, 'fleet/f.yaml': 'devices: []\n' });
    expect(dup.diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      ['yaml/duplicate-key', 20_005, "duplicate key 'l7': a key may appear once in a mapping"],
    ]);
  });

  it('a key merged in with << may be overridden: not a duplicate', async () => {
    const loaded = await withFleet('devices:\n  - deviceId: a\n    tags: &b { ring: 1 }\n  - deviceId: b\n    tags: { <<: *b, ring: 2 }\n');
    expect(codes(loaded)).toEqual([]);
  });
});

describe('text output escapes control characters from the repository', () => {
  const style = createStyle(false);
  it('in diagnostics: file names, messages and source lines', () => {
    const text = diagnosticText(
      {
        severity: 'error',
        code: 'fleet/invalid-tag',
        message: 'tag value \u001b]0;pwned\u0007 is bad',
        file: 'fleet/\u001b[2Jx.yaml',
        line: 1,
        column: 5,
        excerpt: 'a: \u001b[31mred\u009b',
      },
      style,
    );
    // eslint-disable-next-line no-control-regex -- control characters are what this is about
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain('fleet/\\u001b[2Jx.yaml');
    expect(text).toContain('\\u0007');
    expect(text).toContain('\\u009b');
  });

  it('keeps the caret under the column of a long or escaped line', () => {
    const { text, caret } = excerptAround(`${'a'.repeat(1000)}X${'b'.repeat(1000)}`, 1001);
    expect(text.length).toBeLessThanOrEqual(202);
    expect(text[caret]).toBe('X');
    const escaped = excerptAround('\u001b\u001bX', 3);
    expect(escaped.text[escaped.caret]).toBe('X');
  });

  it('in tables and explain: tag values, ids and conditions', async () => {
    expect(table([{ header: 'A' }], [['x\u001b[2J']])).toBe('A\nx\\u001b[2J');
    const fleet = 'devices:\n  - deviceId: a\n    tags: { note: "\\e]2;title\\a\\u202e" }\n';
    const { explanation } = await explain(memorySource({ 'deployments/d.yaml': deploymentYaml({ targetCondition: '*' }), 'fleet/f.yaml': fleet }), 'a');
    const text = explainText(explanation!, style);
    // eslint-disable-next-line no-control-regex -- control characters are what this is about
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(text).toContain("tags.note = '\\u001b]2;title\\u0007\\u202e'");
    expect(safe('tab\tok')).toBe('tab\tok');
  });
});

describe('line endings, encodings and merge keys', () => {
  it('a fleet with CR-only line endings is read as YAML 1.2 says', async () => {
    const loaded = await withFleet('devices:\r  - deviceId: a\r    tags: { ring: 1 }\r  - deviceId: b\r');
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.analysis.repository.fleet.devices.map((d) => d.deviceId)).toEqual(['a', 'b']);
    const bad = await withFleet('devices:\r  - deviceId: a\r  - deviceId: [x]\r');
    expect(bad.diagnostics[0]).toMatchObject({ line: 3 });
  });

  it('invalid UTF-8 is found at its byte even when a real U+FFFD comes first', async () => {
    const text = new TextEncoder().encode('devices:\n  - deviceId: a\n    tags: { note: "\uFFFD" }\n  - deviceId: b\n    tags: { note: "XX" }\n');
    const bytes = new Uint8Array(text);
    const at = bytes.lastIndexOf(0x58) - 1; // the first X
    bytes[at] = 0xc3;
    bytes[at + 1] = 0x28; // C3 28: a lead byte without its continuation
    const loaded = await withFleet(bytes as unknown as string);
    expect(loaded.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['file/invalid-utf8', 5, 20]]);
    expect(loaded.diagnostics[0].message).toContain(`byte ${at} (0xc3)`);
    expect(codes(await withFleet(text as unknown as string))).not.toContain('file/invalid-utf8');
  });

  it('a merge key on a scalar does not hide the problems after it', async () => {
    const loaded = await withFleet(
      'devices:\n  - deviceId: a\n    tags: { <<: 1, x: 1 }\n  - deviceId: b\n    tags: { <<: two }\n  - deviceId: c\n    deviceId: d\n',
    );
    expect(loaded.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['yaml/syntax', 3],
      ['yaml/syntax', 5],
      ['yaml/duplicate-key', 7],
    ]);
  });
});

describe('links and non-folders are never followed, on disk as at a commit', () => {
  const files = { 'deployments/base.yaml': deploymentYaml({ targetCondition: '*' }), 'fleet/devices.yaml': 'devices:\n  - deviceId: a\n' };
  const validate = async (dir: string, ref?: string) => {
    let stdout = '';
    let stderr = '';
    const code = await run(['validate', '--repo', dir, '--format', 'json', ...(ref ? ['--ref', ref] : [])], {
      cwd: dir,
      env: {},
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    });
    return { code, json: JSON.parse(stdout || '{}'), stderr, stdout };
  };
  const brief = (r: { json: { diagnostics?: { code: string; file: string; severity: string }[] } }) =>
    (r.json.diagnostics ?? []).map((d) => `${d.severity} ${d.code} ${d.file}`);

  it('a folder linked to outside the repository is an error and nothing outside is read', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'edgeops-outside-'));
    writeFileSync(path.join(outside, 'secret.yaml'), 'devices:\n  - deviceId: leaked-secret\n');
    const repo = testRepo();
    repo.write(files);
    rmSync(path.join(repo.dir, 'fleet'), { recursive: true });
    symlinkSync(outside, path.join(repo.dir, 'fleet'));
    const r = await validate(repo.dir);
    expect(r.code).toBe(1);
    expect(brief(r)).toEqual(['error repository/not-a-folder fleet']);
    expect(r.stdout).not.toContain('leaked-secret');
    repo.commit({});
    const atCommit = await validate(repo.dir, 'HEAD');
    expect(brief(atCommit)).toEqual(['error repository/not-a-folder fleet']);
  });

  it('a link loop is a diagnostic, not ELOOP', async () => {
    const repo = testRepo();
    repo.write({ 'deployments/base.yaml': files['deployments/base.yaml'] });
    symlinkSync('fleet', path.join(repo.dir, 'fleet'));
    const r = await validate(repo.dir);
    expect(r.json.diagnostics[0].message).toContain('fleet is a symbolic link loop, not a folder');
  });

  it('a linked file gets the same verdict on disk and at a commit: skipped, with a warning', async () => {
    const repo = testRepo();
    repo.write(files);
    symlinkSync('base.yaml', path.join(repo.dir, 'deployments', 'copy.yaml'));
    repo.commit({});
    const onDisk = await validate(repo.dir);
    const atCommit = await validate(repo.dir, 'HEAD');
    expect(brief(onDisk)).toEqual(['warning file/symlink deployments/copy.yaml']);
    expect(brief(atCommit)).toEqual(brief(onDisk));
    expect(onDisk.code).toBe(0);
    expect(atCommit.code).toBe(0);
  });

  it('a regular file named fleet or deployments is an error, not a silent "valid"', async () => {
    const repo = testRepo();
    repo.write({ deployments: 'not a folder\n', 'fleet/devices.yaml': files['fleet/devices.yaml'] });
    const r = await validate(repo.dir);
    expect(r.code).toBe(1);
    expect(brief(r)).toEqual(['error repository/not-a-folder deployments']);
    repo.commit({});
    expect(brief(await validate(repo.dir, 'HEAD'))).toEqual(brief(r));
  });
});
