import { describe, expect, it } from 'vitest';
import { buildTrustPolicy, sameTrustPolicy } from '../../functions/shared/domain/trust-policy.js';
import { addRoleToGrant, buildPathGrant, removeRoleFromGrant } from '../../functions/shared/domain/management-grant.js';
import { GrantLimitExceeded } from '../../functions/shared/domain/errors.js';

const MANAGEMENT = 'arn:aws:iam::000000000000:root';

describe('trust policy', () => {
  it('binds the management principal to the External ID and keeps EC2 in its own statement', () => {
    // Act
    const trust = buildTrustPolicy({ managementPrincipalArn: MANAGEMENT, externalId: 'abc-123', trustEc2: true });

    // Assess
    expect(trust.Statement).toEqual([
      {
        Sid: 'ManagementAccountAssumeRole',
        Effect: 'Allow',
        Principal: { AWS: MANAGEMENT },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': 'abc-123' } },
      },
      { Sid: 'Ec2AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
  });

  it('omits EC2 when not wanted and the condition when there is no External ID', () => {
    const trust = buildTrustPolicy({ managementPrincipalArn: MANAGEMENT, trustEc2: false });
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0]?.Condition).toBeUndefined();
  });

  it('treats differently ordered but equal trust policies as the same, and another External ID as different', () => {
    const ours = buildTrustPolicy({ managementPrincipalArn: MANAGEMENT, externalId: 'a1', trustEc2: true });
    const reordered = { Version: '2012-10-17', Statement: [...ours.Statement].reverse() };
    expect(sameTrustPolicy(ours, reordered)).toBe(true);
    expect(sameTrustPolicy(ours, buildTrustPolicy({ managementPrincipalArn: MANAGEMENT, externalId: 'a2', trustEc2: true }))).toBe(false);
  });
});

describe('management grant', () => {
  it('grants every role under the product path in any account, in one statement', () => {
    expect(buildPathGrant('aws', '/capa-providers/').Statement).toEqual([
      { Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/capa-providers/*' },
    ]);
  });

  it('per-role: adds a role once and removes it again', () => {
    // Prepare
    const arn = 'arn:aws:iam::111122223333:role/capa-providers/capa-a';

    // Act
    const added = addRoleToGrant(undefined, arn);
    const again = addRoleToGrant(added, arn);
    const removed = removeRoleFromGrant(added, arn);

    // Assess
    expect(added?.Statement[0]?.Resource).toEqual([arn]);
    expect(again).toBeUndefined();
    expect(removed).toBeNull();
    expect(removeRoleFromGrant(added, 'arn:aws:iam::1:role/other')).toBeUndefined();
  });

  it('per-role: refuses to grow past the 10,240-character inline quota', () => {
    // Prepare
    let grant = addRoleToGrant(undefined, 'arn:aws:iam::111122223333:role/capa-providers/capa-0');
    let error: unknown;

    // Act
    try {
      for (let index = 1; index < 1_000; index += 1) {
        grant = addRoleToGrant(grant, `arn:aws:iam::111122223333:role/capa-providers/capa-${index}`) ?? grant;
      }
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(GrantLimitExceeded);
    expect(JSON.stringify(grant).length).toBeLessThanOrEqual(10_240);
  });
});
