/**
 * A small Azure IoT Hub on 127.0.0.1 for tests: the two REST calls edgeops makes
 * (`applyConfigurationContent`, `devices/query` over `$edgeAgent` module twins).
 * It verifies every SAS token against its own copy of the key (401 for a forged,
 * expired or malformed one), knows which devices exist (404 for others), records
 * every call, pages query results with `x-ms-continuation`, and injects faults
 * by rule: 429 with Retry-After, 500, responses slower than the client's timeout,
 * dropped connections.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type CallKind = 'apply' | 'query' | 'other';

export interface EmulatorCall {
  readonly kind: CallKind;
  readonly method: string;
  readonly path: string;
  readonly deviceId?: string;
  /** The parsed JSON body (undefined when it was not JSON). */
  readonly body?: unknown;
  /** The raw Authorization header, so tests can check it never leaks. */
  readonly authorization?: string;
  /** `x-ms-continuation` the client sent. */
  readonly continuation?: string;
  readonly maxItemCount?: number;
  /** Requests in flight when this one arrived, itself included. */
  readonly inFlight: number;
  /** The status answered, or the fault: `slow` (answered after the delay, if the client still listened), `dropped`. */
  outcome?: number | 'slow' | 'dropped';
}

export interface FaultRule {
  readonly fault: 'throttle' | 'error' | 'slow' | 'drop';
  /** Only calls for this device (apply calls). */
  readonly deviceId?: string;
  /** Only calls of this kind. */
  readonly kind?: CallKind;
  /** How many matching calls the rule hits (default 1; Infinity for every one). */
  readonly times?: number;
  /** Seconds, for `throttle` (default 1); omitted from the answer when null. */
  readonly retryAfter?: number | null;
  /** For `error` (default 500). */
  readonly status?: number;
  /** For `slow` (default 60 s): how long before answering normally. */
  readonly delayMs?: number;
}

export interface EdgeAgentTwin {
  /** The `$edgeAgent` desired properties, `$version` included. */
  readonly desired: Record<string, unknown>;
  /** The `$edgeAgent` reported properties (lastDesiredVersion, lastDesiredStatus, systemModules, modules …). */
  readonly reported: Record<string, unknown>;
}

export interface AgentReport {
  /** Default 200. */
  readonly code?: number;
  readonly description?: string;
  /** Module name → runtimeStatus (and optional exitCode, statusDescription); default: every desired module running. */
  readonly modules?: Record<string, { runtimeStatus: string; exitCode?: number; statusDescription?: string }>;
  /** Report about this desired version instead of the current one (an older one: the agent has not caught up). */
  readonly lastDesiredVersion?: number;
  /** RFC 3339; default now. */
  readonly reportedAt?: string;
}

export interface IotHubEmulatorOptions {
  readonly hostName?: string;
  readonly keyName?: string;
  /** Base64; random when omitted. */
  readonly key?: string;
  /** Devices that exist in the hub. */
  readonly devices?: Iterable<string>;
  /** Most twins per query page (the client's x-ms-max-item-count may ask for fewer). Default 100. */
  readonly pageSize?: number;
  /** Delay before every answer (makes concurrency observable). */
  readonly latencyMs?: number;
  /** Seconds since the epoch, to check token expiry. */
  readonly nowSeconds?: () => number;
  /** Keep each call's body in `calls` (default true; false for benchmarks over many devices). */
  readonly recordBodies?: boolean;
  /** Called as each call arrives (before it is answered): a test can kill a client after N calls. */
  readonly onCall?: (call: EmulatorCall, index: number) => void;
}

export interface IotHubEmulator {
  /** `http://127.0.0.1:<port>`: pass as the client's `endpoint`. */
  readonly url: string;
  readonly hostName: string;
  readonly keyName: string;
  readonly key: string;
  readonly connectionString: string;
  readonly calls: EmulatorCall[];
  /** The last modulesContent each device acknowledged. */
  readonly received: Map<string, Record<string, unknown>>;
  readonly devices: Set<string>;
  /** Most requests that were in flight at once. */
  readonly maxInFlight: number;
  /** Sets a device's `$edgeAgent` module twin (the device is added to the hub). */
  setTwin(deviceId: string, twin: EdgeAgentTwin): void;
  /** Plays the agent: reports on the device's current desired `$edgeAgent` content. */
  report(deviceId: string, report?: AgentReport): void;
  inject(rule: FaultRule): void;
  /** Forgets every injected rule not yet used up. */
  clearFaults(): void;
  close(): Promise<void>;
}

