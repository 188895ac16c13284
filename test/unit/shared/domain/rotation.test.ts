// The rotation's pure rules: the trust with both IDs, the execution name, and
// what a failed or ended rotation execution records.
import { describe, expect, it } from 'vitest';
import {
  describeRotationFailure,
  endedRotationOf,
  rotationExecutionNameOf,
  rotationInputOf,
} from '../../../../functions/shared/domain/rotation.js';
import { buildTrustPolicy } from '../../../../functions/shared/domain/trust-policy.js';
import { providerRecord } from '../../../support/provider-records.js';

describe('the trust policy during a rotation', () => {
  it('accepts both IDs in one StringEquals on sts:ExternalId, and leaves EC2 in its own statement', () => {
    // Act
    const trust = buildTrustPolicy({ managementPrincipalArn: 'arn:aws:iam::000000000000:root', externalId: 'new-id', previousExternalId: 'old-id', trustEc2: true });

    // Assess
    expect(trust.Statement).toEqual([
      {
        Sid: 'ManagementAccountAssumeRole',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::000000000000:root' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': ['new-id', 'old-id'] } },
      },
      { Sid: 'Ec2AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
  });
});

describe('the rotation execution', () => {
  it('is named after the provider and the rotation, and its input holds no External ID', () => {
    // Act
    const name = rotationExecutionNameOf('payments', 'dev', '0123456789abcdef');
    const input = rotationInputOf(providerRecord({ previousExternalId: 'older-id' }), '0123456789abcdef', 86_400);

    // Assess
    expect(name).toBe('payments_dev_rotation-0123456789abcdef');
    expect(input).toEqual({
      provider: { providerId: 'payments.dev', workspace: 'payments', name: 'dev', accountId: '123456789012', roleName: 'capa-payments-dev', rolePath: '/capa-providers/', trustEc2: true },
      rotationId: '0123456789abcdef',
      graceSeconds: 86_400,
    });
  });

  it('records a reason for each way it can fail', () => {
    // Act
    const reasons = [
      { Error: 'ExternalIdNotYetAccepted', Cause: '{"errorMessage":"not yet"}' },
      { Error: 'PreviousExternalIdStillAccepted', Cause: 'still' },
      { Error: 'BootstrapRoleDenied', Cause: 'denied' },
      { Error: 'EXECUTION_ABORTED', Cause: 'stopped' },
    ].map((error) => describeRotationFailure(error));

    // Assess
    expect(reasons).toEqual([
      { reason: 'PROPAGATION_TIMEOUT', message: 'not yet' },
      { reason: 'PREVIOUS_EXTERNAL_ID_NOT_REVOKED', message: 'still' },
      { reason: 'BOOTSTRAP_ROLE_DENIED', message: 'denied' },
      { reason: 'EXECUTION_ABORTED', message: 'stopped' },
    ]);
  });

  it("is read back from Step Functions' status-change event when it ended without closing its rotation", () => {
    // Prepare
    const input = JSON.stringify({ rotation: rotationInputOf(providerRecord(), '0123456789abcdef', 60) });
    const event = (status: string, error: string | null = null) => ({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: { executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Rotate:payments_dev_rotation-0123456789abcdef', name: 'payments_dev_rotation-0123456789abcdef', status, input, error, cause: null },
    });

    // Act
    const ended = ['ABORTED', 'TIMED_OUT', 'FAILED', 'SUCCEEDED'].map((status) => endedRotationOf(event(status, status === 'FAILED' ? 'States.Runtime' : null))?.error);

    // Assess
    expect(ended).toEqual([
      { Error: 'EXECUTION_ABORTED', Cause: "The rotation's execution ended ABORTED" },
      { Error: 'States.Timeout', Cause: "The rotation's execution ended TIMED_OUT" },
      { Error: 'States.Runtime', Cause: "The rotation's execution ended FAILED" },
      undefined,
    ]);
  });
});
