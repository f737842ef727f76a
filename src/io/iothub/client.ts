/**
 * Azure IoT Hub's service REST API, the two calls edgeops needs: apply a
 * device's configuration content, and query module twins. One client shares one
 * concurrency limit across all its calls; each request has a timeout and is
 * retried with jittered exponential backoff on 429, 5xx, timeouts and dropped
 * connections (honouring `Retry-After`); a 429 also slows the whole client.
 * Nothing it returns, throws or logs holds the key, a token or the connection string.
 */
import { plural } from '../../core/text.js';
import { parseConnectionString, sasToken } from './connection.js';
import { createAdaptiveLimiter, type AdaptiveLimiter } from './limiter.js';
import { fetchTransport, nodeTransport, type Transport } from './transport.js';

export const IOTHUB_API_VERSION = '2021-04-12';
/** The module twins status reads: one per IoT Edge device. */
export const EDGE_AGENT_TWINS_QUERY = "SELECT * FROM devices.modules WHERE moduleId = '$edgeAgent'";

export type ApplyResult = { readonly ok: true } | { readonly ok: false; readonly status?: number; readonly error: string };

export interface IotHubClient {
  readonly hostName: string;
  /** Requests allowed in flight now (lower than `concurrency` for a while after a 429). */
  readonly concurrencyLimit: number;
  /**
   * Sets a device's configuration content; never throws for a hub or network failure.
   * `modulesContent` may be given already as JSON text, so devices sharing one
   * manifest share one serialization.
   */
  applyConfigurationContent(deviceId: string, modulesContent: Readonly<Record<string, unknown>> | string): Promise<ApplyResult>;
  /** Every twin the query returns, page after page; throws an `IotHubError` when a page cannot be read. */
  queryModuleTwins(query: string): AsyncIterable<Record<string, unknown>>;
}

export interface IotHubClientOptions {
  /** `HostName=…;SharedAccessKeyName=…;SharedAccessKey=…` */
  readonly connectionString: string;
  /** Base URL overriding `https://<HostName>` (an emulator: `http://127.0.0.1:8443`). */
  readonly endpoint?: string;
  /** Requests in flight at most (default 16). */
  readonly concurrency?: number;
  /** Per request, body included (default 30 s). */
  readonly timeoutMs?: number;
  /** Retries after the first attempt (default 6). */
  readonly maxRetries?: number;
  /** Largest backoff between two attempts, `Retry-After` included (default 60 s). */
  readonly maxDelayMs?: number;
  /** Twins asked for per query page (`x-ms-max-item-count`, default 1000; the hub may send fewer). */
  readonly pageSize?: number;
  /** Lifetime of a SAS token (default 1 hour); a token is renewed 5 minutes before it expires. */
  readonly tokenTtlSeconds?: number;
  /** Send with this `fetch`; by default node:http(s) with keep-alive (much cheaper per request on Node 20). */
  readonly fetch?: typeof globalThis.fetch;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1), for jitter. */
  readonly random?: () => number;
  /** Retries and slow-downs, one line each (no secrets). */
  readonly log?: (line: string) => void;
}

