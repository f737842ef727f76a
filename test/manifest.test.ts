import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/core/manifest/canonical.js';
import { chunkCreateOptions, renderManifest } from '../src/core/manifest/render.js';
import { codes, load, MINIMAL_CONTENT } from './helpers.js';

describe('effective manifest', () => {
  it('renders createOptions objects as JSON strings in 512-character chunks', () => {
    const long = { Env: Array.from({ length: 60 }, (_, i) => `VARIABLE_${i}=value-${i}`) };
    const json = canonicalJson(long);
    const chunks = chunkCreateOptions(json);
    expect(Object.keys(chunks)).toEqual(['createOptions', 'createOptions01', 'createOptions02', 'createOptions03'].slice(0, Math.ceil(json.length / 512)));
    expect(Object.values(chunks).join('')).toBe(json);
    expect(Object.values(chunks).every((c) => (c as string).length <= 512)).toBe(true);
  });

  it('is canonical: key order in the YAML does not change bytes or hash, content does', () => {
    const settings = (a: unknown) => ({
      $edgeAgent: { 'properties.desired': { modules: { m: { settings: { image: 'i', createOptions: a } } } } },
    });
    const one = renderManifest({ id: 'x', modulesContent: settings({ HostConfig: { Privileged: false, Binds: ['/a:/a'] } }) });
    const two = renderManifest({ id: 'x', modulesContent: settings({ HostConfig: { Binds: ['/a:/a'], Privileged: false } }) });
    const three = renderManifest({ id: 'x', modulesContent: settings({ HostConfig: { Privileged: true } }) });
    expect(one.json).toBe(two.json);
    expect(one.manifest.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(one.manifest.contentHash).toBe(two.manifest.contentHash);
    expect(three.manifest.contentHash).not.toBe(one.manifest.contentHash);
    const module = JSON.parse(one.json).modulesContent.$edgeAgent['properties.desired'].modules.m as { settings: Record<string, string> };
    expect(module.settings.createOptions).toBe('{"HostConfig":{"Binds":["/a:/a"],"Privileged":false}}');
    expect(Object.keys(JSON.parse(one.json))).toEqual(['contentHash', 'deployment', 'modulesContent']);
  });

  it('does not depend on priority or labels', () => {
    const a = renderManifest({ id: 'x', modulesContent: { a: 1 } });
    expect(a.json).toBe('{"contentHash":"' + a.manifest.contentHash + '","deployment":{"id":"x"},"modulesContent":{"a":1}}');
  });
});

describe('IoT Hub limits are warnings at validation time', () => {
  const deployment = (modules: string) =>
    `priority: 1\ncreatedAt: 2026-01-01T00:00:00Z\ntargetCondition: '*'\n${MINIMAL_CONTENT.replace('        modules: {}', `        modules:\n${modules}`)}`;
  const module = (name: string, extra = '') =>
    `          ${name}: { type: docker, status: running, restartPolicy: always, settings: { image: "img:1"${extra} } }`;

  it('more than 50 modules', async () => {
    const modules = Array.from({ length: 51 }, (_, i) => module(`m${i}`)).join('\n');
    const loaded = await load({ 'deployments/a.yaml': deployment(modules), 'fleet/f.yaml': 'devices: [{ deviceId: d1 }]' });
    expect(codes(loaded)).toEqual(['deployment/too-many-modules']);
    expect(loaded.diagnostics[0]).toMatchObject({ line: 13, column: 9, severity: 'warning' });
  });

  it('an $edgeAgent over 32 KB, and a createOptions over 8 chunks', async () => {
    const big = `, createOptions: { Env: [${Array.from({ length: 250 }, (_, i) => `"K${i}=${'v'.repeat(20)}"`).join(', ')}] }`;
    const modules = [module('big', big), ...Array.from({ length: 4 }, (_, i) => module(`m${i}`, big))].join('\n');
    const loaded = await load({ 'deployments/a.yaml': deployment(modules), 'fleet/f.yaml': 'devices: [{ deviceId: d1 }]' });
    expect(codes(loaded)).toContain('deployment/edge-agent-too-large');
    expect(codes(loaded).filter((c) => c === 'deployment/value-too-large')).toHaveLength(5);
    expect(loaded.valid).toBe(true);
  });

  it('a single property value over 4 KB', async () => {
    const modules = `${module('m')}\n`;
    const text = deployment(modules).replace(
      'upstream: "FROM /messages/* INTO $upstream"',
      `upstream: "FROM /messages/* WHERE x = '${'a'.repeat(4100)}' INTO $upstream"`,
    );
    const loaded = await load({ 'deployments/a.yaml': text, 'fleet/f.yaml': 'devices: [{ deviceId: d1 }]' });
    expect(loaded.diagnostics).toEqual([expect.objectContaining({ code: 'deployment/value-too-large', line: 19, column: 29 })]);
  });
});
