import { describe, expect, it } from 'vitest';
import type { PlacedDiagnostic } from '../src/core/diagnostics.js';
import { codeReport } from '../src/render/markdown-report.js';
import { validateMarkdown } from '../src/render/validate-markdown.js';

const problem = (i: number, message = `problem ${i}`): PlacedDiagnostic => ({
  severity: 'error',
  code: 'schema/invalid',
  message,
  file: `deployments/d${i}.yaml`,
  line: 1,
  column: 1,
});

describe('job summary reports', () => {
  it('put the verdict first and the text in a fence no message can close', () => {
    const md = codeReport({ title: 'edgeops x', ok: false, verdict: '✗ broken', text: 'a ``` b\n' });
    expect(md).toBe('### edgeops x\n\n🔴 **broken**\n\n````text\na ``` b\n````\n');
    expect(codeReport({ title: 'edgeops x', ok: true, verdict: 'fine', text: '' })).toBe('### edgeops x\n\n🟢 **fine**\n');
  });

  it('validate shows the first 200 problems and counts the rest', () => {
    const diagnostics = Array.from({ length: 250 }, (_, i) => problem(i));
    const md = validateMarkdown({ valid: false, diagnostics, deployments: 250, devices: 0, files: 250 });
    expect(md).toContain('🔴 **invalid: 250 errors, 0 warnings (250 deployments, 0 devices in 250 files)**');
    expect(md).toContain('deployments/d199.yaml:1:1 error schema/invalid');
    expect(md).not.toContain('deployments/d200.yaml');
    expect(md).toContain('…and 50 more: run `edgeops validate` for all of them.');
  });
});
