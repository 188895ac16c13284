// Policy rollout step "Upgrade Provider Policy": one provider moved to the shipped CAPA policy,
// through mocked IAM, STS and EventBridge and a real (dynalite) registry.
import { PutEventsCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
  TagPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderRegistry } from '../../../functions/shared/adapters/registry.js';
import capaMinimalPolicy from '../../../functions/shared/domain/policies/capa-minimal-policy.json' with { type: 'json' };
import type { PolicyUpgradeInput, PolicyUpgradeResult } from '../../../functions/shared/domain/policy-upgrade.js';
import { startRegistryTable, type TestTable } from '../../support/dynamodb.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import { providerRecord, registryOn } from '../../support/provider-records.js';
import { BOOTSTRAP_SESSION, POLICY_ARN, ROLE_ARN, registryEnvironment, sdkError, workflowContext } from '../../support/workflow-task-events.js';

/** The version of the CAPA minimal policy this product ships (a hash of its document). */
const SHIPPED = 'sha256:94279e60de6f460d';
const OLDER = 'sha256:0123456789abcdef';
const OLDER_DOCUMENT = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:DescribeVpcs', Resource: '*' }] };
const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const eventBridge = mockClient(EventBridgeClient);
const context = workflowContext('upgrade-provider-policy');
let handler: (event: PolicyUpgradeInput, context: Context) => Promise<PolicyUpgradeResult>;
let output: CapturedOutput;
let table: TestTable;
let registry: ProviderRegistry;
let providers = 0;

beforeAll(async () => {
  table = await startRegistryTable();
  registry = registryOn(table);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    PARTITION: 'aws',
    BOOTSTRAP_ROLE_NAME: 'OrganizationAccountAccessRole',
    EVENT_BUS_NAME: 'capa-provider-onboarding',
    EVENT_SOURCE: 'capa-provider-onboarding',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...registryEnvironment(table),
  });
  ({ handler } = await import('../../../functions/upgrade-provider-policy/handler.js'));
});

afterAll(async () => {
  await table.close();
});

beforeEach(() => {
  sts.reset();
  iam.reset();
  eventBridge.reset();
  sts.on(AssumeRoleCommand).resolves(BOOTSTRAP_SESSION);
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
  output = captureOutput();
});

afterEach(() => {
  output.restore();
});

const encoded = (document: object) => encodeURIComponent(JSON.stringify(document));

/** A stored provider of its own name on `policyVersion`, so tests do not share records. */
async function storedProvider(overrides: Parameters<typeof providerRecord>[0] = {}) {
  providers += 1;
  const name = `dev${providers}`;
  const record = providerRecord({
    providerId: `payments.${name}`,
    name,
    policyVersion: OLDER,
    policyArns: [POLICY_ARN],
    ...overrides,
  });
  await registry.create(record);
  return record;
}

/** The provider's role and its one CAPA part, ours, at the older version (then, once written, the shipped document). */
function onePartRoleAtOlderVersion(providerId: string) {
  iam.on(GetRoleCommand).resolves({ Role: { RoleName: 'capa-payments-dev', Path: '/capa-providers/', Arn: ROLE_ARN, RoleId: 'AROA1', CreateDate: new Date(0) } });
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyName: 'capa-payments-dev-capa-1', PolicyArn: POLICY_ARN }] });
  iam.on(GetPolicyCommand).resolves({
    Policy: {
      Arn: POLICY_ARN,
      DefaultVersionId: 'v1',
      Tags: [
        { Key: 'capa-onboarding:provider-id', Value: providerId },
        { Key: 'capa-onboarding:policy-version', Value: OLDER },
      ],
    },
  });
  iam.on(GetPolicyVersionCommand).resolvesOnce({ PolicyVersion: { Document: encoded(OLDER_DOCUMENT) } }).resolves({ PolicyVersion: { Document: encoded(capaMinimalPolicy) } });
  iam.on(ListPolicyVersionsCommand).resolves({ Versions: [{ VersionId: 'v1', IsDefaultVersion: true }] });
  iam.on(CreatePolicyVersionCommand).resolves({});
  iam.on(TagPolicyCommand).resolves({});
}

