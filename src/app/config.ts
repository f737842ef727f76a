/**
 * Every setting of the App, read from the environment in this one place: probot's
 * standard variables (nothing invented) plus EDGEOPS_CACHE_DIR. A missing or
 * malformed setting is a ConfigError naming the variable, so `edgeops app` prints
 * one line and exits 2 instead of falling into probot's interactive setup mode.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable} ${message}`);
  }
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const LOG_LEVELS: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export interface AppConfig {
  readonly appId: number;
  readonly privateKey: string;
  readonly webhookSecret: string;
  readonly webhookPath: string;
  readonly port: number;
  readonly host?: string;
  readonly logLevel: LogLevel;
  readonly logFormat: 'pretty' | 'json';
  readonly webhookProxyUrl?: string;
  /** The REST API base URL: GitHub Enterprise Server when GHE_HOST is set. */
  readonly baseUrl: string;
  readonly cacheDir: string;
  readonly redisUrl?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const PEM = /^-----BEGIN ([A-Z ]*)PRIVATE KEY-----\r?\n[\s\S]+\r?\n-----END \1PRIVATE KEY-----\s*$/;

/** A PEM key, given as is, with `\n` escapes (one-line env files) or base64-encoded (as probot accepts). */
export function parsePrivateKey(variable: string, raw: string): string {
  const text = raw.replace(/\\n/g, '\n').trim();
  if (PEM.test(text)) return `${text}\n`;
  if (/^[A-Za-z0-9+/=\s]+$/.test(text)) {
    const decoded = Buffer.from(text, 'base64').toString('utf8').trim();
    if (PEM.test(decoded)) return `${decoded}\n`;
  }
  throw new ConfigError(variable, 'is not a PEM private key (-----BEGIN RSA PRIVATE KEY----- …): use the .pem file GitHub generated for the App');
}

const required = (env: Env, name: string, what: string): string => {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(name, `is not set: ${what}`);
  return value;
};

/** The REST base URL: `${GHE_PROTOCOL}://${GHE_HOST}/api/v3` on GitHub Enterprise Server, else api.github.com. */
export function restBaseUrl(env: Env): string {
  const host = env.GHE_HOST?.trim();
  if (!host) return 'https://api.github.com';
  const protocol = (env.GHE_PROTOCOL?.trim() || 'https').toLowerCase();
  if (protocol !== 'https' && protocol !== 'http') throw new ConfigError('GHE_PROTOCOL', `must be https or http, not '${env.GHE_PROTOCOL}'`);
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(host)) throw new ConfigError('GHE_HOST', `must be a host name (github.example.com), not '${host}'`);
  return `${protocol}://${host}/api/v3`;
}

/** The cache of cloned repositories: EDGEOPS_CACHE_DIR, or a folder under the OS temp dir. */
export const cacheDirOf = (env: Env): string => path.resolve(env.EDGEOPS_CACHE_DIR?.trim() || path.join(tmpdir(), 'edgeops-app-cache'));

/**
 * Reads and checks the whole configuration. `readFile` reads PRIVATE_KEY_PATH
 * (handed in, so tests need no files).
 */
export function readAppConfig(env: Env, readFile: (file: string) => string): AppConfig {
  const appIdText = required(env, 'APP_ID', "the App's numeric id, from its settings page");
  if (!/^\d+$/.test(appIdText)) throw new ConfigError('APP_ID', `must be the App's numeric id, not '${appIdText}'`);
  let privateKey: string;
  if (env.PRIVATE_KEY?.trim()) privateKey = parsePrivateKey('PRIVATE_KEY', env.PRIVATE_KEY);
  else if (env.PRIVATE_KEY_PATH?.trim()) {
    let text: string;
    try {
      text = readFile(env.PRIVATE_KEY_PATH.trim());
    } catch (e) {
      throw new ConfigError('PRIVATE_KEY_PATH', `cannot read ${env.PRIVATE_KEY_PATH.trim()} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    privateKey = parsePrivateKey('PRIVATE_KEY_PATH', text);
  } else throw new ConfigError('PRIVATE_KEY', 'is not set (nor PRIVATE_KEY_PATH): the App private key, PEM');
  const webhookSecret = required(env, 'WEBHOOK_SECRET', "the App's webhook secret");
  const webhookPath = env.WEBHOOK_PATH?.trim() || '/api/github/webhooks';
  if (!webhookPath.startsWith('/')) throw new ConfigError('WEBHOOK_PATH', `must start with '/', not '${webhookPath}'`);
  const portText = env.PORT?.trim() || '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new ConfigError('PORT', `must be a port number, not '${portText}'`);
  const logLevel = (env.LOG_LEVEL?.trim() || 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, not '${env.LOG_LEVEL}'`);
  const logFormat = (env.LOG_FORMAT?.trim() || 'pretty').toLowerCase();
  if (logFormat !== 'pretty' && logFormat !== 'json') throw new ConfigError('LOG_FORMAT', `must be pretty or json, not '${env.LOG_FORMAT}'`);
  const proxy = env.WEBHOOK_PROXY_URL?.trim() || undefined;
  if (proxy && !/^https?:\/\//.test(proxy)) throw new ConfigError('WEBHOOK_PROXY_URL', 'must be an http(s) URL, e.g. https://smee.io/abc');
  return {
    appId: Number(appIdText),
    privateKey,
    webhookSecret,
    webhookPath,
    port,
    host: env.HOST?.trim() || undefined,
    logLevel: logLevel as LogLevel,
    logFormat,
    webhookProxyUrl: proxy,
    baseUrl: restBaseUrl(env),
    cacheDir: cacheDirOf(env),
    redisUrl: env.REDIS_URL?.trim() || undefined,
  };
}
