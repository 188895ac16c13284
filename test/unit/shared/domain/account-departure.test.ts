// Which account an Organizations CloudTrail event says has left, and what its providers record.
import { describe, expect, it } from 'vitest';
import { accountDepartureOf, accountRemovedMessage, type AccountDepartureEvent } from '../../../../functions/shared/domain/account-departure.js';

function apiCall(eventName: string, detail: Record<string, unknown> = {}): AccountDepartureEvent {
  return {
    id: 'eventbridge-id-1',
    source: 'aws.organizations',
    'detail-type': 'AWS API Call via CloudTrail',
    time: '2026-11-29T08:00:05Z',
    detail: {
      eventName,
      eventID: 'cloudtrail-event-id-1',
      eventTime: '2026-11-29T08:00:00Z',
      userIdentity: { accountId: '000000000000' },
      requestParameters: { accountId: '111122223333' },
      recipientAccountId: '000000000000',
      ...detail,
    },
  };
}

describe('an account departure event', () => {
  it.each(['CloseAccount', 'RemoveAccountFromOrganization'])('%s names the departed account in requestParameters.accountId', (eventName) => {
    // Act
    const departure = accountDepartureOf(apiCall(eventName));

    // Assess
    expect(departure).toEqual({ accountId: '111122223333', eventName, eventId: 'cloudtrail-event-id-1', eventTime: '2026-11-29T08:00:00Z' });
  });

  it('LeaveOrganization has no parameters: the departed account is the caller’s', () => {
    // Act
    const departure = accountDepartureOf(
      apiCall('LeaveOrganization', { requestParameters: null, userIdentity: { accountId: '444455556666' }, recipientAccountId: '444455556666' }),
    );

    // Assess
    expect(departure).toEqual({ accountId: '444455556666', eventName: 'LeaveOrganization', eventId: 'cloudtrail-event-id-1', eventTime: '2026-11-29T08:00:00Z' });
  });

  it('is nothing for a failed call, another call, another source or a malformed account id', () => {
    // Act
    const ignored = [
      accountDepartureOf(apiCall('CloseAccount', { errorCode: 'AccountNotFoundException' })),
      accountDepartureOf(apiCall('CreateAccount')),
      accountDepartureOf({ ...apiCall('CloseAccount'), source: 'aws.iam' }),
      accountDepartureOf(apiCall('CloseAccount', { requestParameters: { accountId: '1234' } })),
    ];

    // Assess
    expect(ignored).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('records how the account left and that nothing inside it was cleaned, with what happens to the management grant', () => {
    // Prepare
    const departure = { accountId: '111122223333', eventName: 'CloseAccount' as const, eventId: 'e-1', eventTime: '2026-11-29T08:00:00Z' };

    // Act
    const perRole = accountRemovedMessage(departure, 'per-role');
    const path = accountRemovedMessage(departure, 'path');

    // Assess
    expect(perRole).toBe(
      'Account 111122223333 was closed (CloseAccount, 2026-11-29T08:00:00Z). Nothing inside the account was cleaned up: it can no longer be reached, so the role and its policies stay there. The management role\'s grant for this provider\'s role is removed.',
    );
    expect(path).toBe(
      'Account 111122223333 was closed (CloseAccount, 2026-11-29T08:00:00Z). Nothing inside the account was cleaned up: it can no longer be reached, so the role and its policies stay there. The management role\'s path grant serves every provider and stays.',
    );
  });
});
