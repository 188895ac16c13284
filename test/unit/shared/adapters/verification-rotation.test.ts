// A rotation's trust check: each accepted ID must be assumable, each refused one denied, and none
// assumable without an External ID. Only AccessDenied counts as a denial; messages name the IDs by
// their role in the rotation, never by value.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { verifyExternalIds } from '../../../../functions/shared/adapters/verification.js';

const sts = mockClient(STSClient);
const roleArn = 'arn:aws:iam::111122223333:role/capa-providers/capa-a';
const now = () => new Date('2026-11-29T10:00:00Z');
const denied = () => Object.assign(new Error('not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
const assumed = { AssumedRoleUser: { Arn: 'arn:aws:sts::111122223333:assumed-role/capa-a/s', AssumedRoleId: 'AROA:s' } };
const check = {
  roleArn,
  sessionName: 'capa-rotation-0123456789abcdef',
  accepted: [{ label: 'new', externalId: 'new-external-id' }],
  refused: [{ label: 'previous', externalId: 'previous-external-id' }],
};

/** The error a check failed with (a check that passes fails the test). */
async function failureOf(check: Promise<unknown>): Promise<Error> {
  return check.then(
    () => {
      throw new Error('expected the check to fail');
    },
    (error: Error) => error,
  );
}

beforeEach(() => {
  sts.reset();
  sts.on(AssumeRoleCommand).rejects(denied());
});

describe('verifyExternalIds', () => {
  it('passes when the new ID is accepted, and the previous one and none are denied', async () => {
    // Prepare
    sts.on(AssumeRoleCommand, { ExternalId: 'new-external-id' }).resolves(assumed);

    // Act
    const result = await verifyExternalIds(new STSClient({}), check, now);

    // Assess
    expect(result).toEqual({ verifiedAt: '2026-11-29T10:00:00.000Z' });
    expect(sts.commandCalls(AssumeRoleCommand).map((call) => [call.args[0].input.RoleSessionName, call.args[0].input.ExternalId])).toEqual([
      ['capa-rotation-0123456789abcdef-new', 'new-external-id'],
      ['capa-rotation-0123456789abcdef-previous', 'previous-external-id'],
      ['capa-rotation-0123456789abcdef-none', undefined],
    ]);
  });

  it('says the new ID is not accepted yet (retried as IAM propagation) without naming it', async () => {
    // Act
    const error = await failureOf(verifyExternalIds(new STSClient({}), check, now));

    // Assess
    expect(error).toMatchObject({ name: 'ExternalIdNotYetAccepted', message: `${roleArn} does not accept the new External ID yet (IAM propagation)` });
  });

  it('says the previous ID is still accepted, and that an ID-less AssumeRole works means enforcement is gone', async () => {
    // Prepare
    sts.on(AssumeRoleCommand, { ExternalId: 'new-external-id' }).resolves(assumed);
    sts.on(AssumeRoleCommand, { ExternalId: 'previous-external-id' }).resolves(assumed);
    const stillAccepted = await failureOf(verifyExternalIds(new STSClient({}), check, now));
    sts.reset();
    sts.on(AssumeRoleCommand).resolves(assumed);

    // Act
    const notEnforced = await failureOf(verifyExternalIds(new STSClient({}), { ...check, refused: [] }, now));

    // Assess
    expect(stillAccepted).toMatchObject({ name: 'PreviousExternalIdStillAccepted' });
    expect(notEnforced).toMatchObject({ name: 'ExternalIdNotEnforced' });
    expect(JSON.stringify([stillAccepted.message, notEnforced.message])).not.toMatch(/external-id/);
  });

  it('turns throttling into TransientAwsError, never into a denial', async () => {
    // Prepare
    sts.on(AssumeRoleCommand, { ExternalId: 'new-external-id' }).rejects(throttled());

    // Act
    const error = await failureOf(verifyExternalIds(new STSClient({ maxAttempts: 1 }), check, now));

    // Assess
    expect(error.name).toBe('TransientAwsError');
  });
});
