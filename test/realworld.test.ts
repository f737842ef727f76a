/**
 * What IoT Edge itself accepts and rejects (the edgeAgent/edgeHub schemas `az iot edge`
 * validates with, and the runtime), each rule on a small manifest.
 */
import { describe, expect, it } from 'vitest';
import { jsonSyntaxError } from '../src/core/manifest/json-syntax.js';
import { isImageReference, routeProblem } from '../src/core/manifest/checks.js';
import { renderManifest } from '../src/core/manifest/render.js';
import { parseCondition } from '../src/core/condition/index.js';
import { memorySource } from '../src/io/source.js';
import { explainJson } from '../src/render/json.js';
import { createStyle } from '../src/render/style.js';
import { explainText } from '../src/render/text/explain.js';
import { explain } from '../src/usecases/explain.js';
import { load, winners } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are edited freely in these tests
type Json = Record<string, any>;

function manifest(): Json {
  return {
    $edgeAgent: {
      'properties.desired': {
        schemaVersion: '1.1',
        runtime: { type: 'docker', settings: { minDockerVersion: 'v1.25' } },
        systemModules: {
          edgeAgent: { type: 'docker', settings: { image: 'mcr.microsoft.com/azureiotedge-agent:1.5' } },
          edgeHub: { type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: 'mcr.microsoft.com/azureiotedge-hub:1.5' } },
        },
        modules: {
          sensor: { type: 'docker', status: 'running', restartPolicy: 'always', settings: { image: 'contoso.azurecr.io/sensor:1.0' } },
        },
      },
    },
    $edgeHub: {
      'properties.desired': {
        schemaVersion: '1.1',
        routes: { upstream: 'FROM /messages/* INTO $upstream' },
        storeAndForwardConfiguration: { timeToLiveSecs: 7200 },
      },
    },
  };
}

const agent = (m: Json): Json => m.$edgeAgent['properties.desired'];
const hub = (m: Json): Json => m.$edgeHub['properties.desired'];
const sensor = (m: Json): Json => agent(m).modules.sensor;

async function check(edit: (m: Json) => void, condition = '*') {
  const m = manifest();
  edit(m);
  const file = JSON.stringify({ priority: 1, createdAt: '2026-01-01T00:00:00Z', targetCondition: condition, content: { modulesContent: m } }, null, 1);
  const loaded = await load({
    'deployments/d.yaml': file,
    'fleet/devices.yaml': JSON.stringify({ devices: [{ deviceId: 'a', tags: { group: { name: 'x' } } }] }),
  });
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  const warnings = loaded.diagnostics.filter((d) => d.severity === 'warning');
  return { loaded, errors, warnings, messages: loaded.diagnostics.map((d) => `${d.code} ${d.message}`) };
}

describe('environment variable names (IoT Edge: ^[^+#$\\s.]+$)', () => {
  it('accepts colons and a leading digit, rejects dots', async () => {
    const ok = await check((m) => (sensor(m).env = { 'Logging:LogLevel:Microsoft': { value: 'Warning' }, '1ST': { value: 1 } }));
    expect(ok.errors).toEqual([]);
    const bad = await check((m) => (sensor(m).env = { 'A.B': { value: 'x' } }));
    expect(bad.errors.map((d) => d.message)).toEqual([expect.stringContaining("key 'A.B' is not allowed")]);
  });
});

describe('already-chunked createOptions', () => {
  const json = JSON.stringify({ HostConfig: { Binds: ['/a:/a'], PortBindings: { '5671/tcp': [{ HostPort: '5671' }] } } });
  const parts = [json.slice(0, 20), json.slice(20, 40), json.slice(40)];

  it('are valid when contiguous strings, and rendering keeps them as written', async () => {
    const r = await check((m) => Object.assign(sensor(m).settings, { createOptions: parts[0], createOptions01: parts[1], createOptions02: parts[2] }));
    expect(r.errors).toEqual([]);
    const deployment = r.loaded.analysis.repository.deployments[0];
    const rendered = JSON.parse(renderManifest(deployment).json).modulesContent.$edgeAgent['properties.desired'].modules.sensor.settings;
    expect(rendered).toEqual({ image: 'contoso.azurecr.io/sensor:1.0', createOptions: parts[0], createOptions01: parts[1], createOptions02: parts[2] });
  });

  it('with a gap is an error naming the chunk', async () => {
    const r = await check((m) => Object.assign(sensor(m).settings, { createOptions: parts[0], createOptions01: parts[1], createOptions03: parts[2] }));
    expect(r.errors.map((d) => d.code)).toEqual(['manifest/invalid-chunks']);
    expect(r.errors[0].message).toContain('createOptions03 comes where createOptions02 is expected');
  });

  it('a chunk that is not a string, or chunks after an object createOptions, are errors', async () => {
    const nonString = await check((m) => Object.assign(sensor(m).settings, { createOptions: parts[0], createOptions01: { a: 1 } }));
    expect(nonString.errors.map((d) => d.message)).toEqual([expect.stringContaining('createOptions01: must be string')]);
    const mixed = await check((m) => Object.assign(sensor(m).settings, { createOptions: { HostConfig: {} }, createOptions01: 'x' }));
    expect(mixed.errors.map((d) => d.code)).toEqual(['manifest/invalid-chunks']);
    expect(mixed.errors[0].message).toContain('createOptions is a mapping');
  });
});

