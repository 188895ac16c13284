import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { verifyRoleAssumable } from '../../functions/shared/adapters/verification.js';

const sts = mockClient(STSClient);
const denied = () => Object.assign(new Error('not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' });
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
const assumed = { AssumedRoleUser: { Arn: 'arn:aws:sts::1:assumed-role/r/s', AssumedRoleId: 'A:s' } };
const roleArn = 'arn:aws:iam::111122223333:role/capa-providers/capa-a';
const now = new Date('2026-11-28T10:00:00Z');
const request = (deadline: Date) => ({ roleArn, externalId: 'ext-0001', sessionName: 'verify', deadline });

beforeEach(() => sts.reset());

describe('verifyRoleAssumable', () => {
  it('succeeds when the role is assumable with the External ID and denied without it', async () => {
    // Prepare
    sts.on(AssumeRoleCommand, { ExternalId: 'ext-0001' }).resolves(assumed);
    sts.on(AssumeRoleCommand, { ExternalId: undefined }).rejects(denied());

    // Act
    const result = await verifyRoleAssumable(new STSClient({}), request(new Date(now.getTime() + 60_000)), () => now);

    // Assess
    expect(result).toMatchObject({ externalIdEnforced: true, assumedRoleArn: 'arn:aws:sts::1:assumed-role/r/s' });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('reports RoleNotYetAssumable on AccessDenied before the deadline and PropagationTimeout after it', async () => {
    sts.on(AssumeRoleCommand).rejects(denied());
    await expect(verifyRoleAssumable(new STSClient({}), request(new Date(now.getTime() + 1)), () => now)).rejects.toMatchObject({ name: 'RoleNotYetAssumable' });
    await expect(verifyRoleAssumable(new STSClient({}), request(now), () => now)).rejects.toMatchObject({ name: 'PropagationTimeout' });
  });

  it('fails with ExternalIdNotEnforced when the role can be assumed without the External ID', async () => {
    sts.on(AssumeRoleCommand).resolves(assumed);
    await expect(verifyRoleAssumable(new STSClient({}), request(new Date(now.getTime() + 60_000)), () => now)).rejects.toMatchObject({
      name: 'ExternalIdNotEnforced',
    });
  });

  it('turns throttling into TransientAwsError for the state machine to retry', async () => {
    sts.on(AssumeRoleCommand).rejects(throttled());
    await expect(verifyRoleAssumable(new STSClient({}), request(new Date(now.getTime() + 60_000)), () => now)).rejects.toMatchObject({
      name: 'TransientAwsError',
    });
  });
});
