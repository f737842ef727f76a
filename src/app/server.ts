/**
 * `edgeops app`: the probot server, configured from the environment (see config.ts).
 * A bad setting is one line naming the variable and exit code 2; probot's
 * interactive setup mode is never entered (its `run()` is not used).
 */
import { readFileSync } from 'node:fs';
import { Probot, Server } from 'probot';
import { ConfigError, readAppConfig, type AppConfig } from './config.js';
import { createEdgeopsApp } from './index.js';

export interface AppHost {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stderr: { write(text: string): unknown };
  /** Resolves when the server should stop (SIGINT/SIGTERM in the binary). */
  readonly stopped: Promise<unknown>;
  /** Called once the server listens, with its port. */
  readonly onListening?: (port: number) => void;
}

export function probotOptions(config: AppConfig) {
  return {
    appId: config.appId,
    privateKey: config.privateKey,
    secret: config.webhookSecret,
    baseUrl: config.baseUrl,
    logLevel: config.logLevel,
    logFormat: config.logFormat,
    redisConfig: config.redisUrl,
    webhookPath: config.webhookPath,
  };
}

/** Starts the server and runs until `stopped`; the exit code. */
export async function startApp(host: AppHost): Promise<number> {
  let config: AppConfig;
  try {
    config = readAppConfig(host.env, (file) => readFileSync(file, 'utf8'));
  } catch (e) {
    if (e instanceof ConfigError) {
      host.stderr.write(`edgeops app: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const server = new Server({
    Probot: Probot.defaults(probotOptions(config)),
    port: config.port,
    host: config.host,
    webhookPath: config.webhookPath,
    webhookProxy: config.webhookProxyUrl,
  });
  await server.load(createEdgeopsApp({ cacheDir: config.cacheDir, appId: config.appId }));
  try {
    await server.start();
  } catch (e) {
    host.stderr.write(`edgeops app: cannot listen on ${config.host ?? 'localhost'}:${config.port}: ${(e as Error).message} (set PORT or HOST)\n`);
    return 1;
  }
  host.onListening?.(server.port);
  await host.stopped;
  await server.stop();
  return 0;
}