describe('twin key rules', () => {
  it("rejects '.', '$', spaces and control characters in keys the hub stores", async () => {
    const r = await check((m) => {
      agent(m).runtime.settings.registryCredentials = { $REGISTRY: { username: 'u', password: 'p', address: 'r.azurecr.io' } };
      hub(m).routes['to cloud'] = 'FROM /messages/* INTO $upstream';
      m.sensor = { 'properties.desired': { 'a.b': 1, ok: { 'bell\u0007': 2 } } };
    });
    expect(r.errors.map((d) => d.code)).toEqual([
      'manifest/invalid-twin-key',
      'manifest/invalid-twin-key',
      'manifest/invalid-twin-key',
      'manifest/invalid-twin-key',
    ]);
    expect(r.messages.join('\n')).toContain("'$REGISTRY' contains '$'");
    expect(r.messages.join('\n')).toContain("'to cloud' contains a space");
    expect(r.messages.join('\n')).toContain("'bell\\u0007' contains U+0007");
  });

  it('rejects a registry address with whitespace', async () => {
    const r = await check((m) => (agent(m).runtime.settings.registryCredentials = { acr: { username: 'u', password: 'p', address: 'r .azurecr.io' } }));
    expect(r.errors.map((d) => d.message)).toEqual([expect.stringContaining('without whitespace')]);
  });
});

describe('what the runtime accepts', () => {
  it('$edgeHub 1.3 with integrity, $edgeAgent 1.1.0, settings.digest, storeLimits, timeToLiveSecs -1', async () => {
    const r = await check((m) => {
      agent(m).schemaVersion = '1.1.0';
      sensor(m).settings.digest = `sha256:${'a'.repeat(64)}`;
      Object.assign(hub(m), {
        schemaVersion: '1.3',
        integrity: { header: { signercert: ['x'] }, signature: { bytes: 'y', algorithm: 'ES256' } },
        storeAndForwardConfiguration: { timeToLiveSecs: -1, storeLimits: { maxSizeBytes: 1_000_000 } },
      });
    });
    expect(r.messages).toEqual([]);
  });

  it('still rejects versions the runtime cannot read', async () => {
    const r = await check((m) => {
      agent(m).schemaVersion = '2.0';
      hub(m).schemaVersion = '1.4';
    });
    expect(r.errors.map((d) => d.code)).toEqual(['schema/invalid', 'schema/invalid']);
  });
});

describe('tags.[[name]]: the escape for a tag named like a keyword', () => {
  it('parses as the tag name and resolves on it', async () => {
    expect(parseCondition("tags.[[group]].name = 'x'").problems).toEqual([]);
    const r = await check(() => undefined, "tags.[[group]].name = 'x'");
    expect(r.errors).toEqual([]);
    expect(winners(r.loaded)).toEqual({ a: 'd' });
  });

  it('an unescaped keyword gets the hint to escape it', () => {
    const { problems } = parseCondition("tags.group.name = 'x'");
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('write it as [[group]], e.g. tags.[[group]].name')]);
    expect(parseCondition("tags.[[group = 'x'").problems[0].message).toContain("'[[' is not closed");
  });
});

describe('layered deployments', () => {
  it('get one diagnostic saying they are not supported, not a schema error per key', async () => {
    const file = JSON.stringify({
      priority: 1,
      createdAt: '2026-01-01T00:00:00Z',
      targetCondition: '*',
      content: {
        modulesContent: {
          $edgeAgent: { 'properties.desired.modules.x': { type: 'docker' } },
          $edgeHub: { 'properties.desired.routes.r': 'FROM /* INTO $upstream' },
        },
      },
    });
    const loaded = await load({ 'deployments/d.yaml': file, 'fleet/devices.yaml': 'devices: []\n' });
    expect(loaded.diagnostics.map((d) => d.code)).toEqual(['deployment/layered']);
    expect(loaded.diagnostics[0].message).toContain('does not support layered deployments');
  });
});

