import { describe, expect, it } from 'vitest';
import {
  failed,
  passed,
  trustChecks,
  verificationEventOf,
  verificationExecutionNameOf,
  verificationOutcome,
} from '../../../../functions/shared/domain/drift.js';
import { buildTrustPolicy } from '../../../../functions/shared/domain/trust-policy.js';

const MANAGEMENT = 'arn:aws:iam::000000000000:root';
const expected = buildTrustPolicy({ managementPrincipalArn: MANAGEMENT, externalId: 'id-0001', trustEc2: true });

describe('trust checks', () => {
  it('pass for the trust onboarding writes, whatever the key order or Sids', () => {
    // Prepare
    const actual = {
      Version: '2012-10-17' as const,
      Statement: [
        { Effect: 'Allow' as const, Action: 'sts:AssumeRole', Principal: { Service: 'ec2.amazonaws.com' } },
        { Condition: { StringEquals: { 'sts:ExternalId': 'id-0001' } }, Action: 'sts:AssumeRole', Principal: { AWS: MANAGEMENT }, Effect: 'Allow' as const },
      ],
    };

    // Act
    const checks = trustChecks(actual, expected);

    // Assess
    expect(checks.map((check) => [check.name, check.passed, check.reason])).toEqual([
      ['trust-policy', true, null],
      ['trust-requires-external-id', true, null],
    ]);
  });

  it('report EXTERNAL_ID_NOT_ENFORCED when an AWS principal is trusted without an sts:ExternalId condition', () => {
    // Prepare
    const actual = buildTrustPolicy({ managementPrincipalArn: MANAGEMENT, trustEc2: true });

    // Act
    const checks = trustChecks(actual, expected);

    // Assess
    expect(checks.map((check) => [check.name, check.passed, check.reason])).toEqual([
      ['trust-policy', false, 'TRUST_DRIFTED'],
      ['trust-requires-external-id', false, 'EXTERNAL_ID_NOT_ENFORCED'],
    ]);
  });

  it('report TRUST_DRIFTED, and only that, for another External ID value', () => {
    // Prepare
    const actual = buildTrustPolicy({ managementPrincipalArn: MANAGEMENT, externalId: 'id-0002', trustEc2: true });

    // Act
    const checks = trustChecks(actual, expected);

    // Assess
    expect(checks.filter((check) => !check.passed).map((check) => check.reason)).toEqual(['TRUST_DRIFTED']);
  });

  it('treat a "*" principal without a condition as not enforcing the External ID', () => {
    // Prepare
    const actual = { ...expected, Statement: [...expected.Statement, { Effect: 'Allow' as const, Principal: '*', Action: 'sts:AssumeRole' }] };

    // Act
    const checks = trustChecks(actual, expected);

    // Assess
    expect(checks[1]).toMatchObject({ passed: false, reason: 'EXTERNAL_ID_NOT_ENFORCED', detail: '1 trust statement(s) allow AWS principals without an sts:ExternalId condition' });
  });
});

describe('the outcome of a verification', () => {
  it('is READY without a reason when every check passed', () => {
    // Act
    const outcome = verificationOutcome([passed('role-exists', 'ok'), passed('management-grant', 'ok')]);

    // Assess
    expect(outcome).toEqual({ status: 'READY' });
  });

  it('is DEGRADED with the most serious reason first, and a message naming every failed check', () => {
    // Prepare
    const checks = [
      passed('role-exists', 'ok'),
      failed('trust-policy', 'TRUST_DRIFTED', 'differs'),
      failed('capa-policies-attached', 'POLICY_DETACHED', 'detached'),
      failed('assumable-with-external-id', 'NOT_ASSUMABLE', 'denied'),
    ];

    // Act
    const outcome = verificationOutcome(checks);

    // Assess
    expect(outcome).toEqual({
      status: 'DEGRADED',
      reason: 'NOT_ASSUMABLE',
      message: 'trust-policy: differs; capa-policies-attached: detached; assumable-with-external-id: denied',
    });
  });

  it.each([
    [['GRANT_MISSING', 'POLICY_DRIFTED'], 'POLICY_DRIFTED'],
    [['POLICY_DRIFTED', 'POLICY_DETACHED'], 'POLICY_DETACHED'],
    [['POLICY_DETACHED', 'TRUST_DRIFTED'], 'TRUST_DRIFTED'],
    [['TRUST_DRIFTED', 'EXTERNAL_ID_NOT_ENFORCED'], 'EXTERNAL_ID_NOT_ENFORCED'],
    [['EXTERNAL_ID_NOT_ENFORCED', 'NOT_ASSUMABLE'], 'NOT_ASSUMABLE'],
    [['NOT_ASSUMABLE', 'ROLE_MISSING'], 'ROLE_MISSING'],
  ] as const)('of %j is %s', (reasons, winner) => {
    // Prepare
    const checks = reasons.map((reason) => failed('role-exists', reason, reason));

    // Act
    const outcome = verificationOutcome(checks);

    // Assess
    expect(outcome.reason).toBe(winner);
  });
});

describe('what a verification announces', () => {
  it.each([
    ['READY', 'DEGRADED', 'Provider Degraded'],
    ['DEGRADED', 'READY', 'Provider Recovered'],
    ['READY', 'READY', undefined],
    ['DEGRADED', 'DEGRADED', undefined],
  ] as const)('from %s to %s: %s', (previous, next, event) => {
    // Act
    const announced = verificationEventOf(previous, next);

    // Assess
    expect(announced).toBe(event);
  });
});

describe('the verification execution name', () => {
  it('shares the provider’s prefix with its onboardings and names the UTC millisecond', () => {
    // Act
    const name = verificationExecutionNameOf('payments', 'dev', new Date('2026-11-29T13:45:01.123Z'));

    // Assess
    expect(name).toBe('payments_dev_verify-20261129T134501123Z');
  });

  it('stays within 80 characters for the longest identities', () => {
    // Act
    const name = verificationExecutionNameOf('w'.repeat(63), 'n'.repeat(63), new Date('2026-11-29T13:45:01.123Z'));

    // Assess
    expect(name).toHaveLength(80);
    expect(name.endsWith('_verify-20261129T134501123Z')).toBe(true);
  });
});
