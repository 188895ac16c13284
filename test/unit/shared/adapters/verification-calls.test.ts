// The two AssumeRole calls of verification as sent: the session name cut to STS's 64 characters,
// the External ID only on the first call (the second carries no ExternalId at all), and the
// role's own ARN when STS names no assumed-role user.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { verifyRoleAssumable } from '../../../../functions/shared/adapters/verification.js';

const sts = mockClient(STSClient);
const ROLE_ARN = 'arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev';
const denied = () => Object.assign(new Error('not authorized'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
const credentials = { AccessKeyId: 'ASIAPROVIDER', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2026-11-29T11:00:00Z') };
const clock = { now: () => new Date('2026-11-29T10:00:00.000Z'), sleep: async () => undefined, random: () => 0 };

beforeEach(() => sts.reset());

describe('verification calls', () => {
  it('cuts session names to 64 characters and sends the External ID only on the first call', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(denied());
    sts.on(AssumeRoleCommand, { ExternalId: 'ext-0001' }).resolves({ Credentials: credentials });
    const sessionName = `capa-onboarding-verify-${'x'.repeat(50)}`;

    // Act
    const result = await verifyRoleAssumable(new STSClient({}), { roleArn: ROLE_ARN, externalId: 'ext-0001', sessionName, deadline: new Date('2026-11-29T10:05:00.000Z'), pollUntil: new Date('2026-11-29T10:00:50.000Z') }, clock);

    // Assess
    expect(result).toEqual({ verification: { verifiedAt: '2026-11-29T10:00:00.000Z', assumedRoleArn: ROLE_ARN, externalIdEnforced: true }, polls: 1 });
    const inputs = sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(2);
    expect(inputs[0]).toEqual({ RoleArn: ROLE_ARN, RoleSessionName: `capa-onboarding-verify-${'x'.repeat(41)}`, DurationSeconds: 900, ExternalId: 'ext-0001' });
    expect(Object.keys(inputs[1]!).sort()).toEqual(['DurationSeconds', 'RoleArn', 'RoleSessionName']);
    expect(inputs[1]!.RoleSessionName).toBe(`capa-onboarding-verify-${'x'.repeat(41)}`);
  });
});
