/** The manifest diff of an `updated` deployment, and edits that move no device (issue #11, points 6 and 7). */
import { describe, expect, it } from 'vitest';
import { diffContent } from '../src/core/plan/content-diff.js';
import { runPlan } from '../src/usecases/plan.js';
import { planJson } from '../src/render/json.js';
import { planMarkdown } from '../src/render/plan/markdown.js';
import { planText } from '../src/render/plan/text.js';
import { createStyle } from '../src/render/style.js';
import { memorySource } from '../src/io/source.js';
import { deploymentYaml, fleetYaml } from './helpers.js';

const agent = (modules: Record<string, unknown>) => ({
  'properties.desired': {
    schemaVersion: '1.1',
    runtime: { type: 'docker' },
    systemModules: { edgeHub: { type: 'docker', settings: { image: 'hub:1.5' } } },
    modules,
  },
});

describe('diffContent', () => {
  it('says per module, route and twin what changed, by path', () => {
    const before = {
      $edgeAgent: agent({
        temp: {
          status: 'running',
          restartPolicy: 'always',
          settings: { image: 'sensor:1.5', createOptions: '{"HostConfig":{"Privileged":false}}' },
          env: { A: { value: '1' } },
        },
        old: { settings: { image: 'old:1' } },
      }),
      $edgeHub: { 'properties.desired': { schemaVersion: '1.1', routes: { up: 'FROM /messages/* INTO $upstream', gone: 'FROM /x INTO $upstream' } } },
      temp: { 'properties.desired': { interval: 5 } },
    };
    const after = {
      $edgeAgent: agent({
        temp: {
          status: 'stopped',
          restartPolicy: 'always',
          settings: { image: 'sensor:1.6', createOptions: { HostConfig: { Privileged: false, Binds: ['/a:/a'] } } },
          env: { B: { value: '2' } },
        },
      }),
      $edgeHub: { 'properties.desired': { schemaVersion: '1.2', routes: { up: 'FROM /messages/* WHERE a = 1 INTO $upstream' } } },
      temp: { 'properties.desired': { interval: 10 } },
    };
    expect(diffContent(before, after)).toEqual([
      { scope: 'module', name: 'old', path: '', before: { settings: { image: 'old:1' } } },
      { scope: 'module', name: 'temp', path: 'env.A', before: { value: '1' } },
      { scope: 'module', name: 'temp', path: 'env.B', after: { value: '2' } },
      { scope: 'module', name: 'temp', path: 'settings.createOptions.HostConfig.Binds', after: ['/a:/a'] },
      { scope: 'module', name: 'temp', path: 'settings.image', before: 'sensor:1.5', after: 'sensor:1.6' },
      { scope: 'module', name: 'temp', path: 'status', before: 'running', after: 'stopped' },
      { scope: 'route', name: 'gone', path: '', before: 'FROM /x INTO $upstream' },
      { scope: 'route', name: 'up', path: '', before: 'FROM /messages/* INTO $upstream', after: 'FROM /messages/* WHERE a = 1 INTO $upstream' },
      { scope: 'edgeHub', path: 'schemaVersion', before: '1.1', after: '1.2' },
      { scope: 'twin', name: 'temp', path: 'interval', before: 5, after: 10 },
    ]);
  });

  it('a createOptions string re-spaced is no change', () => {
    const a = { $edgeAgent: agent({ m: { settings: { image: 'x', createOptions: '{"a":1}' } } }) };
    const b = { $edgeAgent: agent({ m: { settings: { image: 'x', createOptions: '{ "a": 1 }' } } }) };
    expect(diffContent(a, b)).toEqual([]);
  });
});

const content = (image: string) =>
  `content:\n  modulesContent:\n    $edgeAgent:\n      properties.desired:\n        schemaVersion: "1.1"\n        runtime: { type: docker, settings: { minDockerVersion: v1.25 } }\n        systemModules:\n          edgeAgent: { type: docker, settings: { image: "mcr.microsoft.com/azureiotedge-agent:1.5" } }\n          edgeHub: { type: docker, status: running, restartPolicy: always, settings: { image: "mcr.microsoft.com/azureiotedge-hub:1.5" } }\n        modules:\n          temp: { version: "1.0", type: docker, status: running, restartPolicy: always, settings: { image: "${image}" } }\n    $edgeHub:\n      properties.desired:\n        schemaVersion: "1.1"\n        routes: { up: "FROM /messages/* INTO $upstream" }\n        storeAndForwardConfiguration: { timeToLiveSecs: 7200 }\n`;

describe('a plan shows what changed in deployments', () => {
  const fleet = fleetYaml([{ deviceId: 'd1', tags: { env: 'prod' } }]);
  const repo = (spec: Parameters<typeof deploymentYaml>[0]) => memorySource({ 'deployments/a.yaml': deploymentYaml(spec), 'fleet/f.yaml': fleet });

  it('updated: the manifest diff in text, JSON contentChanges and Markdown', async () => {
    const result = await runPlan(
      repo({ targetCondition: "tags.env = 'prod'", content: content('sensor:1.5') }),
      repo({ targetCondition: "tags.env = 'prod'", content: content('sensor:1.6') }),
    );
    expect(result.plan.summary.updated).toBe(1);
    const change = { scope: 'module', name: 'temp', path: 'settings.image', before: 'sensor:1.5', after: 'sensor:1.6' };
    expect(planJson(result).deployments[0].contentChanges).toEqual([change]);
    expect(planText(result, createStyle(false))).toContain("why (d1): the manifest changed: module temp: settings.image 'sensor:1.5' → 'sensor:1.6'");
    expect(planMarkdown(result)).toContain("- `a`\n  - module `temp`: `settings.image` `'sensor:1.5'` → `'sensor:1.6'`");
    expect(planMarkdown(result)).not.toMatch(/content [0-9a-f]{12} → /);
  });

  it('an edit that moves no device is still shown: priority, createdAt, labels, condition', async () => {
    const result = await runPlan(
      repo({ priority: 10, targetCondition: "tags.env = 'prod'", labels: { team: 'a' } }),
      repo({ priority: 20, createdAt: '2026-02-01T00:00:00Z', targetCondition: "tags.env = 'prod' OR tags.env = 'staging'", labels: { team: 'b' } }),
    );
    expect(result.plan.summary.changed).toBe(0);
    expect(result.plan.deployments[0].edits).toEqual([
      { field: 'priority', before: 10, after: 20 },
      { field: 'createdAt', before: '2026-01-01T00:00:00Z', after: '2026-02-01T00:00:00Z' },
      { field: 'labels', before: { team: 'a' }, after: { team: 'b' } },
      { field: 'targetCondition', before: "tags.env = 'prod'", after: "tags.env = 'prod' OR tags.env = 'staging'" },
    ]);
    const md = planMarkdown(result);
    expect(md).toContain('#### Deployment changes');
    expect(md).toContain('  - priority `10` → `20`');
    expect(md).toContain('  - labels `team=a` → `team=b`');
    expect(planText(result, createStyle(false))).toContain('Deployment changes:\n  a\n    priority 10 → 20');
  });
});
