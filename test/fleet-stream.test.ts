/**
 * Fleet files read from disk as they are scanned: the checks readYaml makes first are
 * made piece by piece, with the same verdicts; diagnostics are placed by reading the
 * file again, and a file that changed meanwhile is said to have changed.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanFleet, scanFleetBytes } from '../src/io/fleet-scanner.js';
import { readIfUnchanged, streamBuiltFleetFile, streamFleetFile } from '../src/io/fleet-stream.js';
import { diskSource } from '../src/io/disk.js';
import { memorySource } from '../src/io/source.js';
import { DEFAULT_LIMITS, ENTRY_OFFSETS, readFast } from '../src/io/yaml.js';
import { buildFleetFile, type FleetFile } from '../src/core/validate/fleet.js';
import { generate } from './support/fleet-generator.js';
import { plainAsciiText } from '../src/io/yaml-text.js';
import { loadRepository } from '../src/usecases/load.js';
import { MINIMAL_CONTENT } from './helpers.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'edgeops-stream-'));
let n = 0;
const written = (content: string | Uint8Array): string => {
  const file = path.join(scratch, `f${n++}.yaml`);
  writeFileSync(file, content);
  return file;
};

describe('streaming a fleet file from disk', () => {
  it("reads a file only where readYaml's own checks would pass (size, ASCII without CR, line length), across piece boundaries", () => {
    const line = fc.oneof(
      fc.integer({ min: 0, max: 70 }).map((k) => `  - deviceId: d\n    tags: { a: ${'x'.repeat(k + 1)} }`),
      fc.integer({ min: 0, max: 70 }).map((k) => `  # ${'c'.repeat(k)}`),
      fc.constantFrom('  - { deviceId: é }', '  - deviceId: a\r', '', '  - deviceId: b'),
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 30 }),
        fc.integer({ min: 10, max: 90 }),
        fc.integer({ min: 200, max: 3000 }),
        fc.integer({ min: 1, max: 120 }),
        fc.boolean(),
        (lines, maxLineLength, maxBytes, bufferBytes, finalBreak) => {
          const text = `devices:\n${lines.join('\n')}${finalBreak ? '\n' : ''}`;
          const bytes = new TextEncoder().encode(text);
          const limits = { ...DEFAULT_LIMITS, maxLineLength, maxBytes };
          const windows = { size: 400, margin: 150 };
          const expected = plainAsciiText(bytes, limits) ? scanFleetBytes(bytes, windows) : undefined;
          const streamed = streamFleetFile(written(bytes), limits, { windows, buffer: Buffer.alloc(bufferBytes) });
          expect(JSON.stringify(streamed?.value)).toBe(JSON.stringify(expected));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a line one character too long is refused wherever the pieces end; one exactly at the limit is read', () => {
    const text = (k: number) => `devices:\n  - deviceId: d1\n    tags: { a: ${'x'.repeat(k)} }\n  - deviceId: d2\n`;
    const limit = `    tags: { a: ${'x'.repeat(40)} }`.length;
    for (let bufferBytes = 1; bufferBytes <= 80; bufferBytes++) {
      const limits = { ...DEFAULT_LIMITS, maxLineLength: limit };
      expect(streamFleetFile(written(text(40)), limits, { buffer: Buffer.alloc(bufferBytes) })).toBeDefined();
      expect(streamFleetFile(written(text(41)), limits, { buffer: Buffer.alloc(bufferBytes) })).toBeUndefined();
    }
  });

  it('gives way on what it cannot read: a missing file, a folder, an empty file', () => {
    expect(streamFleetFile(path.join(scratch, 'missing.yaml'), DEFAULT_LIMITS)).toBeUndefined();
    mkdirSync(path.join(scratch, 'folder.yaml'));
    expect(streamFleetFile(path.join(scratch, 'folder.yaml'), DEFAULT_LIMITS)).toBeUndefined();
    expect(streamFleetFile(written(''), DEFAULT_LIMITS)).toBeUndefined();
  });

  it('places a diagnostic by reading the file again; a file changed since says so instead of naming a wrong line', () => {
    const text = 'devices:\n  - deviceId: d1\n  - deviceId: d2\n    tags: { a: 1 }\n';
    const file = written(text);
    const streamed = streamFleetFile(file, DEFAULT_LIMITS)!;
    expect(Buffer.from(readIfUnchanged(file, streamed.stamp)!).toString()).toBe(text);
    const diagnostic = {
      severity: 'error',
      code: 'fleet/invalid-tag',
      message: 'bad',
      location: { file: 'fleet/f.yaml', path: ['devices', 1, 'tags', 'a'] },
    } as const;
    const yamlFile = () => readFast('fleet/f.yaml', () => readIfUnchanged(file, streamed.stamp), DEFAULT_LIMITS, streamed.value);
    expect(yamlFile().place(diagnostic)).toMatchObject({ line: 4, column: 16, message: 'bad' });
    writeFileSync(file, text.replace('d1', 'device-1'));
    expect(readIfUnchanged(file, streamed.stamp)).toBeUndefined();
    expect(yamlFile().place(diagnostic)).toEqual({
      severity: 'error',
      code: 'fleet/invalid-tag',
      message: 'bad (fleet/f.yaml changed while edgeops read it, so the line is not known: run edgeops again)',
      file: 'fleet/f.yaml',
      line: 1,
      column: 1,
    });
  });

  it('builds devices as they are read: the devices, diagnostics and offsets buildFleetFile gives for the scanned value', () => {
    const generated = Object.entries(generate(2000, 5, 11, 2).files).find(([name]) => name.startsWith('fleet/'))![1];
    const texts = [
      generated,
      // Every kind of problem: dropped devices, dropped and kept tags, case collisions, mixed case, unknown keys.
      'devices:\n  - deviceId: d1\n    tags: { Env: prod, env: test }\n  - deviceId: "bad id"\n  - deviceId: d3\n    tags: { a: ~, b: "new york", c: [1] }\n  - { deviceId: d4, extra: 1 }\n  - deviceId: d6\n    tags: { site: { building: 7 } }\n',
      // An anchored tags mapping shared by two devices.
      'devices:\n  - deviceId: a1\n    tags: &t { environment: prod }\n  - deviceId: a2\n    tags: *t\n',
      'devices:\n',
      '# nothing but a comment\ndevices:\n# and another\n',
    ];
    for (const text of texts) {
      const value = scanFleet(text);
      if (value === undefined) throw new Error(`the scanner gave up on:\n${text}`);
      const here = buildFleetFile('fleet/f.yaml', value);
      const streamed = streamBuiltFleetFile('fleet/f.yaml', written(text), DEFAULT_LIMITS)!;
      const view = (f: FleetFile) => JSON.stringify([f.devices, f.diagnostics, f.mixedCaseTagNames]);
      expect(view(streamed.fleet)).toBe(view(here));
      expect(streamed.offsets).toEqual((value as { [ENTRY_OFFSETS]?: number[] })[ENTRY_OFFSETS]);
    }
  });

  it('a repository on disk gets the diagnostics, lines and excerpts it gets from memory', async () => {
    const files: Record<string, string> = {
      'deployments/d.yaml': `priority: 1\ncreatedAt: 2026-01-01T00:00:00Z\ntargetCondition: tags.a = 1\n${MINIMAL_CONTENT}\n`,
      'fleet/a.yaml': 'devices:\n  - deviceId: d1\n    tags: { a: 1, b: ~ }\n  - deviceId: d2\n    tags:\n      bad.name: 1\n  - deviceId: d3\n',
      'fleet/b.yaml': '# second file\ndevices:\n  - deviceId: d3\n  - deviceId: "bad id"\n',
      'fleet/c.yaml': 'devices:\r\n  - deviceId: d9\r\n    tags: { a: [1] }\r\n',
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-stream-repo-'));
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), content);
    }
    const fromDisk = await loadRepository(diskSource(dir));
    const fromMemory = await loadRepository(memorySource(files));
    expect(fromDisk.diagnostics.filter((d) => d.file.startsWith('fleet/')).length).toBeGreaterThanOrEqual(5);
    expect(fromDisk.diagnostics).toEqual(fromMemory.diagnostics);
  });
});
