/** Nothing read from a repository reaches a terminal, a workflow log or a comment as a control character. */
import { describe, expect, it } from 'vitest';
import { githubAnnotations } from '../src/render/github.js';
import { planMarkdown } from '../src/render/plan/markdown.js';
import { planText } from '../src/render/plan/text.js';
import { createStyle } from '../src/render/style.js';
import { runPlan } from '../src/usecases/plan.js';
import { memorySource } from '../src/io/source.js';
import { deploymentYaml, fleetYaml } from './helpers.js';

const ESC = '\u001b';

describe('control characters from a repository', () => {
  it('are escaped in plan text, plan Markdown and workflow annotations', async () => {
    const value = `bad${ESC}[2J`;
    const deployments = {
      'deployments/a.yaml': deploymentYaml({ priority: 10, targetCondition: "tags.env = 'prod'" }),
      'deployments/b.yaml': deploymentYaml({ priority: 0, targetCondition: '*' }),
    };
    const base = memorySource({ ...deployments, 'fleet/f.yaml': fleetYaml([{ deviceId: 'd1', tags: { env: 'prod' } }]) });
    const head = memorySource({ ...deployments, 'fleet/f.yaml': fleetYaml([{ deviceId: 'd1', tags: { env: value } }]) });
    const result = await runPlan(base, head);
    // The value reaches the plan's facts…
    expect(JSON.stringify(result.plan.transitions)).toContain('\\u001b');
    // …and no rendering passes it on.
    const text = planText(result, createStyle(false));
    const markdown = planMarkdown(result);
    expect(text).not.toContain(ESC);
    expect(text).toContain('bad\\u001b[2J');
    expect(markdown).not.toContain(ESC);
    const annotations = githubAnnotations([
      { severity: 'warning', code: 'fleet/invalid-device-id', message: `bad ${ESC}]0;title\u0007`, file: 'fleet/f.yaml', line: 1, column: 1 },
    ]);
    // eslint-disable-next-line no-control-regex -- looking for control characters
    expect(annotations).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });
});