describe('a deployment whose manifest is invalid', () => {
  it('still wins its devices (IoT Hub does not validate content either)', async () => {
    const r = await check((m) => (sensor(m).restartPolicy = 'sometimes'));
    expect(r.errors.map((d) => d.code)).toEqual(['schema/invalid']);
    expect(winners(r.loaded)).toEqual({ a: 'd' });
  });

  it('explain says the winner wins but its manifest is invalid (text and JSON)', async () => {
    const m = manifest();
    sensor(m).restartPolicy = 'sometimes';
    const file = JSON.stringify({ priority: 1, createdAt: '2026-01-01T00:00:00Z', targetCondition: '*', content: { modulesContent: m } }, null, 1);
    const source = memorySource({ 'deployments/d.yaml': file, 'fleet/devices.yaml': 'devices: [{ deviceId: a }]\n' });
    const { explanation } = await explain(source, 'a');
    expect(explanation?.winner).toBe('d');
    expect(explanation?.winnerManifest).toEqual({
      errors: 1,
      first: expect.stringContaining("restartPolicy: must be one of 'never'"),
      line: expect.any(Number),
    });
    expect(explainText(explanation!, createStyle(false))).toContain('but the manifest of d is invalid (1 error; line');
    expect(explainJson(explanation!).winnerManifest).toMatchObject({ valid: false, errors: 1 });
    const valid = await explain(
      memorySource({ 'deployments/d.yaml': file.replace('sometimes', 'always'), 'fleet/devices.yaml': 'devices: [{ deviceId: a }]\n' }),
      'a',
    );
    expect(valid.explanation?.winnerManifest).toBeUndefined();
  });
});

describe('manifest checks IoT Edge would only fail after merge (#11)', () => {
  it('a createOptions string that is not JSON is an error with the position', async () => {
    const r = await check((m) => (sensor(m).settings.createOptions = '{"HostConfig": {"Binds": ["/a:/a",]}}'));
    expect(r.errors.map((d) => [d.code, d.message])).toEqual([
      [
        'manifest/invalid-create-options',
        `module sensor: createOptions is not JSON: unexpected "]", expected a value at character 35; write it as a mapping to let edgeops produce the JSON`,
      ],
    ]);
  });

  it('a route that is not FROM <source> [WHERE <condition>] INTO <sink> is an error naming the part', async () => {
    expect(routeProblem('FROM /messages/modules/a/outputs/* WHERE $body.x > 1 INTO BrokeredEndpoint("/modules/b/inputs/in")')).toBeUndefined();
    expect(routeProblem('from /* into $upstream')).toBeUndefined();
    expect(routeProblem('/messages/* INTO $upstream')).toContain('does not start with FROM');
    expect(routeProblem('FROM /messages/* $upstream')).toContain('no INTO');
    expect(routeProblem('FROM /messages/* WHERE INTO $upstream')).toContain('WHERE without a condition');
    expect(routeProblem('FROM /messages/* INTO upstream')).toContain("sink 'upstream'");
    const r = await check((m) => (hub(m).routes = { r1: { route: 'FROM /messages/* INTO cloud', priority: 0 } }));
    expect(r.errors.map((d) => d.message)).toEqual([expect.stringContaining("route r1: sink 'cloud' is neither")]);
  });

  it('an image that is not a valid reference is a warning', async () => {
    for (const ok of ['mcr.microsoft.com/azureiotedge-agent:1.5', 'localhost:5000/a/b:c', `a/b@sha256:${'0'.repeat(64)}`, 'ubuntu'])
      expect(isImageReference(ok)).toBe(true);
    for (const bad of ['Contoso/Sensor', 'a:b:c', 'a b', '${MODULES.x}']) expect(isImageReference(bad)).toBe(false);
    const r = await check((m) => (sensor(m).settings.image = 'contoso.azurecr.io/Sensor:1.0'));
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((d) => d.code)).toEqual(['manifest/invalid-image']);
  });

  it('finds JSON errors iteratively, at the right index', () => {
    expect(jsonSyntaxError('{"a": [1, 2, {"b": null}], "c": "\\u00e9"}')).toBeUndefined();
    expect(jsonSyntaxError('{"a" 1}')).toEqual({ index: 5, message: 'unexpected "1", expected \':\'' });
    expect(jsonSyntaxError('[1, 2')?.message).toBe("the text ends too early, expected ',' or ']'");
    expect(jsonSyntaxError('['.repeat(100_000))?.index).toBe(100_000);
    expect(jsonSyntaxError('{} x')?.index).toBe(3);
  });
});
