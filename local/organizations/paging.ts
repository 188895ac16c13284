// Organizations' list paging: at most MaxResults (1-20, default 20) items a page, and an opaque
// NextToken while more remain.
import { invalidInput } from './model.js';

export const MAX_PAGE_SIZE = 20;

export function pageOf<T>(items: readonly T[], params: Record<string, unknown>): { items: T[]; nextToken?: string } {
  const maxResults = params.MaxResults === undefined ? MAX_PAGE_SIZE : params.MaxResults;
  if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_PAGE_SIZE) {
    throw invalidInput('INVALID_INPUT', `MaxResults must be between 1 and ${MAX_PAGE_SIZE}.`);
  }
  const start = params.NextToken === undefined ? 0 : startOf(params.NextToken);
  const page = items.slice(start, start + maxResults);
  const next = start + page.length;
  return { items: page, ...(next < items.length ? { nextToken: Buffer.from(String(next), 'utf8').toString('base64url') } : {}) };
}

function startOf(token: unknown): number {
  const start = typeof token === 'string' && /^[A-Za-z0-9_-]+$/.test(token) ? Number(Buffer.from(token, 'base64url').toString('utf8')) : Number.NaN;
  if (!Number.isInteger(start) || start < 0) throw invalidInput('INVALID_PAGINATION_TOKEN', 'The NextToken is not valid.');
  return start;
}
