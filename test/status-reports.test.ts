import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderReportSource, MAX_REPORT_BYTES, reportFileWriter } from '../src/io/reports/folder.js';
import type { ReportItem } from '../src/io/reports/report-source.js';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-reports-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

async function read(dir: string): Promise<ReportItem[]> {
  const items: ReportItem[] = [];
  for await (const item of folderReportSource(dir, 'reports').reports()) items.push(item);
  return items;
}

const line = (deviceId: string, code = 200) => JSON.stringify({ deviceId, code, contentHash: 'sha256:x' });

describe('folder report source', () => {
  it('reads *.json (one report each) and *.ndjson (one per line), sub-folders included, in path order', async () => {
    const dir = folder({
      'b.ndjson': `${line('d2')}\n\n${line('d3', 500)}\r\n${line('d4')}`,
      'a.json': `\uFEFF${JSON.stringify({ deviceId: 'd1', code: 200, contentHash: 'sha256:x' }, null, 2)}`,
      'site/c.json': line('d5'),
      'notes.txt': 'not a report',
      '.hidden.json': line('hidden'),
    });
    const items = await read(dir);
    expect(items.map((i) => ('report' in i ? `${i.report.deviceId}:${i.report.code}` : i.diagnostic.message))).toEqual([
      'd1:200',
      'd2:200',
      'd3:500',
      'd4:200',
      'd5:200',
    ]);
  });

  it('a malformed report is a diagnostic with its file and line; reading goes on', async () => {
    const dir = folder({
      'r.ndjson': [line('d1'), '{"deviceId": "d2", "code": 200,', line('d3'), '{"deviceId": "d4", "code": 200}', '[1]', line('d6')].join('\n'),
      'broken.json': '{\n  "deviceId": "d7",\n  "code": 200 oops\n}',
    });
    const items = await read(dir);
    expect(items.filter((i) => 'report' in i).map((i) => ('report' in i ? i.report.deviceId : ''))).toEqual(['d1', 'd3', 'd6']);
    const diagnostics = items.flatMap((i) => ('diagnostic' in i ? [i.diagnostic] : []));
    expect(diagnostics.map((d) => [d.file, d.line, d.code, d.severity])).toEqual([
      ['reports/broken.json', 3, 'report/invalid', 'warning'],
      ['reports/r.ndjson', 2, 'report/invalid', 'warning'],
      ['reports/r.ndjson', 4, 'report/invalid', 'warning'],
      ['reports/r.ndjson', 5, 'report/invalid', 'warning'],
    ]);
    expect(diagnostics[0].message).toMatch(/^not valid JSON/);
    expect(diagnostics[0].column).toBeGreaterThan(1);
    expect(diagnostics[2].message).toContain('missing "contentHash"');
    expect(diagnostics[3].message).toContain('a report is a JSON object');
  });

  it('reads a large ndjson file line by line, across read chunks, and skips an over-long line', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => line(`device-${i}`));
    lines.splice(10, 0, `{"deviceId": "${'x'.repeat(MAX_REPORT_BYTES + 10)}"}`);
    const dir = folder({ 'big.ndjson': `${lines.join('\n')}\n` });
    const items = await read(dir);
    const reports = items.filter((i) => 'report' in i);
    expect(reports.length).toBe(20_000);
    // Batches (what status reads) hold the same items, in the same order.
    const batched: ReportItem[] = [];
    for await (const batch of folderReportSource(dir, 'reports').batches!()) batched.push(...batch);
    expect(batched).toEqual(items);
    expect(items.filter((i) => 'diagnostic' in i).map((i) => ('diagnostic' in i ? [i.diagnostic.line, i.diagnostic.message] : []))).toEqual([
      [11, `line longer than ${MAX_REPORT_BYTES} bytes: not a report`],
    ]);
    expect(reports.at(-1)).toEqual({ report: { deviceId: 'device-19999', code: 200, contentHash: 'sha256:x' } });
  });

  it('a missing folder is one diagnostic, not a crash', async () => {
    const items = await read(path.join(tmpdir(), 'edgeops-no-such-reports-folder'));
    expect(items).toHaveLength(1);
    expect('diagnostic' in items[0] && items[0].diagnostic.message).toMatch(/cannot read the reports folder: ENOENT/);
  });

  it('the writer shows the file only once it is complete', async () => {
    const dir = folder({});
    const file = path.join(dir, 'out', 'simulated.ndjson');
    const out = await reportFileWriter(file);
    await out.write(`${line('d1')}\n`);
    expect(await read(dir)).toEqual([]);
    await out.close();
    expect(readFileSync(file, 'utf8')).toBe(`${line('d1')}\n`);
  });
});
