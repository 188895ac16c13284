// How the AssumeRole probes classify what STS answers: only AccessDenied is a denial; throttling
// and 5xx stay transient (TransientAwsError, retried by the state machine) and any other error is
// rethrown as it is, never read as "denied" or "not assumable". The messages an operator reads name
// the role and the External ID by its label, never by value. Also the polling budget's boundary:
// a poll that would start exactly at pollUntil still starts.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { probeAssumeRole, verifyExternalIds, verifyRoleAssumable, type PollClock } from '../../../../functions/shared/adapters/verification.js';

const sts = mockClient(STSClient);
const roleArn = 'arn:aws:iam::111122223333:role/capa-providers/capa-a';
const sdkError = (name: string, httpStatusCode: number, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
const denied = () => sdkError('AccessDenied', 403, 'not authorized to perform: sts:AssumeRole');
const assumed = { AssumedRoleUser: { Arn: 'arn:aws:sts::111122223333:assumed-role/capa-a/s', AssumedRoleId: 'AROA:s' } };

beforeEach(() => {
  sts.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('probeAssumeRole', () => {
  it('answers allowed when STS returns a session, denied on AccessDenied', async () => {
    // Prepare
    sts.on(AssumeRoleCommand, { ExternalId: 'external-id-1' }).resolves(assumed);
    sts.on(AssumeRoleCommand, { ExternalId: undefined }).rejects(denied());

    // Act
    const withId = await probeAssumeRole(new STSClient({}), roleArn, 'capa-reverify-1', 'external-id-1');
    const withoutId = await probeAssumeRole(new STSClient({}), roleArn, 'capa-reverify-1-no-external-id');

    // Assess
    expect([withId, withoutId]).toEqual(['allowed', 'denied']);
  });

  it.each([
    ['throttling', sdkError('Throttling', 400, 'Rate exceeded')],
    ['a 500', sdkError('InternalFailure', 500, 'internal error')],
    ['a 503', sdkError('ServiceUnavailable', 503, 'unavailable')],
  ])('turns %s with the External ID into TransientAwsError naming the role', async (_case, error) => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(error);

    // Act
    const probing = probeAssumeRole(new STSClient({ maxAttempts: 1 }), roleArn, 'capa-reverify-1', 'external-id-1');

    // Assess
    await expect(probing).rejects.toMatchObject({ name: 'TransientAwsError', message: `AssumeRole ${roleArn}: ${error.message}` });
  });

  it('turns throttling without an External ID into TransientAwsError that says so', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(sdkError('Throttling', 400, 'Rate exceeded'));

    // Act
    const probing = probeAssumeRole(new STSClient({ maxAttempts: 1 }), roleArn, 'capa-reverify-1-no-external-id');

    // Assess
    await expect(probing).rejects.toMatchObject({ name: 'TransientAwsError', message: `AssumeRole ${roleArn} without External ID: Rate exceeded` });
  });

  it('rethrows an error that is neither a denial nor transient as it is', async () => {
    // Prepare
    const regionDisabled = sdkError('RegionDisabledException', 403, 'STS is not activated in this region');
    sts.on(AssumeRoleCommand).rejects(regionDisabled);

    // Act
    const probing = probeAssumeRole(new STSClient({ maxAttempts: 1 }), roleArn, 'capa-reverify-1', 'external-id-1');

    // Assess
    await expect(probing).rejects.toMatchObject({ name: 'RegionDisabledException', message: 'STS is not activated in this region' });
  });
});

describe('verifyExternalIds', () => {
  const check = {
    roleArn,
    sessionName: 'capa-rotation-0123456789abcdef',
    accepted: [{ label: 'new', externalId: 'new-external-id' }],
    refused: [{ label: 'previous', externalId: 'previous-external-id' }],
  };
  const now = () => new Date('2026-11-29T10:00:00Z');

  it('names the role and the label of an accepted ID whose AssumeRole was throttled', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(sdkError('Throttling', 400, 'Rate exceeded'));

    // Act
    const verifying = verifyExternalIds(new STSClient({ maxAttempts: 1 }), check, now);

    // Assess
    await expect(verifying).rejects.toMatchObject({ name: 'TransientAwsError', message: `AssumeRole ${roleArn} with the new External ID: Rate exceeded` });
  });

  it.each([
    ['throttled', sdkError('Throttling', 400, 'Rate exceeded'), 'TransientAwsError', `AssumeRole ${roleArn}: Rate exceeded`],
    ['a 500', sdkError('InternalFailure', 500, 'internal error'), 'TransientAwsError', `AssumeRole ${roleArn}: internal error`],
    ['not a denial', sdkError('RegionDisabledException', 403, 'STS is not activated in this region'), 'RegionDisabledException', 'STS is not activated in this region'],
  ])('does not count a refused ID as refused when its AssumeRole is %s', async (_case, error, name, message) => {
    // Prepare
    sts.on(AssumeRoleCommand, { ExternalId: 'new-external-id' }).resolves(assumed);
    sts.on(AssumeRoleCommand, { ExternalId: 'previous-external-id' }).rejects(error);
    sts.on(AssumeRoleCommand, { ExternalId: undefined }).rejects(denied());

    // Act
    const verifying = verifyExternalIds(new STSClient({ maxAttempts: 1 }), check, now);

    // Assess
    await expect(verifying).rejects.toMatchObject({ name, message });
  });

  it('says which role still accepts the previous ID', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(assumed);

    // Act
    const verifying = verifyExternalIds(new STSClient({}), check, now);

    // Assess
    await expect(verifying).rejects.toMatchObject({
      name: 'PreviousExternalIdStillAccepted',
      message: `${roleArn} still accepts the previous External ID (IAM propagation)`,
    });
  });

  it('says which role can be assumed without an External ID', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(assumed);
    sts.on(AssumeRoleCommand, { ExternalId: 'previous-external-id' }).rejects(denied());

    // Act
    const verifying = verifyExternalIds(new STSClient({}), check, now);

    // Assess
    await expect(verifying).rejects.toMatchObject({
      name: 'ExternalIdNotEnforced',
      message: `${roleArn} can be assumed without an External ID: its trust policy does not enforce sts:ExternalId`,
    });
  });

  it('stamps verifiedAt with the current time when no clock is given', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-29T11:30:00.000Z'));
    sts.on(AssumeRoleCommand).rejects(denied());
    sts.on(AssumeRoleCommand, { ExternalId: 'new-external-id' }).resolves(assumed);

    // Act
    const result = await verifyExternalIds(new STSClient({}), check);

    // Assess
    expect(result).toEqual({ verifiedAt: '2026-11-29T11:30:00.000Z' });
  });
});

describe('the polling budget of verifyRoleAssumable', () => {
  it('still polls when the next poll would start exactly at pollUntil', async () => {
    // Prepare: no jitter, so the first wait is 500 ms, which ends exactly at pollUntil.
    let time = Date.parse('2026-11-28T10:00:00.000Z');
    const sleeps: number[] = [];
    const clock: PollClock = {
      now: () => new Date(time),
      sleep: async (ms) => {
        sleeps.push(ms);
        time += ms;
      },
      random: () => 0,
    };
    sts.on(AssumeRoleCommand, { ExternalId: 'ext-0001' }).rejectsOnce(denied()).resolves(assumed);
    sts.on(AssumeRoleCommand, { ExternalId: undefined }).rejects(denied());
    const request = {
      roleArn,
      externalId: 'ext-0001',
      sessionName: 'verify',
      deadline: new Date('2026-11-28T10:01:00.000Z'),
      pollUntil: new Date('2026-11-28T10:00:00.500Z'),
    };

    // Act
    const result = await verifyRoleAssumable(new STSClient({}), request, clock);

    // Assess
    expect(result.polls).toBe(2);
    expect(sleeps).toEqual([500]);
  });
});
