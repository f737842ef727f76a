/**
 * The IoT Hub client against a real loopback emulator that verifies every SAS
 * signature: auth, bodies, retries (429 + Retry-After, 500, timeouts, dropped
 * connections), the whole-client slow-down after a 429, 404s, query paging, and
 * that no secret leaves the client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionStringError, iotHubSettings, parseConnectionString, sasToken } from '../src/io/iothub/connection.js';
import { createIotHubClient, EDGE_AGENT_TWINS_QUERY, IotHubError, retryAfterMs, type IotHubClientOptions } from '../src/io/iothub/client.js';
import { createAdaptiveLimiter } from '../src/io/iothub/limiter.js';
import { renderModulesContent } from '../src/core/manifest/render.js';
import { startIotHubEmulator, type IotHubEmulator, type IotHubEmulatorOptions } from './support/iothub-emulator.js';

const KEY = 'ZWRnZW9wcy10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGVm';
const WRONG_KEY = 'd3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXkhIQ==';

let emulators: IotHubEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  emulators = [];
});

async function emulator(options: IotHubEmulatorOptions = {}): Promise<IotHubEmulator> {
  const hub = await startIotHubEmulator({ key: KEY, devices: ['d1', 'd2', 'd3'], ...options });
  emulators.push(hub);
  return hub;
}

/** A client on the emulator that sleeps no real time and remembers what it slept and logged. */
function clientFor(hub: IotHubEmulator, options: Partial<IotHubClientOptions> = {}) {
  const slept: number[] = [];
  const logs: string[] = [];
  const client = createIotHubClient({
    connectionString: hub.connectionString,
    endpoint: hub.url,
    sleep: async (ms) => {
      slept.push(ms);
    },
    log: (line) => logs.push(line),
    ...options,
  });
  return { client, slept, logs };
}

const content = (image = 'mcr.microsoft.com/azureiotedge-simulated-temperature-sensor:1.0') => ({
  $edgeAgent: {
    'properties.desired': { schemaVersion: '1.1', modules: { tempSensor: { type: 'docker', settings: { image } } } },
  },
  $edgeHub: { 'properties.desired': { schemaVersion: '1.1', routes: {} } },
});

describe('parseConnectionString', () => {
  it('reads the three parts, in any order and case, with a trailing semicolon', () => {
    expect(parseConnectionString(`sharedaccesskey=${KEY};HostName=myhub.azure-devices.net;SharedAccessKeyName=iothubowner;`)).toEqual({
      hostName: 'myhub.azure-devices.net',
      sharedAccessKeyName: 'iothubowner',
      sharedAccessKey: KEY,
    });
  });

  it.each([
    ['', /empty/],
    [`HostName=h.azure-devices.net;SharedAccessKeyName=p`, /SharedAccessKey is missing/],
    [`SharedAccessKeyName=p;SharedAccessKey=${KEY}`, /HostName is missing/],
    [`HostName=h.azure-devices.net;SharedAccessKey=${KEY}`, /SharedAccessKeyName is missing/],
    [`HostName=h.azure-devices.net;SharedAccessKeyName=p;SharedAccessKey=not base64!${KEY}`, /not base64/],
    [`HostName=h.azure-devices.net;SharedAccessKeyName=p;${KEY}`, /part 3 is not Name=value/],
    [`HostName=h.azure-devices.net;DeviceId=d1;SharedAccessKey=${KEY}`, /device or module connection string/],
    [`HostName=https://h/;SharedAccessKeyName=p;SharedAccessKey=${KEY}`, /HostName is not a host name/],
    [`HostName=h;HostName=h;SharedAccessKeyName=p;SharedAccessKey=${KEY}`, /appears twice/],
  ])('rejects %j with a message that quotes neither the string nor the key', (s, message) => {
    let thrown: unknown;
    try {
      parseConnectionString(s);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConnectionStringError);
    const text = String((thrown as Error).message);
    expect(text).toMatch(message);
    expect(text).not.toContain(KEY);
    if (s) expect(text).not.toContain(s);
  });
});

