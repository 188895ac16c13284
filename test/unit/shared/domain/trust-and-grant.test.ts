import { describe, expect, it } from 'vitest';
import { buildTrustPolicy, sameTrustPolicy } from '../../../../functions/shared/domain/trust-policy.js';
import { addRoleToGrant, buildPathGrant, removeRoleFromGrant } from '../../../../functions/shared/domain/management-grant.js';
import { GrantLimitExceeded } from '../../../../functions/shared/domain/errors.js';

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

  it('omits EC2 when not wanted, and the condition when there is no External ID', () => {
    // Act
    const trust = buildTrustPolicy({ managementPrincipalArn: MANAGEMENT, trustEc2: false });

    // Assess
    expect(trust).toStrictEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'ManagementAccountAssumeRole', Effect: 'Allow', Principal: { AWS: MANAGEMENT }, Action: 'sts:AssumeRole' }],
    });
  });

  it('treats differently ordered but equal trust policies as the same, and another External ID as different', () => {
    // Prepare
    const ours = buildTrustPolicy({ managementPrincipalArn: MANAGEMENT, externalId: 'a1', trustEc2: true });
    const reordered = { Version: '2012-10-17' as const, Statement: [...ours.Statement].reverse() };
    const otherId = buildTrustPolicy({ managementPrincipalArn: MANAGEMENT, externalId: 'a2', trustEc2: true });

    // Act
    const sameWhenReordered = sameTrustPolicy(ours, reordered);
    const sameWithOtherId = sameTrustPolicy(ours, otherId);

    // Assess
    expect(sameWhenReordered).toBe(true);
    expect(sameWithOtherId).toBe(false);
  });
});

describe('management grant', () => {
  it('path mode: one statement granting every role under the product path, in any account', () => {
    // Act
    const grant = buildPathGrant('aws', '/capa-providers/');

    // Assess
    expect(grant).toStrictEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/capa-providers/*' }],
    });
  });

  it('path mode: keeps the partition of the management role', () => {
    // Act
    const grant = buildPathGrant('aws-cn', '/teams/capa/');

    // Assess
    expect(grant.Statement[0]?.Resource).toBe('arn:aws-cn:iam::*:role/teams/capa/*');
  });

  it('per-role: the first role makes a one-statement grant of exactly that role', () => {
    // Act
    const grant = addRoleToGrant(undefined, 'arn:aws:iam::111122223333:role/capa-providers/capa-b');

    // Assess
    expect(grant).toStrictEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ['arn:aws:iam::111122223333:role/capa-providers/capa-b'] },
      ],
    });
  });

  it('per-role: adding a role keeps the others, sorted', () => {
    // Prepare
    const current = {
      Version: '2012-10-17' as const,
      Statement: [
        { Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow' as const, Action: 'sts:AssumeRole', Resource: ['arn:aws:iam::111122223333:role/capa-providers/capa-b'] },
      ],
    };

    // Act
    const grant = addRoleToGrant(current, 'arn:aws:iam::111122223333:role/capa-providers/capa-a');

    // Assess
    expect(grant).toStrictEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AssumeOnboardedCapaRoles',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: ['arn:aws:iam::111122223333:role/capa-providers/capa-a', 'arn:aws:iam::111122223333:role/capa-providers/capa-b'],
        },
      ],
    });
  });

  it('per-role: adding a role already granted changes nothing', () => {
    // Prepare
    const current = {
      Version: '2012-10-17' as const,
      Statement: [
        { Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow' as const, Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::111122223333:role/capa-providers/capa-a' },
      ],
    };

    // Act
    const grant = addRoleToGrant(current, 'arn:aws:iam::111122223333:role/capa-providers/capa-a');

    // Assess
    expect(grant).toBeUndefined();
  });

  it('per-role: removing one role keeps the others; removing the last leaves nothing; removing an absent one changes nothing', () => {
    // Prepare
    const two = {
      Version: '2012-10-17' as const,
      Statement: [
        {
          Sid: 'AssumeOnboardedCapaRoles',
          Effect: 'Allow' as const,
          Action: 'sts:AssumeRole',
          Resource: ['arn:aws:iam::111122223333:role/capa-providers/capa-a', 'arn:aws:iam::111122223333:role/capa-providers/capa-b'],
        },
      ],
    };

    // Act
    const one = removeRoleFromGrant(two, 'arn:aws:iam::111122223333:role/capa-providers/capa-a');
    const none = removeRoleFromGrant(one ?? undefined, 'arn:aws:iam::111122223333:role/capa-providers/capa-b');
    const absent = removeRoleFromGrant(two, 'arn:aws:iam::111122223333:role/other');

    // Assess
    expect(one).toStrictEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ['arn:aws:iam::111122223333:role/capa-providers/capa-b'] },
      ],
    });
    expect(none).toBeNull();
    expect(absent).toBeUndefined();
  });

  it('per-role: grows up to the 10,240-character inline quota and refuses to pass it', () => {
    // Prepare: with ARNs of this length, 177 roles make 10,218 characters and 178 would make 10,275.
    const arn = (index: number) => `arn:aws:iam::111122223333:role/capa-providers/capa-${String(index).padStart(3, '0')}`;
    const grantOf = (count: number) => ({
      Version: '2012-10-17' as const,
      Statement: [
        {
          Sid: 'AssumeOnboardedCapaRoles',
          Effect: 'Allow' as const,
          Action: 'sts:AssumeRole',
          Resource: Array.from({ length: count }, (_, index) => arn(index)),
        },
      ],
    });

    // Act
    const lastThatFits = addRoleToGrant(grantOf(176), arn(176));
    const oneTooMany = () => addRoleToGrant(grantOf(177), arn(177));

    // Assess
    expect(lastThatFits?.Statement[0]?.Resource).toHaveLength(177);
    expect(oneTooMany).toThrow(GrantLimitExceeded);
    expect(oneTooMany).toThrow("would make the management role's inline policy 10275 characters (IAM allows 10240)");
  });
});
