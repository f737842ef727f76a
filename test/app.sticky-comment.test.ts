/** upsertStickyComment, shared by the App and the Action: found by marker among our comments, every page read, written only on change. */
import { describe, expect, it } from 'vitest';
import { upsertStickyComment, writtenByApp, type CommentsClient, type IssueComment } from '../src/io/github/sticky-comment.js';

function client(comments: IssueComment[], perPage = 2) {
  const calls: string[] = [];
  const c = {
    paginate: {
      async *iterator() {
        for (let i = 0; i < comments.length || i === 0; i += perPage) {
          calls.push(`GET page ${i / perPage + 1}`);
          yield { data: comments.slice(i, i + perPage) };
        }
      },
    },
    async request(route: string, params: { comment_id?: number; body: string }) {
      calls.push(`${route.split(' ')[0]} ${params.comment_id ?? ''}`.trim());
      if (route.startsWith('PATCH')) (comments.find((x) => x.id === params.comment_id) as { body: string }).body = params.body;
      else comments.push({ id: 100 + comments.length, body: params.body, performed_via_github_app: { id: 7 } });
      return { data: { id: params.comment_id ?? 100 + comments.length - 1 } };
    },
  };
  return { octokit: c as unknown as CommentsClient, calls, comments };
}

const MARKER = '<!-- edgeops:plan -->';
const base = { owner: 'o', repo: 'r', issueNumber: 1, isOurs: writtenByApp(7, 'edgeops') };

describe('upsertStickyComment', () => {
  it('creates only when asked to, then updates in place, and leaves equal content alone', async () => {
    const { octokit, calls, comments } = client([]);
    expect(await upsertStickyComment(octokit, { ...base, body: `${MARKER}\nA`, createIfMissing: false })).toEqual({ action: 'none' });
    expect(await upsertStickyComment(octokit, { ...base, body: `${MARKER}\nA`, createIfMissing: true })).toMatchObject({ action: 'created' });
    expect(await upsertStickyComment(octokit, { ...base, body: `${MARKER}\nA`, createIfMissing: true })).toMatchObject({ action: 'unchanged' });
    expect(await upsertStickyComment(octokit, { ...base, body: `${MARKER}\nB`, createIfMissing: false })).toMatchObject({ action: 'updated' });
    expect(comments).toHaveLength(1);
    expect(calls.filter((c) => !c.startsWith('GET'))).toEqual(['POST', `PATCH ${comments[0].id}`]);
  });

  it("reads every page, skips other authors' marker comments, and accepts the bot login when no App is recorded", async () => {
    const theirs: IssueComment[] = [
      { id: 1, body: `${MARKER} person`, user: { login: 'octocat' } },
      { id: 2, body: `${MARKER} action`, user: { login: 'github-actions[bot]' }, performed_via_github_app: { id: 15368 } },
      { id: 3, body: 'hello' },
      { id: 4, body: `${MARKER} ours`, user: { login: 'edgeops[bot]' } },
    ];
    const { octokit, calls } = client(theirs);
    expect(await upsertStickyComment(octokit, { ...base, body: `${MARKER}\nnew`, createIfMissing: true })).toEqual({ action: 'updated', id: 4 });
    expect(calls).toEqual(['GET page 1', 'GET page 2', 'PATCH 4']);
    expect(theirs.map((c) => c.body)).toEqual([`${MARKER} person`, `${MARKER} action`, 'hello', `${MARKER}\nnew`]);
  });

  it('needs a marker', async () => {
    const { octokit } = client([]);
    await expect(upsertStickyComment(octokit, { ...base, body: 'no marker', createIfMissing: true })).rejects.toThrow(/no marker/);
  });
});
