// The reconcile's decisions: which members a missed event left without a provider, which are
// never onboarded again (tombstones, the management account), and which providers' accounts
// departed — only accounts the organization itself listed as members.
import { describe, expect, it } from 'vitest';
import {
  membersToRemember,
  planReconciliation,
  reconciliationOf,
  type ReconcileFacts,
} from '../../../../functions/shared/domain/reconciliation.js';

const MANAGEMENT = '000000000000';

function facts(overrides: Partial<ReconcileFacts>): ReconcileFacts {
  return { managementAccountId: MANAGEMENT, accounts: [], providers: [], rememberedMembers: [], ...overrides };
}

describe('planReconciliation', () => {
  it('makes candidates of ACTIVE members without any provider, in account order, never the management account', () => {
    // Prepare
    const input = facts({
      accounts: [
        { accountId: MANAGEMENT, status: 'ACTIVE' },
        { accountId: '333333333333', status: 'ACTIVE' },
        { accountId: '111111111111', status: 'ACTIVE' },
        { accountId: '222222222222', status: 'ACTIVE' },
      ],
      providers: [{ providerId: 'payments.prod', accountId: '222222222222', status: 'FAILED' }],
    });

    // Act
    const plan = planReconciliation(input);

    // Assess
    expect(plan).toEqual({ candidates: ['111111111111', '333333333333'], alreadyOnboarded: 1, tombstoned: [], departures: [] });
  });

  it('never onboards again a member whose providers are all DELETED or ACCOUNT_REMOVED', () => {
    // Prepare
    const input = facts({
      accounts: [
        { accountId: '111111111111', status: 'ACTIVE' },
        { accountId: '222222222222', status: 'ACTIVE' },
        { accountId: '444444444444', status: 'ACTIVE' },
      ],
      providers: [
        { providerId: 'default.aws-111111111111', accountId: '111111111111', status: 'DELETED' },
        { providerId: 'default.aws-222222222222', accountId: '222222222222', status: 'ACCOUNT_REMOVED' },
        { providerId: 'default.aws-444444444444', accountId: '444444444444', status: 'DELETED' },
        { providerId: 'team.four', accountId: '444444444444', status: 'READY' },
      ],
    });

    // Act
    const plan = planReconciliation(input);

    // Assess
    expect(plan.candidates).toEqual([]);
    expect(plan.alreadyOnboarded).toBe(1);
    expect(plan.tombstoned).toEqual([
      { accountId: '111111111111', providerId: 'default.aws-111111111111', status: 'DELETED' },
      { accountId: '222222222222', providerId: 'default.aws-222222222222', status: 'ACCOUNT_REMOVED' },
    ]);
  });

  it('finds the live providers of accounts Organizations lists as SUSPENDED or PENDING_CLOSURE', () => {
    // Prepare
    const input = facts({
      accounts: [
        { accountId: '111111111111', status: 'SUSPENDED' },
        { accountId: '222222222222', status: 'PENDING_CLOSURE' },
      ],
      providers: [
        { providerId: 'default.aws-111111111111', accountId: '111111111111', status: 'READY' },
        { providerId: 'team.one', accountId: '111111111111', status: 'PENDING' },
        { providerId: 'team.gone', accountId: '111111111111', status: 'DELETED' },
        { providerId: 'default.aws-222222222222', accountId: '222222222222', status: 'DEGRADED' },
      ],
    });

    // Act
    const plan = planReconciliation(input);

    // Assess
    expect(plan.departures).toEqual([
      { accountId: '111111111111', accountStatus: 'SUSPENDED', providerIds: ['default.aws-111111111111', 'team.one'] },
      { accountId: '222222222222', accountStatus: 'PENDING_CLOSURE', providerIds: ['default.aws-222222222222'] },
    ]);
    expect(plan.candidates).toEqual([]);
  });

  it('treats an account missing from the listing as departed only when an earlier reconcile listed it as a member', () => {
    // Prepare
    const input = facts({
      accounts: [{ accountId: MANAGEMENT, status: 'ACTIVE' }],
      providers: [
        { providerId: 'default.aws-111111111111', accountId: '111111111111', status: 'READY' },
        { providerId: 'partner.outside', accountId: '999999999999', status: 'READY' },
        { providerId: 'platform.management', accountId: MANAGEMENT, status: 'READY' },
      ],
      rememberedMembers: [MANAGEMENT, '111111111111'],
    });

    // Act
    const plan = planReconciliation(input);

    // Assess
    expect(plan.departures).toEqual([{ accountId: '111111111111', accountStatus: 'NOT_IN_ORGANIZATION', providerIds: ['default.aws-111111111111'] }]);
  });

  it('leaves an account that was already fully removed alone', () => {
    // Prepare
    const input = facts({
      accounts: [{ accountId: '111111111111', status: 'SUSPENDED' }],
      providers: [{ providerId: 'default.aws-111111111111', accountId: '111111111111', status: 'ACCOUNT_REMOVED' }],
      rememberedMembers: ['111111111111'],
    });

    // Act
    const plan = planReconciliation(input);

    // Assess
    expect(plan).toEqual({ candidates: [], alreadyOnboarded: 0, tombstoned: [], departures: [] });
  });
});

describe('membersToRemember', () => {
  it('keeps every listed account and the remembered ones whose departure did not finish, and forgets the rest', () => {
    // Prepare
    const input = {
      accounts: [
        { accountId: '222222222222', status: 'ACTIVE' },
        { accountId: '111111111111', status: 'SUSPENDED' },
      ],
      rememberedMembers: ['111111111111', '333333333333', '444444444444'],
    };

    // Act
    const remembered = membersToRemember(input, ['444444444444', '555555555555']);

    // Assess
    expect(remembered).toEqual(['111111111111', '222222222222', '444444444444']);
  });
});

describe('reconciliationOf', () => {
  it('turns the error the sweep caught into a failed reconciliation with its cause cut to 500 characters', () => {
    // Act
    const summary = reconciliationOf({ Error: 'AccessDeniedException', Cause: 'x'.repeat(600) });

    // Assess
    expect(summary).toEqual({ status: 'failed', error: 'AccessDeniedException', cause: 'x'.repeat(500) });
  });

  it('keeps a reconcile\'s own summary as it is, and nothing when no reconcile ran', () => {
    // Act
    const disabled = reconciliationOf({ status: 'disabled' });
    const none = reconciliationOf(null);

    // Assess
    expect(disabled).toEqual({ status: 'disabled' });
    expect(none).toBeUndefined();
  });
});
