import { describe, expect, it } from 'vitest';
import { statusFilterOf } from '../../../../functions/shared/domain/provider-filter.js';

describe('the list filter of a query', () => {
  it('hides DELETED and ACCOUNT_REMOVED providers by default', () => {
    // Act
    const result = statusFilterOf({});

    // Assess
    expect(result).toEqual({ ok: true, filter: { exclude: ['DELETED', 'ACCOUNT_REMOVED'] } });
  });

  it('shows them with includeDeleted=true', () => {
    // Act
    const result = statusFilterOf({ includeDeleted: 'true' });

    // Assess
    expect(result).toEqual({ ok: true, filter: { exclude: [] } });
  });

  it('takes one or more comma-separated statuses, each once', () => {
    // Act
    const result = statusFilterOf({ status: 'READY,FAILED,READY' });

    // Assess
    expect(result).toEqual({ ok: true, filter: { only: ['READY', 'FAILED'], exclude: ['DELETED', 'ACCOUNT_REMOVED'] } });
  });

  it('lists DELETED ones on request only with includeDeleted=true', () => {
    // Act
    const refused = statusFilterOf({ status: 'DELETED' });
    const accepted = statusFilterOf({ status: 'DELETED', includeDeleted: 'true' });

    // Assess
    expect(refused).toEqual({ ok: false, issues: [{ field: 'status', issue: 'DELETED, ACCOUNT_REMOVED providers are listed only with includeDeleted=true' }] });
    expect(accepted).toEqual({ ok: true, filter: { only: ['DELETED'], exclude: [] } });
  });

  it('lists ACCOUNT_REMOVED ones on request only with includeDeleted=true', () => {
    // Act
    const refused = statusFilterOf({ status: 'READY,ACCOUNT_REMOVED' });
    const accepted = statusFilterOf({ status: 'ACCOUNT_REMOVED', includeDeleted: 'true' });

    // Assess
    expect(refused).toEqual({ ok: false, issues: [{ field: 'status', issue: 'DELETED, ACCOUNT_REMOVED providers are listed only with includeDeleted=true' }] });
    expect(accepted).toEqual({ ok: true, filter: { only: ['ACCOUNT_REMOVED'], exclude: [] } });
  });

  it.each([
    ['an unknown status', { status: 'ALIVE' }, 'status'],
    ['a lower-case status', { status: 'ready' }, 'status'],
    ['an empty status', { status: '' }, 'status'],
    ['includeDeleted=1', { includeDeleted: '1' }, 'includeDeleted'],
  ])('refuses %s naming the parameter', (_label, query, field) => {
    // Act
    const result = statusFilterOf(query);

    // Assess
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.issues.map((issue) => issue.field)).toEqual([field]);
  });
});
