// The real verify-provider ASL with the real check-provider and record-verification handlers,
// against the local cloud's IAM (SimulatePrincipalPolicy included), STS, EventBridge and DynamoDB.
// Each drift is a real out-of-band change made through the account's bootstrap role with the SDK;
// repair is the next onboarding attempt (what POST /workspaces/{w}/providers does for DEGRADED).
import {
  CreatePolicyVersionCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { ProviderRequest } from '../../functions/shared/domain/provider-request.js';
import { MANAGEMENT_ACCOUNT } from '../support/workflow-cloud.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud();
const EXTERNAL_ID = 'reverify-external-id-000000000001';
const ROOT = `arn:aws:iam::${MANAGEMENT_ACCOUNT}:root`;

function request(accountId: string, name: string): ProviderRequest {
  return { workspace: 'drift', name, accountId, externalId: EXTERNAL_ID };
}

function trust(management: Record<string, unknown>, ...extra: Array<Record<string, unknown>>) {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ManagementAccountAssumeRole', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'sts:AssumeRole', ...management },
      { Sid: 'Ec2AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ...extra,
    ],
  });
}

/** A READY provider, and IAM in its account through the bootstrap role (the product's path only). */
async function readyProvider(name: string) {
  const accountId = await suite.cloud.createAccount();
  const onboarded = await suite.cloud.onboard(request(accountId, name));
  expect(onboarded.provider.status).toBe('READY');
  const iam = await suite.cloud.bootstrapSession(accountId);
  const roleName = `capa-drift-${name}`;
  const policyArn = `arn:aws:iam::${accountId}:policy/capa-providers/${roleName}-capa-1`;
  return { accountId, providerId: `drift.${name}`, roleName, policyArn, iam };
}

type Drift = (target: { iam: IAMClient; roleName: string; policyArn: string }) => Promise<unknown>;

const DRIFTS: Array<[string, Drift]> = [
  ['ROLE_MISSING', async ({ iam, roleName, policyArn }) => {
    await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
    await iam.send(new DeleteRoleCommand({ RoleName: roleName }));
  }],
  ['NOT_ASSUMABLE', ({ iam, roleName }) =>
    iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: trust({ Condition: { StringEquals: { 'sts:ExternalId': 'someone-elses-id-000' } } }) }))],
  ['EXTERNAL_ID_NOT_ENFORCED', ({ iam, roleName }) =>
    iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: trust({}) }))],
  ['TRUST_DRIFTED', ({ iam, roleName }) =>
    iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: roleName,
        PolicyDocument: trust(
          { Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } } },
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'partner-id-00' } } },
        ),
      }),
    )],
  ['POLICY_DETACHED', ({ iam, roleName, policyArn }) => iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }))],
  ['POLICY_DRIFTED', ({ iam, policyArn }) =>
    iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: policyArn,
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' }] }),
        SetAsDefault: true,
      }),
    )],
  ['GRANT_MISSING', async () =>
    suite.cloud.putManagementGrant({
      Version: '2012-10-17',
      Statement: [{ Sid: 'AssumeOnboardedCapaRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/elsewhere/*' }],
    })],
];