describe('iotHubSettings', () => {
  const good = `HostName=h.azure-devices.net;SharedAccessKeyName=p;SharedAccessKey=${KEY}`;
  it('takes the flag first, else the environment, and the endpoint from the environment', () => {
    expect(iotHubSettings({ EDGEOPS_IOTHUB_CONNECTION_STRING: 'ignored', EDGEOPS_IOTHUB_ENDPOINT: 'http://127.0.0.1:8443' }, good)).toEqual({
      connectionString: good,
      endpoint: 'http://127.0.0.1:8443',
    });
    expect(iotHubSettings({ EDGEOPS_IOTHUB_CONNECTION_STRING: good })).toEqual({ connectionString: good });
  });
  it('says what is missing or malformed without quoting it', () => {
    expect(iotHubSettings({})).toEqual({ error: expect.stringContaining('EDGEOPS_IOTHUB_CONNECTION_STRING') });
    const bad = iotHubSettings({ EDGEOPS_IOTHUB_CONNECTION_STRING: `HostName=h;SharedAccessKey=${KEY}` });
    expect(bad).toEqual({ error: expect.stringContaining('SharedAccessKeyName is missing') });
    expect(JSON.stringify(bad)).not.toContain(KEY);
  });
});

describe('sasToken', () => {
  it('matches an independent computation (Python hmac, sha256, base64, quote)', () => {
    expect(sasToken({ hostName: 'myhub.azure-devices.net', keyName: 'iothubowner', key: KEY, expiresAt: 1790000000 })).toBe(
      'SharedAccessSignature sr=myhub.azure-devices.net&sig=XmABc3lPYhW6rOuBs9zg2JXstd7Wu%2BZU%2BuP7dhw01bY%3D&se=1790000000&skn=iothubowner',
    );
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('3', 0)).toBe(3000);
    expect(retryAfterMs('0.5', 0)).toBe(500);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs(null, 0)).toBeUndefined();
    expect(retryAfterMs('soon', 0)).toBeUndefined();
  });
});

describe('query paging', () => {
  it('stops with an error when the hub repeats a continuation instead of looping', async () => {
    const fetch: typeof globalThis.fetch = async () => new Response('[{"deviceId":"d1"}]', { headers: { 'x-ms-continuation': 'same' } });
    const client = createIotHubClient({ connectionString: `HostName=h.azure-devices.net;SharedAccessKeyName=p;SharedAccessKey=${KEY}`, fetch });
    const seen: unknown[] = [];
    const read = async () => {
      for await (const twin of client.queryModuleTwins(EDGE_AGENT_TWINS_QUERY)) seen.push(twin);
    };
    await expect(read()).rejects.toThrow(/page 2: the hub sent the same continuation again/);
    expect(seen).toHaveLength(2);
  });
});

describe('adaptive limiter', () => {
  it('halves once per cut, stays slow until calm, then grows one per success', async () => {
    let t = 0;
    const limiter = createAdaptiveLimiter(8, () => t);
    const permits = await Promise.all([1, 2, 3].map(() => limiter.acquire()));
    limiter.throttled(permits[0], 1000);
    limiter.throttled(permits[1], 1000); // sent before the cut: no second halving
    expect(limiter.limit).toBe(4);
    const later = await (permits.forEach((p) => p.release()), limiter.acquire());
    limiter.throttled(later, 1000);
    expect(limiter.limit).toBe(2);
    limiter.succeeded();
    expect(limiter.limit).toBe(2);
    t = 1000;
    limiter.succeeded();
    limiter.succeeded();
    expect(limiter.limit).toBe(4);
    later.release();
  });

  it('never lets more than the limit in flight', async () => {
    const limiter = createAdaptiveLimiter(3, () => 0);
    let active = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        const permit = await limiter.acquire();
        most = Math.max(most, ++active);
        await new Promise((r) => setTimeout(r, 1));
        active--;
        permit.release();
      }),
    );
    expect(most).toBe(3);
  });
});

