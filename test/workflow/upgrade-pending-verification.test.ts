// Right after a deployment that changes the CAPA policy, every provider the rollout has not reached
// yet still carries the policy it was onboarded with. Re-verification (POST …/verifications and the
// health sweep, both through check-provider) must call it "upgrade pending", not drift: it stays
// READY with no Provider Degraded. Once the rollout moved it, it is verified against the new policy.
// The deployment is emulated as the bundler does it: the functions are loaded again with another
// document in place of `#capa-policy`.
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { upgradeProviderPolicy } from '../../functions/shared/adapters/policy-upgrade.js';
import { PolicyUpgradeRegistry } from '../../functions/shared/adapters/policy-upgrade-registry.js';
import { capaPolicyOf, SHIPPED_CAPA_POLICY, type CapaPolicy } from '../../functions/shared/domain/capa-policy.js';
import type { PolicyDocument } from '../../functions/shared/domain/policy-documents.js';
import { MANAGEMENT_ACCOUNT } from '../support/workflow-cloud.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud();

const fixtureDocument = (file: string) => JSON.parse(readFileSync(new URL(`../fixtures/policies/${file}`, import.meta.url), 'utf8')) as PolicyDocument;

/** The functions as a deployment with `capaPolicyFile` = `file` bundles them: loaded anew with that document. */
function deployFunctionsWith(file: string): CapaPolicy {
  const document = fixtureDocument(file);
  vi.resetModules();
  vi.doMock('#capa-policy', () => ({ default: document }));
  return capaPolicyOf(document);
}

let functionRoles = 0;

/** The rollout's step for one provider, run as the upgrade-provider-policy function of that deployment. */
async function upgrade(providerId: string, policy: CapaPolicy) {
  functionRoles += 1;
  const config = suite.cloud.functionClientConfig(`capa-onboarding-upgrade-provider-policy-${functionRoles}`, {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: `arn:aws:dynamodb:us-east-1:${MANAGEMENT_ACCOUNT}:table/providers` },
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ['arn:aws:iam::*:role/OrganizationAccountAccessRole', 'arn:aws:iam::*:role/capa-providers/*'] },
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: `arn:aws:events:us-east-1:${MANAGEMENT_ACCOUNT}:event-bus/capa-provider-onboarding` },
    ],
  });
  vi.stubEnv('AWS_ENDPOINT_URL', config.endpoint);
  vi.stubEnv('AWS_REGION', config.region);
  const deps = {
    registry: new PolicyUpgradeRegistry(DynamoDBDocumentClient.from(new DynamoDBClient(config)), 'providers'),
    sts: new STSClient(config),
    eventBridge: new EventBridgeClient(config),
    bus: { busName: 'capa-provider-onboarding', source: 'capa-provider-onboarding' },
    partition: 'aws',
    bootstrapRoleName: 'OrganizationAccountAccessRole',
    policy,
  };
  return upgradeProviderPolicy(deps, { rollout: { id: 'r-0001', policyVersion: policy.version }, provider: { providerId } });
}

const capaChecks = (checks: ReadonlyArray<{ name: string; passed: boolean; reason: string | null; detail: string }> | undefined) =>
  (checks ?? []).filter((check) => check.name.startsWith('capa-policies-'));

afterEach(() => {
  vi.doUnmock('#capa-policy');
  vi.resetModules();
  vi.unstubAllEnvs();
});

describe('re-verification after a deployment that changed the CAPA policy', () => {
  it('keeps a provider the rollout has not reached READY (POST and sweep), then verifies it against the new policy once upgraded', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    const { provider } = await suite.cloud.onboard({ workspace: 'fleet', name: 'waiting', accountId });
    const part1 = `arn:aws:iam::${accountId}:policy/capa-providers/capa-fleet-waiting-capa-1`;
    expect(provider).toMatchObject({ status: 'READY', policyVersion: SHIPPED_CAPA_POLICY.version, policyArns: [part1] });
    const deployed = deployFunctionsWith('capa-access-entries.json');
    const pending = `policy upgrade to ${deployed.version} pending (provider on ${SHIPPED_CAPA_POLICY.version})`;

    // Act
    const verified = await suite.cloud.verify(provider.providerId);
    const sweep = await suite.cloud.sweep();

    // Assess
    expect(verified.run.status).toBe('SUCCEEDED');
    expect(sweep.status).toBe('SUCCEEDED');
    const afterSweep = await suite.cloud.registry.get(provider.providerId);
    expect(afterSweep?.status).toBe('READY');
    expect(capaChecks(afterSweep?.checks)).toEqual([
      { name: 'capa-policies-attached', passed: true, reason: null, detail: `1 CAPA policy(ies) of ${SHIPPED_CAPA_POLICY.version} attached; ${pending}` },
      { name: 'capa-policies-current', passed: true, reason: null, detail: `${pending}: each CAPA policy carries ${SHIPPED_CAPA_POLICY.version} as recorded` },
    ]);
    expect(suite.cloud.events(provider.providerId).map((event) => event['detail-type'])).toEqual(['Provider Ready']);

    // Act: the rollout reaches the provider, then it is verified again
    const upgraded = await upgrade(provider.providerId, deployed);
    const reverified = await suite.cloud.verify(provider.providerId);

    // Assess
    expect(upgraded.outcome).toBe('UPGRADED');
    expect(reverified.provider).toMatchObject({ status: 'READY', policyVersion: deployed.version });
    expect(capaChecks(reverified.provider.checks)).toEqual([
      { name: 'capa-policies-attached', passed: true, reason: null, detail: '1 CAPA policy(ies) attached' },
      { name: 'capa-policies-current', passed: true, reason: null, detail: 'each CAPA policy’s default version is the deployed document' },
    ]);
  });

  it('keeps a provider READY when the deployed policy splits into one more part than it has', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    const { provider } = await suite.cloud.onboard({ workspace: 'fleet', name: 'grows', accountId });
    const deployed = deployFunctionsWith('capa-over-size-limit.json');

    // Act
    const verified = await suite.cloud.verify(provider.providerId);

    // Assess
    expect(deployed.parts).toHaveLength(2);
    expect(verified.provider.status).toBe('READY');
    expect(capaChecks(verified.provider.checks).map((check) => [check.name, check.passed, check.reason])).toEqual([
      ['capa-policies-attached', true, null],
      ['capa-policies-current', true, null],
    ]);
    expect(suite.cloud.events(provider.providerId).map((event) => event['detail-type'])).toEqual(['Provider Ready']);

    // Act: upgraded to two parts, it is verified against both
    const upgraded = await upgrade(provider.providerId, deployed);
    const reverified = await suite.cloud.verify(provider.providerId);

    // Assess
    expect(upgraded.outcome).toBe('UPGRADED');
    expect(reverified.provider.status).toBe('READY');
    expect(capaChecks(reverified.provider.checks)).toEqual([
      { name: 'capa-policies-attached', passed: true, reason: null, detail: '2 CAPA policy(ies) attached' },
      { name: 'capa-policies-current', passed: true, reason: null, detail: 'each CAPA policy’s default version is the deployed document' },
    ]);
  });
});