describe('re-verification workflow', () => {
  it('finds an untouched READY provider passing every check, stores them and announces nothing', async () => {
    // Prepare
    const { providerId } = await readyProvider('untouched');

    // Act
    const { run, provider } = await suite.cloud.verify(providerId);

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.statesEntered).toEqual(['Check Provider', 'Still Verifiable?', 'Record Verification', 'Verified']);
    expect(run.invocations).toEqual({ 'Check Provider': 1, 'Record Verification': 1 });
    expect(provider.status).toBe('READY');
    expect(provider.reason).toBeUndefined();
    expect(provider.lastVerifiedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(provider.checks?.map((check) => [check.name, check.passed, check.reason])).toEqual([
      ['role-exists', true, null],
      ['trust-policy', true, null],
      ['trust-requires-external-id', true, null],
      ['capa-policies-attached', true, null],
      ['capa-policies-current', true, null],
      ['management-grant', true, null],
      ['management-role-may-assume', true, null],
      ['assumable-with-external-id', true, null],
      ['denied-without-external-id', true, null],
    ]);
    expect(suite.cloud.events(providerId).map((event) => event['detail-type'])).toEqual(['Provider Ready']);
  });

  it.each(DRIFTS)('an out-of-band change makes the provider DEGRADED %s, announced; the next POST repairs it with the same role', async (reason, drift) => {
    // Prepare
    const target = await readyProvider(reason.toLowerCase().replace(/_/g, '-'));
    await drift(target);

    // Act
    const degraded = await suite.cloud.verify(target.providerId);
    const repaired = await suite.cloud.onboard(request(target.accountId, reason.toLowerCase().replace(/_/g, '-')));
    const after = await suite.cloud.verify(target.providerId);

    // Assess
    expect(degraded.provider).toMatchObject({ status: 'DEGRADED', reason, attempt: 1 });
    expect(degraded.provider.checks?.filter((check) => !check.passed).map((check) => check.reason)).toContain(reason);
    const events = suite.cloud.events(target.providerId);
    expect(events.map((event) => event['detail-type'])).toEqual(['Provider Ready', 'Provider Degraded', 'Provider Ready']);
    expect(events[1]?.detail).toMatchObject({ status: 'DEGRADED', reason, providerId: target.providerId });
    expect(JSON.stringify(events)).not.toContain(EXTERNAL_ID);
    expect(repaired.run.status).toBe('SUCCEEDED');
    expect(repaired.provider).toMatchObject({ status: 'READY', attempt: 2 });
    expect(suite.cloud.roles(target.accountId).filter((role) => role.path === '/capa-providers/').map((role) => role.roleName)).toEqual([target.roleName]);
    expect(suite.cloud.role(target.accountId, target.roleName)?.attachedPolicyArns).toEqual([target.policyArn]);
    expect(after.provider.status).toBe('READY');
    expect(after.provider.checks?.every((check) => check.passed)).toBe(true);
    expect(suite.output.text()).not.toContain(EXTERNAL_ID);
  });

  it('a later passing check makes a DEGRADED provider READY again and announces Provider Recovered', async () => {
    // Prepare
    const target = await readyProvider('recovers');
    await target.iam.send(new DetachRolePolicyCommand({ RoleName: target.roleName, PolicyArn: target.policyArn }));
    await suite.cloud.verify(target.providerId);
    suite.cloud.attachRolePolicy(target.accountId, target.roleName, target.policyArn);

    // Act
    const { provider } = await suite.cloud.verify(target.providerId);

    // Assess
    expect(provider.status).toBe('READY');
    expect(provider.reason).toBeUndefined();
    expect(provider.message).toBeUndefined();
    const events = suite.cloud.events(target.providerId);
    expect(events.map((event) => event['detail-type'])).toEqual(['Provider Ready', 'Provider Degraded', 'Provider Recovered']);
    expect(events[2]?.detail).toMatchObject({ status: 'READY', reason: null });
  });

  it('records nothing over a provider that a newer attempt took over while it was being checked', async () => {
    // Prepare
    const target = await readyProvider('moved-on');
    await target.iam.send(new DetachRolePolicyCommand({ RoleName: target.roleName, PolicyArn: target.policyArn }));
    const takeOver = async (stateName: string) => {
      if (stateName === 'Record Verification') await suite.cloud.moveProviderToAttempt(target.providerId, 2);
    };

    // Act
    const { run, provider } = await suite.cloud.verify(target.providerId, { beforeTask: takeOver });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.results['Record Verification']).toEqual([{ recorded: false, status: 'DEGRADED', reason: 'POLICY_DETACHED', event: null }]);
    expect(provider).toMatchObject({ status: 'PENDING', attempt: 2 });
    expect(provider.checks).toBeUndefined();
    expect(suite.cloud.events(target.providerId).map((event) => event['detail-type'])).toEqual(['Provider Ready']);
  });

  it('a DEGRADED provider can be offboarded: its role and policy are removed and it is DELETED', async () => {
    // Prepare
    const target = await readyProvider('offboarded');
    await target.iam.send(new DetachRolePolicyCommand({ RoleName: target.roleName, PolicyArn: target.policyArn }));
    expect((await suite.cloud.verify(target.providerId)).provider.status).toBe('DEGRADED');

    // Act
    const { run, provider } = await suite.cloud.offboard('drift', 'offboarded');

    // Assess
    expect(run?.status).toBe('SUCCEEDED');
    expect(provider?.status).toBe('DELETED');
    expect(suite.cloud.providerResources(target.accountId)).toEqual([]);
  });

  it('retries the check step as a whole when IAM throttles beyond the SDK retries, then records the result', async () => {
    // Prepare
    const target = await readyProvider('throttled');
    suite.cloud.injectFault({ service: 'iam', action: 'SimulatePrincipalPolicy', kind: 'throttle', operations: 1 });

    // Act
    const { run, provider } = await suite.cloud.verify(target.providerId);

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.invocations).toEqual({ 'Check Provider': 2, 'Record Verification': 1 });
    expect(provider.status).toBe('READY');
    expect(provider.checks?.every((check) => check.passed)).toBe(true);
  });

  it('checks nothing when the provider is no longer READY or DEGRADED when the execution runs', async () => {
    // Prepare
    const target = await readyProvider('not-verifiable');
    const takeOver = async (stateName: string) => {
      if (stateName === 'Check Provider') await suite.cloud.moveProviderToAttempt(target.providerId, 2);
    };

    // Act
    const { run } = await suite.cloud.verify(target.providerId, { beforeTask: takeOver });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.statesEntered).toEqual(['Check Provider', 'Still Verifiable?', 'Provider Moved On']);
    expect(suite.cloud.operations('iam', 'SimulatePrincipalPolicy')).toBe(0);
  });
});