const input = (providerId: string, rolloutId = 'rollout-1', policyVersion = SHIPPED): PolicyUpgradeInput => ({
  rollout: { id: rolloutId, policyVersion },
  provider: { providerId },
});

describe('upgrading one provider’s CAPA policy', () => {
  it('gives the provider’s part a new default version and version tag, proves the role, records the version and announces it', async () => {
    // Prepare
    const provider = await storedProvider();
    onePartRoleAtOlderVersion(provider.providerId);

    // Act
    const result = await handler(input(provider.providerId), context);

    // Assess
    expect(result).toEqual({ providerId: provider.providerId, outcome: 'UPGRADED', fromPolicyVersion: OLDER, policyVersion: SHIPPED });
    expect(iam).toHaveReceivedCommandTimes(CreatePolicyVersionCommand, 1);
    const created = iam.commandCalls(CreatePolicyVersionCommand)[0]!.args[0].input;
    expect({ ...created, PolicyDocument: JSON.parse(created.PolicyDocument!) }).toEqual({ PolicyArn: POLICY_ARN, PolicyDocument: capaMinimalPolicy, SetAsDefault: true });
    expect(iam).toHaveReceivedCommandWith(TagPolicyCommand, { PolicyArn: POLICY_ARN, Tags: [{ Key: 'capa-onboarding:policy-version', Value: SHIPPED }] });
    expect(iam).toHaveReceivedCommandTimes(DeletePolicyVersionCommand, 0);
    expect(iam).toHaveReceivedCommandTimes(CreatePolicyCommand, 0);
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: ROLE_ARN, ExternalId: 'stored-external-id-7f3a9c1e5b2d4860' });
    expect(await registry.get(provider.providerId)).toMatchObject({
      status: 'READY',
      policyVersion: SHIPPED,
      policyArns: [POLICY_ARN],
      lastPolicyUpgrade: { rolloutId: 'rollout-1', fromPolicyVersion: OLDER, policyVersion: SHIPPED },
    });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect({ ...entry, Detail: JSON.parse(entry.Detail!) }).toEqual({
      EventBusName: 'capa-provider-onboarding',
      Source: 'capa-provider-onboarding',
      DetailType: 'Provider Policy Upgraded',
      Resources: [ROLE_ARN],
      Detail: {
        providerId: provider.providerId,
        workspace: 'payments',
        name: provider.name,
        accountId: '123456789012',
        roleArn: ROLE_ARN,
        fromPolicyVersion: OLDER,
        policyVersion: SHIPPED,
        policyArns: [POLICY_ARN],
        rolloutId: 'rollout-1',
      },
    });
    expect(output.text()).not.toContain('stored-external-id-7f3a9c1e5b2d4860');
  });

  it('makes room by deleting the oldest non-default version when the part already has five', async () => {
    // Prepare
    const provider = await storedProvider();
    onePartRoleAtOlderVersion(provider.providerId);
    const sameSecond = new Date('2026-11-29T10:00:00Z');
    iam.on(ListPolicyVersionsCommand).resolves({
      Versions: ['v7', 'v6', 'v5', 'v4', 'v3'].map((VersionId) => ({ VersionId, IsDefaultVersion: VersionId === 'v7', CreateDate: sameSecond })),
    });
    iam.on(DeletePolicyVersionCommand).resolves({});

    // Act
    await handler(input(provider.providerId), context);

    // Assess
    expect(iam).toHaveReceivedCommandTimes(DeletePolicyVersionCommand, 1);
    expect(iam).toHaveReceivedCommandWith(DeletePolicyVersionCommand, { PolicyArn: POLICY_ARN, VersionId: 'v3' });
    expect(iam).toHaveReceivedCommandTimes(CreatePolicyVersionCommand, 1);
  });

  it('answers CURRENT for a provider on the shipped version without a call to STS, IAM or EventBridge', async () => {
    // Prepare
    const provider = await storedProvider({ policyVersion: SHIPPED });

    // Act
    const result = await handler(input(provider.providerId), context);

    // Assess
    expect(result).toEqual({ providerId: provider.providerId, outcome: 'CURRENT', fromPolicyVersion: SHIPPED, policyVersion: SHIPPED });
    expect(sts.calls()).toHaveLength(0);
    expect(iam.calls()).toHaveLength(0);
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('announces again, without IAM calls, when retried after this rollout recorded the upgrade but its event failed', async () => {
    // Prepare
    const provider = await storedProvider({
      policyVersion: SHIPPED,
      lastPolicyUpgrade: { rolloutId: 'rollout-7', fromPolicyVersion: OLDER, policyVersion: SHIPPED, upgradedAt: '2026-11-29T10:00:00.000Z' },
    });

    // Act
    const result = await handler(input(provider.providerId, 'rollout-7'), context);

    // Assess
    expect(result).toEqual({ providerId: provider.providerId, outcome: 'UPGRADED', fromPolicyVersion: OLDER, policyVersion: SHIPPED });
    expect(iam.calls()).toHaveLength(0);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('answers MOVED_ON for a provider being offboarded, and for one that is gone, without a call to STS or IAM', async () => {
    // Prepare
    const deleting = await storedProvider({ status: 'DELETING', attempt: 2 });

    // Act
    const results = [await handler(input(deleting.providerId), context), await handler(input('payments.never-onboarded'), context)];

    // Assess
    expect(results).toEqual([
      { providerId: deleting.providerId, outcome: 'MOVED_ON', fromPolicyVersion: OLDER, policyVersion: SHIPPED },
      { providerId: 'payments.never-onboarded', outcome: 'MOVED_ON', policyVersion: SHIPPED },
    ]);
    expect(sts.calls()).toHaveLength(0);
    expect(iam.calls()).toHaveLength(0);
  });

  it('answers MOVED_ON, recording nothing, when an offboarding starts while the upgrade runs', async () => {
    // Prepare
    const provider = await storedProvider();
    onePartRoleAtOlderVersion(provider.providerId);
    iam.on(TagPolicyCommand).callsFake(async () => {
      await registry.beginOffboarding(provider.providerId, 1, { attempt: 2, executionName: 'x_2', executionArn: 'arn:x', updatedAt: '2026-11-29T10:00:00.000Z', offboarding: { force: false } }, ['READY']);
      return {};
    });

    // Act
    const result = await handler(input(provider.providerId), context);

    // Assess
    expect(result).toEqual({ providerId: provider.providerId, outcome: 'MOVED_ON', fromPolicyVersion: OLDER, policyVersion: SHIPPED });
    expect(await registry.get(provider.providerId)).toMatchObject({ status: 'DELETING', attempt: 2, policyVersion: OLDER });
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('fails ROLLOUT_SUPERSEDED, touching nothing, when the rollout carries another version than the deployment ships', async () => {
    // Prepare
    const provider = await storedProvider();

    // Act
    const failure = await handler(input(provider.providerId, 'rollout-old', OLDER), context).catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({
      name: 'PolicyUpgradeFailed',
      message: `ROLLOUT_SUPERSEDED: rollout rollout-old moves providers to ${OLDER}, but this deployment ships ${SHIPPED}; nothing was changed`,
    });
    expect(iam.calls()).toHaveLength(0);
  });

  it('fails BOOTSTRAP_ROLE_DENIED when the account’s bootstrap role refuses the service', async () => {
    // Prepare
    const provider = await storedProvider();
    sts.on(AssumeRoleCommand).rejects(sdkError('AccessDenied', 403, 'not authorized to perform sts:AssumeRole'));

    // Act
    const failure = await handler(input(provider.providerId), context).catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({ name: 'PolicyUpgradeFailed', reason: 'BOOTSTRAP_ROLE_DENIED' });
    expect((failure as Error).message).toMatch(/^BOOTSTRAP_ROLE_DENIED: Cannot assume arn:aws:iam::123456789012:role\/OrganizationAccountAccessRole/);
  });

  it('fails VERIFICATION_FAILED, recording nothing, when the role no longer accepts its External ID after the upgrade', async () => {
    // Prepare
    const provider = await storedProvider();
    onePartRoleAtOlderVersion(provider.providerId);
    sts.on(AssumeRoleCommand, { RoleArn: ROLE_ARN }).rejects(sdkError('AccessDenied', 403, 'not authorized'));

    // Act
    const failure = await handler(input(provider.providerId), context).catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({
      name: 'PolicyUpgradeFailed',
      message: `VERIFICATION_FAILED: after moving ${provider.providerId} to ${SHIPPED}: assumable-with-external-id: AssumeRole on ${ROLE_ARN} with the External ID was denied`,
    });
    expect((await registry.get(provider.providerId))?.policyVersion).toBe(OLDER);
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('reaches the account through the bootstrap role the provider records, when it records one', async () => {
    // Prepare
    const provider = await storedProvider({ bootstrapRoleName: 'AWSControlTowerExecution' } as Parameters<typeof providerRecord>[0]);
    onePartRoleAtOlderVersion(provider.providerId);

    // Act
    await handler(input(provider.providerId), context);

    // Assess
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: 'arn:aws:iam::123456789012:role/AWSControlTowerExecution', RoleSessionName: 'capa-policy-upgrade-1' });
    expect(sts).not.toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: 'arn:aws:iam::123456789012:role/OrganizationAccountAccessRole' });
  });

  it('fails ROLE_MISSING when the provider’s role is gone', async () => {
    // Prepare
    const provider = await storedProvider();
    iam.on(GetRoleCommand).rejects(sdkError('NoSuchEntity', 404, 'The role with name capa-payments-dev cannot be found.'));

    // Act
    const failure = await handler(input(provider.providerId), context).catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({
      name: 'PolicyUpgradeFailed',
      message: 'ROLE_MISSING: role capa-payments-dev does not exist at /capa-providers/ in account 123456789012',
    });
    expect(iam).toHaveReceivedCommandTimes(CreatePolicyVersionCommand, 0);
  });

  it('turns a throttled IAM write that outlived the SDK’s retries into TransientAwsError, for the state machine to retry', async () => {
    // Prepare
    const provider = await storedProvider();
    onePartRoleAtOlderVersion(provider.providerId);
    iam.on(CreatePolicyVersionCommand).rejects(sdkError('Throttling', 400, 'Rate exceeded'));

    // Act
    const failure = await handler(input(provider.providerId), context).catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({ name: 'TransientAwsError', message: `CreatePolicyVersion ${POLICY_ARN}: Rate exceeded` });
  });

  it('re-attaches its own part the role lost, and fails VERIFICATION_FAILED naming it while IAM still lists it detached', async () => {
    // Prepare: the part exists (ours), but the role lost its attachment, and IAM keeps answering so
    const provider = await storedProvider();
    onePartRoleAtOlderVersion(provider.providerId);
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    iam.on(AttachRolePolicyCommand).resolves({});

    // Act
    const failure = await handler(input(provider.providerId), context).catch((error: unknown) => error);

    // Assess
    expect(iam).toHaveReceivedCommandWith(AttachRolePolicyCommand, { RoleName: 'capa-payments-dev', PolicyArn: POLICY_ARN });
    expect(failure).toMatchObject({ name: 'PolicyUpgradeFailed', reason: 'VERIFICATION_FAILED' });
    expect((failure as Error).message).toContain(`capa-policies-attached: not attached or missing: ${POLICY_ARN}`);
  });
});
