/**
 * A loopback stand-in for GitHub's REST API, just the issue-comment routes a sticky
 * comment uses (list with Link pagination, create, edit), for the Action run as a
 * child process (nock cannot reach into another process). Records every request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  performed_via_github_app?: { id: number; slug: string } | null;
}

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly body?: unknown;
}

export interface FakeGitHubApi {
  readonly url: string;
  readonly requests: ApiRequest[];
  /** Comments by issue number. */
  readonly comments: Map<number, FakeComment[]>;
  close(): Promise<void>;
}

/** The user the token writes as (GITHUB_TOKEN comments come from github-actions[bot]). */
const ACTIONS_BOT = { login: 'github-actions[bot]', type: 'Bot' };

export async function startFakeGitHubApi(options: { token: string; perPage?: number }): Promise<FakeGitHubApi> {
  const requests: ApiRequest[] = [];
  const comments = new Map<number, FakeComment[]>();
  let nextId = 1000;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = text ? JSON.parse(text) : undefined;
    requests.push({ method: req.method ?? 'GET', path: url.pathname, authorization: req.headers.authorization, body });
    const send = (status: number, value: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    if (req.headers.authorization !== `token ${options.token}` && req.headers.authorization !== `Bearer ${options.token}`) {
      send(401, { message: 'Bad credentials' });
      return;
    }
    const list = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(url.pathname);
    const edit = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (list && req.method === 'GET') {
      const all = comments.get(Number(list[1])) ?? [];
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), options.perPage ?? 100);
      const page = Number(url.searchParams.get('page') ?? 1);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const headers: Record<string, string> = {};
      if (page < last) {
        const next = new URL(url);
        next.searchParams.set('page', String(page + 1));
        next.host = req.headers.host ?? next.host;
        headers.link = `<${next.href}>; rel="next"`;
      }
      send(200, all.slice((page - 1) * perPage, page * perPage), headers);
    } else if (list && req.method === 'POST') {
      const comment = { id: nextId++, body: body.body, user: ACTIONS_BOT, performed_via_github_app: { id: 15368, slug: 'github-actions' } };
      comments.set(Number(list[1]), [...(comments.get(Number(list[1])) ?? []), comment]);
      send(201, comment);
    } else if (edit && req.method === 'PATCH') {
      const comment = [...comments.values()].flat().find((c) => c.id === Number(edit[1]));
      if (!comment) return send(404, { message: 'Not Found' });
      comment.body = body.body;
      send(200, comment);
    } else send(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    comments,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
