// A provider onboarded by the real workflow, then moved to another CAPA policy by the policy
// upgrade (adapters/policy-upgrade.ts) running as the upgrade-provider-policy function does: its
// own role with the statements lib/constructs/policy-upgrade-function.ts grants, the local cloud's
// IAM, STS, DynamoDB and EventBridge behind their wire protocols.
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { upgradeProviderPolicy, type PolicyUpgradeDependencies } from '../../functions/shared/adapters/policy-upgrade.js';
import { PolicyUpgradeRegistry } from '../../functions/shared/adapters/policy-upgrade-registry.js';
import { capaPolicyOf, SHIPPED_CAPA_POLICY, type CapaPolicy } from '../../functions/shared/domain/capa-policy.js';
import type { PolicyDocument } from '../../functions/shared/domain/policy-documents.js';
import { MANAGEMENT_ACCOUNT } from '../support/workflow-cloud.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud();

const fixture = (file: string): CapaPolicy =>
  capaPolicyOf(JSON.parse(readFileSync(new URL(`../fixtures/policies/${file}`, import.meta.url), 'utf8')) as PolicyDocument);
const ACCESS_ENTRIES = fixture('capa-access-entries.json');
const OVER_SIZE_LIMIT = fixture('capa-over-size-limit.json');

const TABLE_ARN = `arn:aws:dynamodb:us-east-1:${MANAGEMENT_ACCOUNT}:table/providers`;
const BUS_ARN = `arn:aws:events:us-east-1:${MANAGEMENT_ACCOUNT}:event-bus/capa-provider-onboarding`;
let functionRoles = 0;

/** The upgrade's dependencies as the function builds them, for a deployment shipping `policy`. */
function upgrader(policy: CapaPolicy): PolicyUpgradeDependencies {
  functionRoles += 1;
  const config = suite.cloud.functionClientConfig(`capa-onboarding-upgrade-provider-policy-${functionRoles}`, {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: TABLE_ARN },
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ['arn:aws:iam::*:role/OrganizationAccountAccessRole', 'arn:aws:iam::*:role/capa-providers/*'] },
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS_ARN },
    ],
  });
  // The target account's IAM client takes its endpoint and region from the environment, as in Lambda.
  vi.stubEnv('AWS_ENDPOINT_URL', config.endpoint);
  vi.stubEnv('AWS_REGION', config.region);
  return {
    registry: new PolicyUpgradeRegistry(DynamoDBDocumentClient.from(new DynamoDBClient(config)), 'providers'),
    sts: new STSClient(config),
    eventBridge: new EventBridgeClient(config),
    bus: { busName: 'capa-provider-onboarding', source: 'capa-provider-onboarding' },
    partition: 'aws',
    bootstrapRoleName: 'OrganizationAccountAccessRole',
    policy,
  };
}

const rollout = (id: string, policy: CapaPolicy) => ({ id, policyVersion: policy.version });

