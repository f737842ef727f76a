/**
 * An IoT Hub service connection string and the shared access signature made
 * from it. Neither the key nor the string ever appears in an error: messages
 * name the missing or malformed part only.
 */
import { createHmac } from 'node:crypto';

export interface IotHubConnection {
  readonly hostName: string;
  readonly sharedAccessKeyName: string;
  readonly sharedAccessKey: string;
}

const EXPECTED = 'expected HostName=<hub>.azure-devices.net;SharedAccessKeyName=<policy>;SharedAccessKey=<base64 key>';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

export class ConnectionStringError extends Error {
  override readonly name = 'ConnectionStringError';
}

/**
 * Reads `HostName=…;SharedAccessKeyName=…;SharedAccessKey=…` (names are matched
 * case-insensitively, order does not matter, a trailing `;` is fine).
 * Throws a `ConnectionStringError` that never quotes the string or the key.
 */
export function parseConnectionString(s: string): IotHubConnection {
  const fail = (what: string): never => {
    throw new ConnectionStringError(`invalid IoT Hub connection string: ${what} (${EXPECTED})`);
  };
  if (typeof s !== 'string' || s.trim() === '') fail('it is empty');
  const parts = new Map<string, string>();
  const segments = s.trim().split(';');
  for (const [i, segment] of segments.entries()) {
    if (segment.trim() === '' && i === segments.length - 1) continue;
    const eq = segment.indexOf('=');
    if (eq <= 0) fail(`part ${i + 1} is not Name=value`);
    const name = segment.slice(0, eq).trim().toLowerCase();
    if (parts.has(name)) fail(`${segment.slice(0, eq).trim()} appears twice`);
    parts.set(name, segment.slice(eq + 1).trim());
  }
  if (parts.has('deviceid') || parts.has('moduleid')) fail('this is a device or module connection string; edgeops needs a hub shared access policy');
  const hostName = parts.get('hostname');
  const sharedAccessKeyName = parts.get('sharedaccesskeyname');
  const sharedAccessKey = parts.get('sharedaccesskey');
  if (!hostName) return fail('HostName is missing');
  if (!HOST.test(hostName)) return fail('HostName is not a host name');
  if (!sharedAccessKeyName) return fail('SharedAccessKeyName is missing');
  if (!sharedAccessKey) return fail('SharedAccessKey is missing');
  if (!BASE64.test(sharedAccessKey) || sharedAccessKey.length % 4 !== 0) return fail('SharedAccessKey is not base64');
  return { hostName, sharedAccessKeyName, sharedAccessKey };
}

/** encodeURIComponent that also escapes `!'()*`, as the Azure IoT SDKs do. */
export const encodeStrict = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface SasTokenInput {
  readonly hostName: string;
  readonly keyName: string;
  /** The base64 shared access key. */
  readonly key: string;
  /** Expiry in seconds since the Unix epoch. */
  readonly expiresAt: number;
}

/** The HMAC-SHA256 signature (base64, not yet URL-encoded) of `<url-encoded resource>\n<expiry>`. */
export function sasSignature(resource: string, expiresAt: number, key: string): string {
  return createHmac('sha256', Buffer.from(key, 'base64'))
    .update(`${encodeStrict(resource)}\n${expiresAt}`)
    .digest('base64');
}

/**
 * `SharedAccessSignature sr=<host>&sig=<signature>&se=<expiry>&skn=<policy>`, the
 * Authorization header IoT Hub's REST API takes, e.g.
 * `sasToken({ hostName: 'hub.azure-devices.net', keyName: 'iothubowner', key, expiresAt: 1790000000 })`.
 */
export function sasToken({ hostName, keyName, key, expiresAt }: SasTokenInput): string {
  const se = Math.floor(expiresAt);
  const sig = sasSignature(hostName, se, key);
  return `SharedAccessSignature sr=${encodeStrict(hostName)}&sig=${encodeStrict(sig)}&se=${se}&skn=${encodeStrict(keyName)}`;
}

/** The environment variables the IoT Hub side reads (through the face's `env`, never `process.env` here). */
export const IOTHUB_CONNECTION_STRING_ENV = 'EDGEOPS_IOTHUB_CONNECTION_STRING';
export const IOTHUB_ENDPOINT_ENV = 'EDGEOPS_IOTHUB_ENDPOINT';

export type IotHubSettings = { readonly connectionString: string; readonly endpoint?: string } | { readonly error: string };

/**
 * The connection string from a flag (`--to`, `--iothub`) or else the environment,
 * and the endpoint override from the environment; checked, so a bad string is a
 * clear error before any request. The error never quotes the string.
 */
export function iotHubSettings(env: Readonly<Record<string, string | undefined>>, fromFlag?: string): IotHubSettings {
  const connectionString = fromFlag?.trim() ? fromFlag : env[IOTHUB_CONNECTION_STRING_ENV];
  if (!connectionString?.trim())
    return { error: `no IoT Hub connection string: set ${IOTHUB_CONNECTION_STRING_ENV} (preferred: a flag shows in process lists)` };
  try {
    parseConnectionString(connectionString);
  } catch (e) {
    return { error: (e as Error).message };
  }
  const endpoint = env[IOTHUB_ENDPOINT_ENV]?.trim();
  return endpoint ? { connectionString, endpoint } : { connectionString };
}
