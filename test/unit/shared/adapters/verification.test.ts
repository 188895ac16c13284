import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { verifyRoleAssumable } from '../../../../functions/shared/adapters/verification.js';

const sts = mockClient(STSClient);
const roleArn = 'arn:aws:iam::111122223333:role/capa-providers/capa-a';
const now = new Date('2026-11-28T10:00:00Z');
const beforeDeadline = { roleArn, externalId: 'ext-0001', sessionName: 'verify', deadline: new Date('2026-11-28T10:01:00Z') };
const atDeadline = { ...beforeDeadline, deadline: now };
const assumed = { AssumedRoleUser: { Arn: 'arn:aws:sts::111122223333:assumed-role/capa-a/verify', AssumedRoleId: 'AROA:verify' } };

const sdkError = (name: string, httpStatusCode: number, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
const denied = () => sdkError('AccessDenied', 403, 'not authorized to perform: sts:AssumeRole');

/** The call with the External ID (the first) and the one without it (the second, the confused-deputy probe). */
const withExternalId = { RoleArn: roleArn, ExternalId: 'ext-0001' };
const withoutExternalId = { RoleArn: roleArn, ExternalId: undefined };

beforeEach(() => sts.reset());

describe('verifyRoleAssumable', () => {
  it('proves enforcement when the role is assumable with the External ID and AccessDenied without it', async () => {
    // Prepare
    sts.on(AssumeRoleCommand, withExternalId).resolves(assumed);
    sts.on(AssumeRoleCommand, withoutExternalId).rejects(denied());

    // Act
    const result = await verifyRoleAssumable(new STSClient({}), beforeDeadline, () => now);

    // Assess
    expect(result).toEqual({
      verifiedAt: '2026-11-28T10:00:00.000Z',
      assumedRoleArn: 'arn:aws:sts::111122223333:assumed-role/capa-a/verify',
      externalIdEnforced: true,
    });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    expect(sts).toHaveReceivedNthCommandWith(AssumeRoleCommand, 1, { RoleArn: roleArn, RoleSessionName: 'verify', ExternalId: 'ext-0001', DurationSeconds: 900 });
    expect(sts).toHaveReceivedNthCommandWith(AssumeRoleCommand, 2, { RoleArn: roleArn, RoleSessionName: 'verify-no-external-id' });
    expect(sts.commandCalls(AssumeRoleCommand)[1]?.args[0].input.ExternalId).toBeUndefined();
  });

  it('reports RoleNotYetAssumable on AccessDenied with the External ID before the deadline', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(denied());

    // Act
    const verification = verifyRoleAssumable(new STSClient({}), beforeDeadline, () => now);

    // Assess
    await expect(verification).rejects.toMatchObject({ name: 'RoleNotYetAssumable' });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  it('reports PropagationTimeout on AccessDenied with the External ID once the deadline has come', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(denied());

    // Act
    const verification = verifyRoleAssumable(new STSClient({}), atDeadline, () => now);

    // Assess
    await expect(verification).rejects.toMatchObject({ name: 'PropagationTimeout' });
  });

  it('fails with ExternalIdNotEnforced when the role can be assumed without the External ID', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(assumed);

    // Act
    const verification = verifyRoleAssumable(new STSClient({}), beforeDeadline, () => now);

    // Assess
    await expect(verification).rejects.toMatchObject({ name: 'ExternalIdNotEnforced' });
  });

  it('turns throttling of the call with the External ID into TransientAwsError', async () => {
    // Prepare
    sts.on(AssumeRoleCommand, withExternalId).rejects(sdkError('Throttling', 400, 'Rate exceeded'));

    // Act
    const verification = verifyRoleAssumable(new STSClient({}), beforeDeadline, () => now);

    // Assess
    await expect(verification).rejects.toMatchObject({ name: 'TransientAwsError', message: `AssumeRole ${roleArn}: Rate exceeded` });
  });

  describe('only AccessDenied on the call without the External ID is proof of enforcement', () => {
    it.each([
      ['throttled', sdkError('Throttling', 400, 'Rate exceeded'), 'TransientAwsError'],
      ['a 500', sdkError('InternalFailure', 500, 'internal error'), 'TransientAwsError'],
      ['a 503', sdkError('ServiceUnavailable', 503, 'unavailable'), 'TransientAwsError'],
    ])('the second call %s is retried as TransientAwsError, not counted as enforced', async (_label, error, name) => {
      // Prepare
      sts.on(AssumeRoleCommand, withExternalId).resolves(assumed);
      sts.on(AssumeRoleCommand, withoutExternalId).rejects(error);

      // Act
      const verification = verifyRoleAssumable(new STSClient({}), beforeDeadline, () => now);

      // Assess
      await expect(verification).rejects.toMatchObject({
        name,
        message: `AssumeRole ${roleArn} without External ID: ${error.message}`,
      });
      expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    });

    it.each([
      ['RegionDisabledException', sdkError('RegionDisabledException', 403, 'STS is not activated in this region')],
      ['ValidationError', sdkError('ValidationError', 400, 'invalid session name')],
    ])('the second call failing with %s is rethrown as it is, not counted as enforced', async (name, error) => {
      // Prepare
      sts.on(AssumeRoleCommand, withExternalId).resolves(assumed);
      sts.on(AssumeRoleCommand, withoutExternalId).rejects(error);

      // Act
      const verification = verifyRoleAssumable(new STSClient({}), beforeDeadline, () => now);

      // Assess
      await expect(verification).rejects.toMatchObject({ name, message: error.message });
    });
  });
});
