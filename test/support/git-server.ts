/**
 * A real git smart-HTTP server on 127.0.0.1: `git http-backend` (the CGI program
 * that ships with git) behind a small Node HTTP server, because isomorphic-git
 * has no file:// transport. It serves every repository under `root` at
 * `http://127.0.0.1:<port>/<name>.git`, checks Basic auth when a token is set,
 * records each request, and can be told to fail the next requests.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitRequest {
  readonly method: string;
  readonly path: string;
  readonly service?: string;
  readonly user?: string;
}

export interface GitServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The URL of the repository at `<root>/<name>` (e.g. `name` = `fleet.git`). */
  urlOf(name: string): string;
  readonly requests: GitRequest[];
  /** Answers the next `n` requests with this status instead of serving them. */
  failNext(status: number, n?: number): void;
  close(): Promise<void>;
}

export interface GitServerOptions {
  /** A folder of repositories (bare or not). */
  readonly root: string;
  /** When set, every request needs Basic auth with this password (any user name; GitHub uses `x-access-token`). */
  readonly token?: string;
}

export async function startGitServer(options: GitServerOptions): Promise<GitServer> {
  const requests: GitRequest[] = [];
  let failures: { status: number; left: number } | undefined;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const auth = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    const [user, password] = auth ? Buffer.from(auth[1], 'base64').toString().split(/:(.*)/s) : [];
    requests.push({ method: req.method ?? 'GET', path: url.pathname, service: url.searchParams.get('service') ?? undefined, user });
    if (failures && failures.left > 0) {
      failures.left--;
      res.writeHead(failures.status, { 'content-type': 'text/plain' }).end('injected failure\n');
      return;
    }
    if (options.token !== undefined && password !== options.token) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"', 'content-type': 'text/plain' }).end('bad credentials\n');
      return;
    }
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: options.root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        // http-backend enables receive-pack (push) only for an authenticated user.
        REMOTE_USER: user ?? 'anonymous',
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const [name, ...rest] = line.split(':');
        const value = rest.join(':').trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.stdout.on('end', () => res.end());
    cgi.on('error', () => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    urlOf: (name) => `${url}/${name}`,
    requests,
    failNext(status, n = 1) {
      failures = { status, left: n };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