// The default transport (node:http) and a fetch handed in must behave the same.
describe.each([
  ['node:http', undefined],
  ['fetch', globalThis.fetch],
] as const)('IoT Hub client (%s) against the loopback emulator', (_transport, fetchImpl) => {
  const clientOn = (hub: IotHubEmulator, options: Partial<IotHubClientOptions> = {}) => clientFor(hub, { fetch: fetchImpl, ...options });

  it('applies content to a device with a SAS token the emulator verifies', async () => {
    const hub = await emulator({ devices: ['edge#1@lab/x'] });
    const { client } = clientOn(hub);
    expect(client.hostName).toBe(hub.hostName);
    expect(await client.applyConfigurationContent('edge#1@lab/x', content())).toEqual({ ok: true });
    expect(hub.calls).toHaveLength(1);
    expect(hub.calls[0]).toMatchObject({
      kind: 'apply',
      deviceId: 'edge#1@lab/x',
      path: '/devices/edge%231%40lab%2Fx/applyConfigurationContent',
      outcome: 204,
    });
    expect(hub.calls[0].body).toEqual({ modulesContent: content() });
    expect(hub.received.get('edge#1@lab/x')).toEqual(content());
  });

  it('takes modulesContent already serialized, as devices sharing a manifest share one JSON text', async () => {
    const seen: number[] = [];
    const hub = await emulator({ recordBodies: false, onCall: (_call, index) => seen.push(index) });
    const { client } = clientOn(hub);
    expect(await client.applyConfigurationContent('d1', JSON.stringify(content()))).toEqual({ ok: true });
    expect(await client.applyConfigurationContent('d2', JSON.stringify(content()))).toEqual({ ok: true });
    expect(hub.received.get('d2')).toEqual(content());
    expect(hub.calls[0].body).toBeUndefined();
    expect(seen).toEqual([0, 1]);
  });

  it('a wrong key fails at once with a clear 401, without retrying', async () => {
    const hub = await emulator();
    const { client } = clientOn(hub, { connectionString: `HostName=${hub.hostName};SharedAccessKeyName=${hub.keyName};SharedAccessKey=${WRONG_KEY}` });
    const result = await client.applyConfigurationContent('d1', content());
    expect(result).toEqual({ ok: false, status: 401, error: expect.stringMatching(/^401: unauthorized: .*shared access signature/) });
    expect(hub.calls).toHaveLength(1);
    expect(hub.received.size).toBe(0);
  });

  it('an expired token is refused (the emulator checks se), a wrong policy name too', async () => {
    const hub = await emulator();
    const past = clientOn(hub, { now: () => Date.now() - 2 * 3600_000, tokenTtlSeconds: 3600 }).client;
    expect(await past.applyConfigurationContent('d1', content())).toMatchObject({ ok: false, status: 401 });
    const otherPolicy = clientOn(hub, { connectionString: `HostName=${hub.hostName};SharedAccessKeyName=registryRead;SharedAccessKey=${KEY}` }).client;
    expect(await otherPolicy.applyConfigurationContent('d1', content())).toMatchObject({ ok: false, status: 401 });
  });

  it('reuses its token while valid and renews it before it expires', async () => {
    let t = Date.now();
    const hub = await emulator({ nowSeconds: () => t / 1000 });
    const { client } = clientOn(hub, { now: () => t, tokenTtlSeconds: 3600 });
    await client.applyConfigurationContent('d1', content());
    t += 1000;
    await client.applyConfigurationContent('d2', content());
    t += 3500_000; // within 5 minutes of expiry
    expect(await client.applyConfigurationContent('d3', content())).toEqual({ ok: true });
    const [a, b, c] = hub.calls.map((call) => call.authorization);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('chunked createOptions arrive intact', async () => {
    const hub = await emulator();
    const { client } = clientOn(hub);
    const createOptions = { Env: Array.from({ length: 120 }, (_, i) => `VARIABLE_${i}=${'é"\\'.repeat(i % 7)}value-${i}`), HostConfig: { Binds: ['/a:/b'] } };
    const raw = content();
    (raw.$edgeAgent['properties.desired'].modules.tempSensor.settings as Record<string, unknown>).createOptions = createOptions;
    const rendered = renderModulesContent(raw);
    expect(await client.applyConfigurationContent('d1', rendered)).toEqual({ ok: true });
    const got = hub.received.get('d1') as typeof raw;
    expect(got).toEqual(rendered);
    const settings = got.$edgeAgent['properties.desired'].modules.tempSensor.settings as Record<string, string>;
    const chunkNames = Object.keys(settings).filter((k) => k.startsWith('createOptions'));
    expect(chunkNames.length).toBeGreaterThan(3);
    expect(
      JSON.parse(
        chunkNames
          .sort()
          .map((k) => settings[k])
          .join(''),
      ),
    ).toEqual(createOptions);
  });

  it('a 429 is retried after Retry-After and lowers the whole client’s concurrency', async () => {
    const hub = await emulator();
    hub.inject({ fault: 'throttle', deviceId: 'd1', retryAfter: 2 });
    const { client, slept, logs } = clientOn(hub, { concurrency: 16 });
    expect(await client.applyConfigurationContent('d1', content())).toEqual({ ok: true });
    expect(hub.calls.map((c) => c.outcome)).toEqual([429, 204]);
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThanOrEqual(2000);
    expect(client.concurrencyLimit).toBe(8);
    expect(logs.join('\n')).toMatch(/throttled \(429\); at most 8 requests in flight/);
  });

  it('after a 429, fewer requests are in flight at the hub', async () => {
    const hub = await emulator({ latencyMs: 50, devices: Array.from({ length: 60 }, (_, i) => `d${i}`) });
    const { client } = clientOn(hub, { concurrency: 8 });
    // Unthrottled, more than 4 are in flight (8 unless the machine is very busy).
    await Promise.all(Array.from({ length: 16 }, (_, i) => client.applyConfigurationContent(`d${i}`, content())));
    expect(Math.max(...hub.calls.map((c) => c.inFlight))).toBeGreaterThan(4);
    hub.inject({ fault: 'throttle', retryAfter: 0 });
    const before = hub.calls.length;
    const results = await Promise.all(Array.from({ length: 44 }, (_, i) => client.applyConfigurationContent(`d${16 + i}`, content())));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(client.concurrencyLimit).toBe(4);
    // Once the client has seen the 429, the hub never sees more than 4 at once.
    const tail = hub.calls.slice(before + 16);
    expect(tail.length).toBeGreaterThan(20);
    expect(Math.max(...tail.map((c) => c.inFlight))).toBeLessThanOrEqual(4);
  });

  it('500s are retried with growing, jittered backoff', async () => {
    const hub = await emulator();
    hub.inject({ fault: 'error', deviceId: 'd1', times: 3 });
    const { client, slept } = clientOn(hub, { random: () => 0.5 });
    expect(await client.applyConfigurationContent('d1', content())).toEqual({ ok: true });
    expect(hub.calls.map((c) => c.outcome)).toEqual([500, 500, 500, 204]);
    expect(slept).toEqual([188, 375, 750]);
  });

  it('gives up after maxRetries with the last status', async () => {
    const hub = await emulator();
    hub.inject({ fault: 'error', status: 503, deviceId: 'd1', times: Infinity });
    const { client } = clientOn(hub, { maxRetries: 2 });
    const result = await client.applyConfigurationContent('d1', content());
    expect(result).toEqual({ ok: false, status: 503, error: expect.stringMatching(/^503: .*gave up after 3 attempts/) });
    expect(hub.calls).toHaveLength(3);
  });

  it('a response slower than the timeout is abandoned and retried', async () => {
    const hub = await emulator();
    hub.inject({ fault: 'slow', deviceId: 'd1', delayMs: 10_000 });
    // Generous for a busy machine: only the injected 10 s answer may time out.
    const { client, logs } = clientOn(hub, { timeoutMs: 1500 });
    expect(await client.applyConfigurationContent('d1', content())).toEqual({ ok: true });
    expect(hub.calls.map((c) => c.outcome)).toEqual(['slow', 204]);
    expect(logs.join('\n')).toMatch(/timed out after 1500 ms; retry 1/);
  });

  it('a dropped connection is retried', async () => {
    const hub = await emulator();
    hub.inject({ fault: 'drop', deviceId: 'd1', times: 2 });
    const { client, logs } = clientOn(hub);
    expect(await client.applyConfigurationContent('d1', content())).toEqual({ ok: true });
    expect(hub.calls.map((c) => c.outcome)).toEqual(['dropped', 'dropped', 204]);
    expect(logs.join('\n')).toMatch(/connection failed/);
  });

  it('a device the hub does not know fails alone, at once', async () => {
    const hub = await emulator();
    const { client } = clientOn(hub);
    const [a, ghost, b] = await Promise.all(['d1', 'ghost', 'd2'].map((id) => client.applyConfigurationContent(id, content())));
    expect(a).toEqual({ ok: true });
    expect(b).toEqual({ ok: true });
    expect(ghost).toEqual({ ok: false, status: 404, error: '404: device not found in hub' });
    expect(hub.calls.filter((c) => c.deviceId === 'ghost')).toHaveLength(1);
    expect([...hub.received.keys()].sort()).toEqual(['d1', 'd2']);
  });

  it('other 4xx fail at once with the hub’s message', async () => {
    const hub = await emulator();
    hub.inject({ fault: 'error', status: 400, deviceId: 'd1' });
    const { client } = clientOn(hub);
    expect(await client.applyConfigurationContent('d1', content())).toEqual({ ok: false, status: 400, error: '400: ErrorCode:ServerError;injected failure' });
    expect(hub.calls).toHaveLength(1);
  });

  it('queries module twins over three pages with x-ms-continuation', async () => {
    const hub = await emulator({ pageSize: 3 });
    const ids = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'c1'];
    for (const id of ids) hub.setTwin(id, { desired: { $version: 1 }, reported: { lastDesiredVersion: 1 } });
    hub.inject({ fault: 'throttle', kind: 'query', retryAfter: 0 });
    const { client } = clientOn(hub, { pageSize: 50 });
    const twins: Record<string, unknown>[] = [];
    for await (const twin of client.queryModuleTwins(EDGE_AGENT_TWINS_QUERY)) twins.push(twin);
    expect(twins.map((t) => t.deviceId)).toEqual(ids);
    expect(twins[0]).toMatchObject({ moduleId: '$edgeAgent', properties: { desired: { $version: 1 }, reported: { lastDesiredVersion: 1 } } });
    const queries = hub.calls.filter((c) => c.kind === 'query');
    expect(queries.map((c) => c.outcome)).toEqual([429, 200, 200, 200]);
    expect(queries[0].body).toEqual({ query: EDGE_AGENT_TWINS_QUERY });
    expect(queries.map((c) => c.maxItemCount)).toEqual([50, 50, 50, 50]);
    expect(queries[1].continuation).toBeUndefined();
    expect(queries[2].continuation).toBeTruthy();
    expect(queries[3].continuation).toBeTruthy();
    expect(queries[3].continuation).not.toBe(queries[2].continuation);
  });

  it('a query that cannot be read throws an IotHubError naming the page', async () => {
    const hub = await emulator();
    hub.setTwin('d1', { desired: { $version: 1 }, reported: {} });
    const { client } = clientOn(hub, { connectionString: `HostName=${hub.hostName};SharedAccessKeyName=${hub.keyName};SharedAccessKey=${WRONG_KEY}` });
    const read = async () => {
      for await (const twin of client.queryModuleTwins(EDGE_AGENT_TWINS_QUERY)) void twin;
    };
    await expect(read()).rejects.toThrow(IotHubError);
    await expect(read()).rejects.toThrow(/^IoT Hub query, page 1: 401: unauthorized/);
  });

  it('no error or log line holds the key, a token, a signature or the connection string', async () => {
    const hub = await emulator();
    const texts: string[] = [];
    const good = clientOn(hub, { timeoutMs: 200, maxRetries: 1 });
    const bad = clientOn(hub, { connectionString: `HostName=${hub.hostName};SharedAccessKeyName=${hub.keyName};SharedAccessKey=${WRONG_KEY}` });
    hub.inject({ fault: 'throttle', deviceId: 'd1', times: Infinity });
    hub.inject({ fault: 'error', deviceId: 'd2', times: Infinity });
    hub.inject({ fault: 'slow', deviceId: 'd3', delayMs: 5000, times: Infinity });
    hub.inject({ fault: 'drop', deviceId: 'ghost', times: 1 });
    for (const id of ['d1', 'd2', 'd3', 'ghost']) {
      const r = await good.client.applyConfigurationContent(id, content());
      if (!r.ok) texts.push(r.error);
    }
    const r = await bad.client.applyConfigurationContent('d1', content());
    if (!r.ok) texts.push(r.error);
    try {
      for await (const twin of bad.client.queryModuleTwins(EDGE_AGENT_TWINS_QUERY)) void twin;
    } catch (e) {
      texts.push(String(e), (e as Error).stack ?? '');
    }
    for (const connectionString of [hub.connectionString, `nonsense;SharedAccessKey=${KEY}`]) {
      try {
        createIotHubClient({ connectionString, endpoint: hub.url });
      } catch (e) {
        texts.push(String(e));
      }
    }
    texts.push(...good.logs, ...bad.logs);
    expect(texts.length).toBeGreaterThan(8);
    const secrets = [KEY, WRONG_KEY, hub.connectionString];
    for (const call of hub.calls) {
      secrets.push(call.authorization!);
      const sig = /sig=([^&]+)/.exec(call.authorization!)![1];
      secrets.push(sig, decodeURIComponent(sig));
    }
    const all = texts.join('\n');
    for (const secret of secrets) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/SharedAccessSignature sr=|SharedAccessKey=[A-Za-z0-9+/]{8}/);
  });
});