const QUERY = /^\s*SELECT\s+\*\s+FROM\s+devices\.modules\s+WHERE\s+moduleId\s*=\s*'\$edgeAgent'\s*$/i;
const MAX_BODY = 1024 * 1024;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function startIotHubEmulator(options: IotHubEmulatorOptions = {}): Promise<IotHubEmulator> {
  const hostName = options.hostName ?? 'edgeops-test.azure-devices.net';
  const keyName = options.keyName ?? 'iothubowner';
  const key = options.key ?? randomBytes(32).toString('base64');
  const pageSize = options.pageSize ?? 100;
  const nowSeconds = options.nowSeconds ?? (() => Date.now() / 1000);
  const devices = new Set(options.devices ?? []);
  const calls: EmulatorCall[] = [];
  const received = new Map<string, Record<string, unknown>>();
  const twins = new Map<string, EdgeAgentTwin>();
  // Device ids with a twin, sorted for paging; rebuilt only when a device gets its first twin.
  let sortedIds: string[] | undefined;
  const putTwin = (deviceId: string, twin: EdgeAgentTwin): void => {
    if (!twins.has(deviceId)) sortedIds = undefined;
    twins.set(deviceId, twin);
  };
  const rules: { rule: FaultRule; left: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  const verify = (header: string | undefined): string | undefined => {
    const m = /^SharedAccessSignature (.+)$/.exec(header ?? '');
    if (!m) return 'missing or malformed Authorization header';
    const fields = new Map(m[1].split('&').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const));
    const sr = fields.get('sr');
    const sig = fields.get('sig');
    const se = Number(fields.get('se'));
    if (!sr || !sig || !Number.isInteger(se)) return 'token fields missing';
    if (decodeURIComponent(fields.get('skn') ?? '') !== keyName) return 'unknown policy';
    if (decodeURIComponent(sr).toLowerCase() !== hostName.toLowerCase()) return 'token for another hub';
    if (se <= nowSeconds()) return 'token expired';
    const expected = createHmac('sha256', Buffer.from(key, 'base64')).update(`${sr}\n${se}`).digest();
    const given = Buffer.from(decodeURIComponent(sig), 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature does not match';
    return undefined;
  };

  const takeFault = (kind: CallKind, deviceId: string | undefined): FaultRule | undefined => {
    for (const entry of rules) {
      const { rule } = entry;
      if (entry.left <= 0) continue;
      if (rule.kind && rule.kind !== kind) continue;
      if (rule.deviceId !== undefined && rule.deviceId !== deviceId) continue;
      entry.left--;
      return rule;
    }
    return undefined;
  };

  const twinDocument = (deviceId: string, twin: EdgeAgentTwin): Record<string, unknown> => ({
    deviceId,
    moduleId: '$edgeAgent',
    etag: 'AAAAAAAAAAE=',
    status: 'enabled',
    connectionState: 'Connected',
    version: Number(twin.desired.$version ?? 1) + Number(twin.reported.$version ?? 1),
    properties: { desired: twin.desired, reported: twin.reported },
  });

  // Ends a request's time in flight: when its answer is written (before the client can see it) or its connection closes.
  const settle = new WeakMap<http.ServerResponse, () => void>();
  const answer = (res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): number => {
    settle.get(res)?.();
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...headers }).end(text);
    return status;
  };
  const hubError = (code: string, message: string) => ({ Message: `ErrorCode:${code};${message}`, ExceptionMessage: '' });

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, call: EmulatorCall, body: unknown): number => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.searchParams.get('api-version') !== '2021-04-12') return answer(res, 400, hubError('InvalidProtocolVersion', 'unsupported api-version'));
    if (call.kind === 'apply') {
      const deviceId = call.deviceId!;
      if (!devices.has(deviceId)) return answer(res, 404, hubError('DeviceNotFound', `Device ${deviceId} not registered`));
      const modulesContent = isObject(body) ? body.modulesContent : undefined;
      if (!isObject(modulesContent)) return answer(res, 400, hubError('ArgumentInvalid', 'modulesContent missing'));
      received.set(deviceId, modulesContent);
      // Like the hub: the $edgeAgent desired properties become the module twin's, with a new $version.
      const agent = modulesContent.$edgeAgent;
      if (isObject(agent) && isObject(agent['properties.desired'])) {
        const old = twins.get(deviceId);
        const version = Number(old?.desired.$version ?? 0) + 1;
        const $metadata = { $lastUpdated: new Date().toISOString(), $lastUpdatedVersion: version };
        putTwin(deviceId, { desired: { ...agent['properties.desired'], $metadata, $version: version }, reported: old?.reported ?? { $version: 1 } });
      }
      return answer(res, 204);
    }
    if (call.kind === 'query') {
      const query = isObject(body) ? body.query : undefined;
      if (typeof query !== 'string' || !QUERY.test(query))
        return answer(res, 400, hubError('BadRequest', 'the emulator only answers the $edgeAgent module query'));
      const all = (sortedIds ??= [...twins.keys()].sort());
      const start = call.continuation === undefined ? 0 : Number(Buffer.from(call.continuation, 'base64').toString());
      if (!Number.isInteger(start) || start < 0 || start > all.length) return answer(res, 400, hubError('BadRequest', 'bad continuation token'));
      const size = Math.max(1, Math.min(pageSize, call.maxItemCount ?? pageSize));
      const page = all.slice(start, start + size).map((id) => twinDocument(id, twins.get(id)!));
      const next: Record<string, string> = start + size < all.length ? { 'x-ms-continuation': Buffer.from(String(start + size)).toString('base64') } : {};
      return answer(res, 200, page, next);
    }
    return answer(res, 404, hubError('NotFound', 'no such endpoint'));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          inFlight--;
        }
      };
      settle.set(res, finish);
      res.on('close', finish);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const apply = /^\/devices\/([^/]+)\/applyConfigurationContent$/.exec(url.pathname);
      const kind: CallKind = req.method === 'POST' && apply ? 'apply' : req.method === 'POST' && url.pathname === '/devices/query' ? 'query' : 'other';
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const maxItems = Number(req.headers['x-ms-max-item-count']);
      const call: EmulatorCall = {
        kind,
        method: req.method ?? 'GET',
        path: url.pathname,
        deviceId: apply ? decodeURIComponent(apply[1]) : undefined,
        body: options.recordBodies === false && kind === 'apply' ? undefined : body,
        authorization: req.headers.authorization,
        continuation: typeof req.headers['x-ms-continuation'] === 'string' ? req.headers['x-ms-continuation'] : undefined,
        maxItemCount: Number.isInteger(maxItems) && maxItems > 0 ? maxItems : undefined,
        inFlight,
      };
      calls.push(call);
      options.onCall?.(call, calls.length - 1);
      const serve = () => {
        if (res.destroyed) return;
        if (size > MAX_BODY) {
          call.outcome = answer(res, 413, hubError('RequestEntityTooLarge', 'body too large'));
          return;
        }
        // Like the hub, an unauthenticated request learns nothing else (not even that it would be throttled).
        const problem = verify(req.headers.authorization);
        if (problem) {
          call.outcome = answer(res, 401, hubError('IotHubUnauthorizedAccess', `Unauthorized: ${problem}`));
          return;
        }
        const fault = takeFault(kind, call.deviceId);
        if (fault?.fault === 'drop') {
          call.outcome = 'dropped';
          req.socket.destroy();
          return;
        }
        if (fault?.fault === 'throttle') {
          const retryAfter = fault.retryAfter === undefined ? 1 : fault.retryAfter;
          call.outcome = answer(res, 429, hubError('ThrottlingException', 'throttled'), retryAfter === null ? {} : { 'retry-after': String(retryAfter) });
          return;
        }
        if (fault?.fault === 'error') {
          call.outcome = answer(res, fault.status ?? 500, hubError('ServerError', 'injected failure'));
          return;
        }
        if (fault?.fault === 'slow') {
          call.outcome = 'slow';
          const timer = setTimeout(() => {
            if (!res.destroyed) handle(req, res, call, body);
          }, fault.delayMs ?? 60_000);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        call.outcome = handle(req, res, call, body);
      };
      if (options.latencyMs) setTimeout(serve, options.latencyMs);
      else serve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    hostName,
    keyName,
    key,
    connectionString: `HostName=${hostName};SharedAccessKeyName=${keyName};SharedAccessKey=${key}`,
    calls,
    received,
    devices,
    get maxInFlight() {
      return maxInFlight;
    },
    setTwin(deviceId, twin) {
      devices.add(deviceId);
      putTwin(deviceId, twin);
    },
    report(deviceId, report = {}) {
      const twin = twins.get(deviceId);
      if (!twin) throw new Error(`emulator: no $edgeAgent twin for ${deviceId}`);
      const desiredModules = isObject(twin.desired.modules) ? Object.keys(twin.desired.modules) : [];
      const modules = report.modules ?? Object.fromEntries(desiredModules.map((name) => [name, { runtimeStatus: 'running' }]));
      twins.set(deviceId, {
        desired: twin.desired,
        reported: {
          ...twin.reported,
          lastDesiredVersion: report.lastDesiredVersion ?? twin.desired.$version,
          lastDesiredStatus: { code: report.code ?? 200, description: report.description ?? '' },
          systemModules: { edgeAgent: { runtimeStatus: 'running' }, edgeHub: { runtimeStatus: 'running' } },
          modules,
          $metadata: {
            $lastUpdated: report.reportedAt ?? new Date().toISOString(),
            lastDesiredStatus: { $lastUpdated: report.reportedAt ?? new Date().toISOString() },
          },
          $version: Number(twin.reported.$version ?? 1) + 1,
        },
      });
    },
    inject(rule) {
      rules.push({ rule, left: rule.times ?? 1 });
    },
    clearFaults() {
      rules.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
