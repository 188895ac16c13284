// Which providers a list shows: `?status=` (one or more statuses, comma-separated) and
// `?includeDeleted=true`. Tombstones (DELETED and ACCOUNT_REMOVED providers, kept for audit) are hidden unless asked
// for, whatever else is filtered, so a portal listing a workspace sees the providers that exist.
import { PROVIDER_STATUSES, type ProviderStatus } from './provider.js';
import type { FieldIssue } from './provider-request.js';

/** Statuses kept only for history and audit: listed only with includeDeleted=true. */
export const TOMBSTONE_STATUSES = ['DELETED', 'ACCOUNT_REMOVED'] as const satisfies readonly ProviderStatus[];

export interface StatusFilter {
  /** Only these statuses; undefined means any. */
  only?: readonly ProviderStatus[];
  /** Never these statuses. */
  exclude: readonly ProviderStatus[];
}

export function matchesFilter(status: ProviderStatus, filter: StatusFilter): boolean {
  return (filter.only === undefined || filter.only.includes(status)) && !filter.exclude.includes(status);
}

function isStatus(value: string): value is ProviderStatus {
  return (PROVIDER_STATUSES as readonly string[]).includes(value);
}

function isTombstone(status: ProviderStatus): boolean {
  return (TOMBSTONE_STATUSES as readonly ProviderStatus[]).includes(status);
}

/** The filter a list query asks for, or the issues naming each invalid parameter. */
export function statusFilterOf(query: {
  status?: string | undefined;
  includeDeleted?: string | undefined;
}): { ok: true; filter: StatusFilter } | { ok: false; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const includeDeleted = query.includeDeleted ?? 'false';
  if (includeDeleted !== 'true' && includeDeleted !== 'false') {
    issues.push({ field: 'includeDeleted', issue: 'true or false' });
  }
  let only: ProviderStatus[] | undefined;
  if (query.status !== undefined) {
    const requested = query.status.split(',');
    const statuses = requested.filter(isStatus);
    if (statuses.length !== requested.length) {
      issues.push({ field: 'status', issue: `one or more of ${PROVIDER_STATUSES.join(', ')}, comma-separated` });
    } else if (includeDeleted !== 'true' && statuses.some(isTombstone)) {
      issues.push({ field: 'status', issue: `${TOMBSTONE_STATUSES.join(', ')} providers are listed only with includeDeleted=true` });
    }
    only = [...new Set(statuses)];
  }
  if (issues.length > 0) return { ok: false, issues };
  const exclude = includeDeleted === 'true' ? [] : [...TOMBSTONE_STATUSES];
  return { ok: true, filter: only === undefined ? { exclude } : { only, exclude } };
}