/** A failed hub call: `status` is the last HTTP status, when there was one. The message holds no secret. */
export class IotHubError extends Error {
  override readonly name = 'IotHubError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** How long the client stays at reduced concurrency after a 429 when `Retry-After` says less. */
const CALM_MS = 5_000;
const BASE_DELAY_MS = 250;
const RENEW_BEFORE_S = 300;
const MAX_BODY_EXCERPT = 300;

type Attempt =
  | { readonly kind: 'ok'; readonly status: number; readonly header: (name: string) => string | null; readonly body: string }
  | { readonly kind: 'fatal'; readonly status: number; readonly error: string }
  | { readonly kind: 'retry'; readonly status?: number; readonly reason: string; readonly retryAfterMs?: number };

type Outcome = Extract<Attempt, { kind: 'ok' }> | { readonly kind: 'failed'; readonly status?: number; readonly error: string };

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function baseUrlOf(endpoint: string | undefined, hostName: string): string {
  const raw = endpoint ?? `https://${hostName}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new IotHubError('the IoT Hub endpoint is not a URL (EDGEOPS_IOTHUB_ENDPOINT, e.g. http://127.0.0.1:8443)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new IotHubError('the IoT Hub endpoint must be an http:// or https:// URL');
  if (url.username || url.password) throw new IotHubError('the IoT Hub endpoint must not hold credentials');
  return url.href.replace(/\/+$/, '');
}

/** Why a request failed without a response: the error's code, never its full text (which could quote a header). */
function connectionReason(error: unknown): string {
  type Coded = { code?: unknown; message?: unknown; cause?: Coded } | undefined;
  const e = error as Coded;
  const code = [e?.code, e?.cause?.code].find((c): c is string => typeof c === 'string');
  if (code) return `connection failed (${code})`;
  const message = typeof e?.cause?.message === 'string' ? e.cause.message : error instanceof Error ? error.message : String(error);
  return `connection failed (${message.slice(0, 100)})`;
}

function statusMessage(status: number, body: string, notFound: string): string {
  switch (status) {
    case 401:
      return '401: unauthorized: the hub rejected the shared access signature (check SharedAccessKeyName and SharedAccessKey in the connection string)';
    case 403:
      return '403: forbidden: the shared access policy lacks the permission (apply needs registry write, status needs registry read)';
    case 404:
      return `404: ${notFound}`;
    case 413:
      return '413: the content is larger than the hub accepts';
  }
  return `${status}: ${hubMessage(body) ?? 'the hub refused the request'}`;
}

/** IoT Hub answers errors with `{"Message": "ErrorCode:…;…", "ExceptionMessage": "…"}`. */
function hubMessage(body: string): string | undefined {
  let text = body.trim();
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object') {
      const m = (parsed as Record<string, unknown>).Message ?? (parsed as Record<string, unknown>).message;
      if (typeof m === 'string') text = m;
    }
  } catch {
    // not JSON: the text itself
  }
  text = text.replace(/\s+/g, ' ').trim();
  if (text === '') return undefined;
  return text.length > MAX_BODY_EXCERPT ? `${text.slice(0, MAX_BODY_EXCERPT)}…` : text;
}

export function createIotHubClient(options: IotHubClientOptions): IotHubClient {
  const connection = parseConnectionString(options.connectionString);
  const { hostName, sharedAccessKeyName: keyName, sharedAccessKey: key } = connection;
  const base = baseUrlOf(options.endpoint, hostName);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 6;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const pageSize = options.pageSize ?? 1000;
  const ttl = options.tokenTtlSeconds ?? 3600;
  const limiter: AdaptiveLimiter = createAdaptiveLimiter(options.concurrency ?? 16, now);
  const transport: Transport = options.fetch ? fetchTransport(options.fetch) : nodeTransport(options.concurrency ?? 16);

  // Everything secret this client has held, so that no text from outside (a hub
  // body, an error cause) can carry one out.
  const secrets = new Set<string>([options.connectionString, key]);
  const redact = (text: string): string => {
    let out = text;
    for (const s of secrets) if (s.length >= 8) out = out.split(s).join('***');
    return out;
  };

  let token: { value: string; expiresAt: number } | undefined;
  const authorization = (): string => {
    const nowS = Math.floor(now() / 1000);
    if (!token || nowS >= token.expiresAt - Math.min(RENEW_BEFORE_S, ttl / 2)) {
      const expiresAt = nowS + ttl;
      token = { value: sasToken({ hostName, keyName, key, expiresAt }), expiresAt };
      secrets.add(token.value);
      const sig = /sig=([^&]+)/.exec(token.value)?.[1];
      if (sig) {
        secrets.add(sig);
        secrets.add(decodeURIComponent(sig));
      }
    }
    return token.value;
  };

  async function attempt(path: string, body: string, headers: Record<string, string>, notFound: string): Promise<Attempt> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const res = await transport(`${base}${path}`, {
        method: 'POST',
        headers: { ...headers, authorization: authorization(), 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
        body,
        signal: controller.signal,
      });
      if (res.status >= 200 && res.status < 300) return { kind: 'ok', status: res.status, header: res.header, body: res.body };
      if (res.status === 429 || res.status >= 500) {
        const reason = res.status === 429 ? 'throttled by the hub' : (hubMessage(res.body) ?? 'hub error');
        return { kind: 'retry', status: res.status, reason, retryAfterMs: retryAfterMs(res.header('retry-after'), now()) };
      }
      return { kind: 'fatal', status: res.status, error: statusMessage(res.status, res.body, notFound) };
    } catch (error) {
      return { kind: 'retry', reason: timedOut ? `timed out after ${timeoutMs} ms` : connectionReason(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  async function request(path: string, body: string, what: string, notFound: string, headers: Record<string, string> = {}): Promise<Outcome> {
    for (let retry = 0; ; retry++) {
      const permit = await limiter.acquire();
      let result: Attempt;
      try {
        result = await attempt(path, body, headers, notFound);
      } finally {
        permit.release();
      }
      if (result.kind === 'ok') {
        limiter.succeeded();
        return result;
      }
      if (result.kind === 'fatal') return { kind: 'failed', status: result.status, error: redact(result.error) };
      const status = result.status === undefined ? '' : `${result.status}: `;
      if (result.status === 429) {
        const before = limiter.limit;
        limiter.throttled(permit, now() + Math.max(result.retryAfterMs ?? 0, CALM_MS));
        if (limiter.limit < before) log(`iothub: throttled (429); at most ${plural(limiter.limit, 'request')} in flight for now`);
      }
      if (retry >= maxRetries) {
        return { kind: 'failed', status: result.status, error: redact(`${status}${result.reason} (gave up after ${retry + 1} attempts)`) };
      }
      const backoff = Math.min(maxDelayMs, BASE_DELAY_MS * 2 ** retry);
      const jittered = backoff / 2 + (random() * backoff) / 2;
      const delay = Math.round(result.retryAfterMs === undefined ? jittered : Math.min(maxDelayMs, result.retryAfterMs + random() * BASE_DELAY_MS));
      log(redact(`iothub: ${what}: ${status}${result.reason}; retry ${retry + 1} of ${maxRetries} in ${delay} ms`));
      await sleep(delay);
    }
  }

  return {
    hostName,
    get concurrencyLimit() {
      return limiter.limit;
    },

    async applyConfigurationContent(deviceId, modulesContent) {
      const path = `/devices/${encodeURIComponent(deviceId)}/applyConfigurationContent?api-version=${IOTHUB_API_VERSION}`;
      const body = typeof modulesContent === 'string' ? `{"modulesContent":${modulesContent}}` : JSON.stringify({ modulesContent });
      const outcome = await request(path, body, `apply ${deviceId}`, 'device not found in hub');
      return outcome.kind === 'ok' ? { ok: true } : { ok: false, status: outcome.status, error: outcome.error };
    },

    async *queryModuleTwins(query) {
      const path = `/devices/query?api-version=${IOTHUB_API_VERSION}`;
      const body = JSON.stringify({ query });
      let continuation: string | undefined;
      let page = 0;
      do {
        page++;
        const headers: Record<string, string> = { 'x-ms-max-item-count': String(pageSize) };
        if (continuation) headers['x-ms-continuation'] = continuation;
        const outcome = await request(path, body, `query page ${page}`, 'not found (is the host name an IoT hub?)', headers);
        if (outcome.kind === 'failed') throw new IotHubError(`IoT Hub query, page ${page}: ${outcome.error}`, outcome.status);
        let twins: unknown;
        try {
          twins = JSON.parse(outcome.body);
        } catch {
          twins = undefined;
        }
        if (!Array.isArray(twins)) throw new IotHubError(`IoT Hub query, page ${page}: the hub did not answer with a JSON array`, outcome.status);
        for (const twin of twins) if (twin && typeof twin === 'object' && !Array.isArray(twin)) yield twin as Record<string, unknown>;
        const next = outcome.header('x-ms-continuation') || undefined;
        if (next !== undefined && next === continuation)
          throw new IotHubError(`IoT Hub query, page ${page}: the hub sent the same continuation again`, outcome.status);
        continuation = next;
      } while (continuation);
    },
  };
}
