// Which new-account events name an account to onboard, and the provider request, account name and
// trigger read from each kind (Organizations CreateAccountResult, Control Tower Create/Update).
import { describe, expect, it } from 'vitest';
import { newAccountOf, type NewAccountEvent } from '../../../../functions/shared/domain/new-account.js';

const organizationsEvent = (status: Record<string, unknown>): NewAccountEvent => ({
  id: 'e-1',
  source: 'aws.organizations',
  'detail-type': 'AWS Service Event via CloudTrail',
  detail: { eventName: 'CreateAccountResult', serviceEventDetails: { createAccountStatus: status } },
});

describe('newAccountOf', () => {
  it('reads an Organizations CreateAccountResult: the provider is named after the account id, in the given workspace', () => {
    // Act
    const account = newAccountOf(organizationsEvent({ state: 'SUCCEEDED', accountId: '222233334444', accountName: 'team-payments-dev' }), 'landing-zone');

    // Assess
    expect(account).toEqual({
      request: { workspace: 'landing-zone', name: 'aws-222233334444', accountId: '222233334444' },
      accountName: 'team-payments-dev',
      trigger: 'aws.organizations:CreateAccountResult',
      source: 'organizations',
    });
  });

  it('reads a Control Tower CreateManagedAccount, whose account is nested', () => {
    // Prepare
    const event: NewAccountEvent = {
      source: 'aws.controltower',
      detail: {
        eventName: 'CreateManagedAccount',
        serviceEventDetails: { createManagedAccountStatus: { state: 'SUCCEEDED', account: { accountId: '555566667777', accountName: 'team-search-prod' } } },
      },
    };

    // Act
    const account = newAccountOf(event, 'landing-zone');

    // Assess
    expect(account).toEqual({
      request: { workspace: 'landing-zone', name: 'aws-555566667777', accountId: '555566667777' },
      accountName: 'team-search-prod',
      trigger: 'aws.controltower:CreateManagedAccount',
      source: 'controltower',
    });
  });

  it('reads the OU Control Tower enrolled the account in', () => {
    // Prepare
    const status = {
      state: 'SUCCEEDED',
      account: { accountId: '555566667777', accountName: 'team-search-prod' },
      organizationalUnit: { organizationalUnitName: 'Workloads', organizationalUnitId: 'ou-ab12-cd34ef56' },
    };
    const event: NewAccountEvent = { source: 'aws.controltower', detail: { eventName: 'CreateManagedAccount', serviceEventDetails: { createManagedAccountStatus: status } } };

    // Act
    const account = newAccountOf(event, 'landing-zone');

    // Assess
    expect(account?.organizationalUnit).toEqual({ id: 'ou-ab12-cd34ef56', name: 'Workloads' });
  });

  it('reads a Control Tower UpdateManagedAccount', () => {
    // Prepare
    const event: NewAccountEvent = {
      source: 'aws.controltower',
      detail: {
        eventName: 'UpdateManagedAccount',
        serviceEventDetails: { updateManagedAccountStatus: { state: 'SUCCEEDED', account: { accountId: '888899990000', accountName: 'team-ml-sandbox' } } },
      },
    };

    // Act
    const account = newAccountOf(event, 'landing-zone');

    // Assess
    expect(account).toEqual({
      request: { workspace: 'landing-zone', name: 'aws-888899990000', accountId: '888899990000' },
      accountName: 'team-ml-sandbox',
      trigger: 'aws.controltower:UpdateManagedAccount',
      source: 'controltower',
    });
  });

  it('names the trigger "unknown" where the event has no source or event name, and has no account name when none is given', () => {
    // Prepare
    const event: NewAccountEvent = { detail: { serviceEventDetails: { createAccountStatus: { state: 'SUCCEEDED', accountId: '222233334444' } } } };

    // Act
    const account = newAccountOf(event, 'landing-zone');

    // Assess
    expect(account).toEqual({
      request: { workspace: 'landing-zone', name: 'aws-222233334444', accountId: '222233334444' },
      accountName: undefined,
      trigger: 'unknown:unknown',
      source: 'organizations',
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['a failed creation', { state: 'FAILED', accountId: '222233334444' }],
    ['a creation in progress', { state: 'IN_PROGRESS', accountId: '222233334444' }],
    ['no account id', { state: 'SUCCEEDED' }],
    ['an account id of 11 digits', { state: 'SUCCEEDED', accountId: '22223333444' }],
    ['an account id of 13 digits', { state: 'SUCCEEDED', accountId: '2222333344445' }],
    ['an account id with letters', { state: 'SUCCEEDED', accountId: '2222333344ab' }],
    ['an account id with a prefix', { state: 'SUCCEEDED', accountId: 'x222233334444' }],
    ['an account id with a suffix', { state: 'SUCCEEDED', accountId: '222233334444x' }],
  ])('names no account for %s', (_what, status) => {
    // Act
    const account = newAccountOf(organizationsEvent(status), 'landing-zone');

    // Assess
    expect(account).toBeUndefined();
  });

  it('names no account for an event without service event details', () => {
    // Act
    const account = newAccountOf({ id: 'e-2', source: 'aws.organizations', detail: {} }, 'landing-zone');

    // Assess
    expect(account).toBeUndefined();
  });

  it('names no account for an event without a detail', () => {
    // Act
    const account = newAccountOf({ id: 'e-3', source: 'aws.organizations' }, 'landing-zone');

    // Assess
    expect(account).toBeUndefined();
  });
});