async function onboarded(name: string) {
  const accountId = await suite.cloud.createAccount();
  const { provider } = await suite.cloud.onboard({ workspace: 'fleet', name, accountId });
  expect(provider.status).toBe('READY');
  return { accountId, provider, roleName: `capa-fleet-${name}`, policyArn: (part: number) => `arn:aws:iam::${accountId}:policy/capa-providers/capa-fleet-${name}-capa-${part}` };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('policy upgrade of an onboarded provider', () => {
  it('moves the role to a policy with the EKS access-entry actions as a new default version of its one part, records and announces it', async () => {
    // Prepare
    const { accountId, provider, roleName, policyArn } = await onboarded('access-entries');

    // Act
    const result = await upgradeProviderPolicy(upgrader(ACCESS_ENTRIES), { rollout: rollout('r-0001', ACCESS_ENTRIES), provider: { providerId: provider.providerId } });

    // Assess
    expect(result).toEqual({ providerId: 'fleet.access-entries', outcome: 'UPGRADED', fromPolicyVersion: SHIPPED_CAPA_POLICY.version, policyVersion: ACCESS_ENTRIES.version });
    const [policy, ...others] = suite.cloud.policies(accountId);
    expect(others).toHaveLength(0);
    expect(policy?.arn).toBe(policyArn(1));
    expect(policy?.versions.map((version) => [version.versionId, version.isDefaultVersion])).toEqual([['v1', false], ['v2', true]]);
    expect(policy?.document).toEqual(ACCESS_ENTRIES.document);
    expect(policy?.tags).toContainEqual({ Key: 'capa-onboarding:policy-version', Value: ACCESS_ENTRIES.version });
    expect(suite.cloud.role(accountId, roleName)?.attachedPolicyArns).toEqual([policyArn(1)]);
    const stored = await suite.cloud.registry.get(provider.providerId);
    expect(stored).toMatchObject({ status: 'READY', policyVersion: ACCESS_ENTRIES.version, policyArns: [policyArn(1)], lastPolicyUpgrade: { rolloutId: 'r-0001', fromPolicyVersion: SHIPPED_CAPA_POLICY.version, policyVersion: ACCESS_ENTRIES.version } });
    const upgraded = suite.cloud.events(provider.providerId).filter((event) => event['detail-type'] === 'Provider Policy Upgraded');
    expect(upgraded.map((event) => event.detail)).toEqual([
      {
        providerId: 'fleet.access-entries',
        workspace: 'fleet',
        name: 'access-entries',
        accountId,
        roleArn: provider.roleArn,
        fromPolicyVersion: SHIPPED_CAPA_POLICY.version,
        policyVersion: ACCESS_ENTRIES.version,
        policyArns: [policyArn(1)],
        rolloutId: 'r-0001',
      },
    ]);
    expect(JSON.stringify(upgraded)).not.toContain(provider.externalId);
  });

  it('splits a policy grown past 6,144 characters into one more part: created with the provider tag and attached', async () => {
    // Prepare
    const { accountId, provider, roleName, policyArn } = await onboarded('grown');

    // Act
    const result = await upgradeProviderPolicy(upgrader(OVER_SIZE_LIMIT), { rollout: rollout('r-0002', OVER_SIZE_LIMIT), provider: { providerId: provider.providerId } });

    // Assess
    expect(OVER_SIZE_LIMIT.parts).toHaveLength(2);
    expect(result.outcome).toBe('UPGRADED');
    const policies = suite.cloud.policies(accountId);
    expect(policies.map((policy) => [policy.arn, policy.versions.length])).toEqual([[policyArn(1), 2], [policyArn(2), 1]]);
    expect(policies.map((policy) => policy.document)).toEqual(OVER_SIZE_LIMIT.parts);
    expect(policies[1]?.tags).toEqual([
      { Key: 'capa-onboarding:provider-id', Value: 'fleet.grown' },
      { Key: 'capa-onboarding:created-by-execution', Value: 'rollout-r-0002' },
      { Key: 'capa-onboarding:policy-version', Value: OVER_SIZE_LIMIT.version },
    ]);
    expect(suite.cloud.role(accountId, roleName)?.attachedPolicyArns).toEqual([policyArn(2), policyArn(1)].sort());
    expect(await suite.cloud.registry.get(provider.providerId)).toMatchObject({ policyVersion: OVER_SIZE_LIMIT.version, policyArns: [policyArn(1), policyArn(2)] });
  });

  it('removes the part a smaller policy no longer needs: detached and deleted with its versions', async () => {
    // Prepare
    const { accountId, provider, roleName, policyArn } = await onboarded('shrunk');
    await upgradeProviderPolicy(upgrader(OVER_SIZE_LIMIT), { rollout: rollout('r-0003', OVER_SIZE_LIMIT), provider: { providerId: provider.providerId } });

    // Act
    const result = await upgradeProviderPolicy(upgrader(SHIPPED_CAPA_POLICY), { rollout: rollout('r-0004', SHIPPED_CAPA_POLICY), provider: { providerId: provider.providerId } });

    // Assess
    expect(result).toEqual({ providerId: 'fleet.shrunk', outcome: 'UPGRADED', fromPolicyVersion: OVER_SIZE_LIMIT.version, policyVersion: SHIPPED_CAPA_POLICY.version });
    expect(suite.cloud.policies(accountId).map((policy) => [policy.arn, policy.document])).toEqual([[policyArn(1), SHIPPED_CAPA_POLICY.document]]);
    expect(suite.cloud.role(accountId, roleName)?.attachedPolicyArns).toEqual([policyArn(1)]);
    expect(await suite.cloud.registry.get(provider.providerId)).toMatchObject({ policyVersion: SHIPPED_CAPA_POLICY.version, policyArns: [policyArn(1)] });
  });

  it('never leaves more than five versions: six upgrades in a row delete the oldest non-default version first', async () => {
    // Prepare
    const { accountId, provider } = await onboarded('many-versions');
    const sequence = [ACCESS_ENTRIES, SHIPPED_CAPA_POLICY, ACCESS_ENTRIES, SHIPPED_CAPA_POLICY, ACCESS_ENTRIES, SHIPPED_CAPA_POLICY];

    // Act
    const outcomes: string[] = [];
    for (const [index, policy] of sequence.entries()) {
      const result = await upgradeProviderPolicy(upgrader(policy), { rollout: rollout(`r-1${index}`, policy), provider: { providerId: provider.providerId } });
      outcomes.push(result.outcome);
    }

    // Assess
    expect(outcomes).toEqual(['UPGRADED', 'UPGRADED', 'UPGRADED', 'UPGRADED', 'UPGRADED', 'UPGRADED']);
    const [policy] = suite.cloud.policies(accountId);
    expect(policy?.versions.map((version) => version.versionId)).toEqual(['v3', 'v4', 'v5', 'v6', 'v7']);
    expect(policy?.defaultVersionId).toBe('v7');
    expect(policy?.document).toEqual(SHIPPED_CAPA_POLICY.document);
  });

  it('answers CURRENT for a provider already on the version, without assuming into its account or writing IAM', async () => {
    // Prepare
    const { provider } = await onboarded('current');
    const dependencies = upgrader(SHIPPED_CAPA_POLICY);
    await suite.cloud.reset();

    // Act
    const result = await upgradeProviderPolicy(dependencies, { rollout: rollout('r-0005', SHIPPED_CAPA_POLICY), provider: { providerId: provider.providerId } });

    // Assess
    expect(result).toEqual({ providerId: 'fleet.current', outcome: 'CURRENT', fromPolicyVersion: SHIPPED_CAPA_POLICY.version, policyVersion: SHIPPED_CAPA_POLICY.version });
    expect(suite.cloud.operations('sts', 'AssumeRole')).toBe(0);
    expect(suite.cloud.operations('iam', 'CreatePolicyVersion')).toBe(0);
    expect(suite.cloud.operations('dynamodb', 'UpdateItem')).toBe(0);
  });

  it('answers MOVED_ON for a provider a newer onboarding took over, and changes nothing', async () => {
    // Prepare
    const { accountId, provider } = await onboarded('moved-on');
    await suite.cloud.moveProviderToAttempt(provider.providerId, provider.attempt + 1);

    // Act
    const result = await upgradeProviderPolicy(upgrader(ACCESS_ENTRIES), { rollout: rollout('r-0006', ACCESS_ENTRIES), provider: { providerId: provider.providerId } });

    // Assess
    expect(result).toEqual({ providerId: 'fleet.moved-on', outcome: 'MOVED_ON', fromPolicyVersion: SHIPPED_CAPA_POLICY.version, policyVersion: ACCESS_ENTRIES.version });
    expect(suite.cloud.policies(accountId).map((policy) => policy.versions.length)).toEqual([1]);
  });

  it('converges when retried after a throttled call left the upgrade half done', async () => {
    // Prepare
    const { accountId, provider, policyArn } = await onboarded('retried');
    const dependencies = upgrader(OVER_SIZE_LIMIT);
    suite.cloud.injectFault({ service: 'iam', action: 'CreatePolicyVersion', kind: 'throttle', operations: 1 });
    const input = { rollout: rollout('r-0007', OVER_SIZE_LIMIT), provider: { providerId: provider.providerId } };
    const first = await upgradeProviderPolicy(dependencies, input).catch((error: unknown) => error);

    // Act
    const retried = await upgradeProviderPolicy(dependencies, input);

    // Assess
    expect(first).toMatchObject({ name: 'TransientAwsError' });
    expect(retried.outcome).toBe('UPGRADED');
    expect(suite.cloud.policies(accountId).map((policy) => [policy.arn, policy.versions.length, policy.document])).toEqual([
      [policyArn(1), 2, OVER_SIZE_LIMIT.parts[0]],
      [policyArn(2), 1, OVER_SIZE_LIMIT.parts[1]],
    ]);
  });

  it('fails POLICY_CONFLICT, changing nothing, when a policy with a part name is not the provider’s', async () => {
    // Prepare
    const { accountId, provider, policyArn } = await onboarded('foreign-part');
    suite.cloud.createPolicy(accountId, {
      policyName: 'capa-fleet-foreign-part-capa-2',
      path: '/capa-providers/',
      document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
    });

    // Act
    const failure = await upgradeProviderPolicy(upgrader(OVER_SIZE_LIMIT), { rollout: rollout('r-0008', OVER_SIZE_LIMIT), provider: { providerId: provider.providerId } }).catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({
      name: 'PolicyUpgradeFailed',
      reason: 'POLICY_CONFLICT',
      message: `POLICY_CONFLICT: policy ${policyArn(2)} exists but is not tagged capa-onboarding:provider-id=fleet.foreign-part; it was left unchanged`,
    });
    expect(suite.cloud.policies(accountId).map((policy) => [policy.arn, policy.versions.length])).toEqual([[policyArn(1), 1], [policyArn(2), 1]]);
    expect((await suite.cloud.registry.get(provider.providerId))?.policyVersion).toBe(SHIPPED_CAPA_POLICY.version);
  });

  it('fails POLICY_LIMIT_EXCEEDED before any write when the new part would be the role’s eleventh managed policy', async () => {
    // Prepare
    const { accountId, provider, roleName } = await onboarded('full-role');
    for (let index = 1; index <= 9; index += 1) {
      const arn = suite.cloud.createPolicy(accountId, {
        policyName: `team-extra-${index}`,
        path: '/team/',
        document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
      });
      suite.cloud.attachRolePolicy(accountId, roleName, arn);
    }

    // Act
    const failure = await upgradeProviderPolicy(upgrader(OVER_SIZE_LIMIT), { rollout: rollout('r-0009', OVER_SIZE_LIMIT), provider: { providerId: provider.providerId } }).catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({
      name: 'PolicyUpgradeFailed',
      reason: 'POLICY_LIMIT_EXCEEDED',
      message:
        'POLICY_LIMIT_EXCEEDED: role capa-fleet-full-role would hold 11 managed policies (2 CAPA part(s) and 9 other(s)); ' +
        'IAM allows 10 per role by default. Nothing was changed',
    });
    expect(suite.cloud.policies(accountId).filter((policy) => policy.path === '/capa-providers/').map((policy) => policy.versions.length)).toEqual([1]);
  });
});
