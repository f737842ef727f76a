/**
 * One comment per pull request, found by a hidden marker among the comments this
 * App (or this workflow) wrote, edited in place and only when its content changed.
 * Shared by the App and the Action: each says what "ours" means.
 */

/** The fields of an issue comment this needs (GitHub's REST shape). */
export interface IssueComment {
  readonly id: number;
  readonly body?: string | null;
  readonly user?: { readonly login: string; readonly type?: string } | null;
  readonly performed_via_github_app?: { readonly id: number; readonly slug?: string } | null;
}

/** The part of an octokit client used here (octokit's or probot's `context.octokit`). */
export interface CommentsClient {
  paginate: {
    iterator(
      route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
      parameters: { owner: string; repo: string; issue_number: number; per_page?: number },
    ): AsyncIterable<{ data: readonly IssueComment[] }>;
  };
  request(
    route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
    parameters: { owner: string; repo: string; issue_number: number; body: string },
  ): Promise<{ data: { id: number } }>;
  request(
    route: 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
    parameters: { owner: string; repo: string; comment_id: number; body: string },
  ): Promise<{ data: { id: number } }>;
}

export interface StickyCommentOptions {
  readonly owner: string;
  readonly repo: string;
  readonly issueNumber: number;
  /** The whole comment; it carries the marker. */
  readonly body: string;
  /** The marker the comment is found by; by default the HTML comment that starts `body`. */
  readonly marker?: string;
  /** Whether a comment carrying the marker was written by us (never edit a person's or another bot's). */
  isOurs(comment: IssueComment): boolean | Promise<boolean>;
  /** False: only update an existing comment (e.g. nothing worth saying yet). */
  readonly createIfMissing: boolean;
}

export type StickyResult = { readonly action: 'created' | 'updated' | 'unchanged' | 'none'; readonly id?: number };

const leadingMarker = (body: string): string | undefined => /^\s*(<!--[^\n]*?-->)/.exec(body)?.[1];

/** Finds our marker comment (every page is read), then creates, updates or leaves it. */
export async function upsertStickyComment(octokit: CommentsClient, options: StickyCommentOptions): Promise<StickyResult> {
  const { owner, repo, issueNumber, body } = options;
  const marker = options.marker ?? leadingMarker(body);
  if (!marker) throw new Error('upsertStickyComment: the body has no marker and none was given');
  let existing: IssueComment | undefined;
  const pages = octokit.paginate.iterator('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  search: for await (const page of pages) {
    for (const comment of page.data) {
      if (comment.body?.includes(marker) && (await options.isOurs(comment))) {
        existing = comment;
        break search;
      }
    }
  }
  if (existing) {
    if (existing.body === body) return { action: 'unchanged', id: existing.id };
    await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner, repo, comment_id: existing.id, body });
    return { action: 'updated', id: existing.id };
  }
  if (!options.createIfMissing) return { action: 'none' };
  const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: issueNumber, body });
  return { action: 'created', id: data.id };
}

/** "Ours" for a GitHub App: written through this App's installation, or by its bot user. */
export const writtenByApp =
  (appId: number, slug?: string) =>
  (comment: IssueComment): boolean =>
    comment.performed_via_github_app ? comment.performed_via_github_app.id === appId : slug !== undefined && comment.user?.login === `${slug}[bot]`;
