// Onboarding that finds a CAPA policy of its name already in the account: this provider's own,
// left at an older CAPA version (the provider was onboarded before a deployment changed the policy),
// is brought to the shipped version; anyone else's still fails POLICY_CONFLICT.
import { describe, expect, it } from 'vitest';
import { SHIPPED_CAPA_POLICY } from '../../functions/shared/domain/capa-policy.js';
import type { PolicyDocument } from '../support/workflow-cloud.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const suite = useWorkflowCloud();

/** CAPA's policy as an older release had it: without the KMS statement. */
const OLDER_DOCUMENT = { ...SHIPPED_CAPA_POLICY.document, Statement: SHIPPED_CAPA_POLICY.document.Statement.slice(0, -1) } as PolicyDocument;
const OLDER_VERSION = 'sha256:0123456789abcdef';

describe('onboarding over an existing CAPA policy of its name', () => {
  it('brings the provider’s own older policy to the shipped version as a new default version, and succeeds', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    const policyArn = suite.cloud.createPolicy(accountId, {
      policyName: 'capa-payments-older-capa-1',
      path: '/capa-providers/',
      document: OLDER_DOCUMENT,
      tags: { 'capa-onboarding:provider-id': 'payments.older', 'capa-onboarding:policy-version': OLDER_VERSION },
    });

    // Act
    const { run, provider } = await suite.cloud.onboard({ workspace: 'payments', name: 'older', accountId });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(provider).toMatchObject({ status: 'READY', policyVersion: SHIPPED_CAPA_POLICY.version, policyArns: [policyArn] });
    const [policy, ...others] = suite.cloud.policies(accountId);
    expect(others).toHaveLength(0);
    expect(policy?.versions.map((version) => [version.versionId, version.isDefaultVersion])).toEqual([['v1', false], ['v2', true]]);
    expect(policy?.document).toEqual(SHIPPED_CAPA_POLICY.document);
    expect(policy?.tags).toEqual([
      { Key: 'capa-onboarding:provider-id', Value: 'payments.older' },
      { Key: 'capa-onboarding:policy-version', Value: SHIPPED_CAPA_POLICY.version },
    ]);
    expect(suite.cloud.role(accountId, 'capa-payments-older')?.attachedPolicyArns).toEqual([policyArn]);
  });

  it('removes a part of the provider’s own older, larger split that the shipped policy no longer has', async () => {
    // Prepare: a repair of a provider whose role carries two parts of an older release
    const accountId = await suite.cloud.createAccount();
    const ours = { 'capa-onboarding:provider-id': 'payments.repaired', 'capa-onboarding:policy-version': OLDER_VERSION };
    suite.cloud.createRole(accountId, {
      roleName: 'capa-payments-repaired',
      path: '/capa-providers/',
      trust: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      tags: { 'capa-onboarding:provider-id': 'payments.repaired' },
    });
    const parts = [1, 2].map((part) =>
      suite.cloud.createPolicy(accountId, { policyName: `capa-payments-repaired-capa-${part}`, path: '/capa-providers/', document: OLDER_DOCUMENT, tags: ours }),
    );
    for (const arn of parts) suite.cloud.attachRolePolicy(accountId, 'capa-payments-repaired', arn);

    // Act
    const { run, provider } = await suite.cloud.onboard({ workspace: 'payments', name: 'repaired', accountId });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(provider).toMatchObject({ status: 'READY', policyArns: [parts[0]] });
    expect(suite.cloud.policies(accountId).map((policy) => [policy.arn, policy.document])).toEqual([[parts[0], SHIPPED_CAPA_POLICY.document]]);
    expect(suite.cloud.role(accountId, 'capa-payments-repaired')?.attachedPolicyArns).toEqual([parts[0]]);
  });

  it('fails POLICY_CONFLICT on another provider’s older policy with its name, and leaves that policy as it was', async () => {
    // Prepare
    const accountId = await suite.cloud.createAccount();
    const policyArn = suite.cloud.createPolicy(accountId, {
      policyName: 'capa-payments-taken-capa-1',
      path: '/capa-providers/',
      document: OLDER_DOCUMENT,
      tags: { 'capa-onboarding:provider-id': 'payments.someone-else', 'capa-onboarding:policy-version': OLDER_VERSION },
    });
    const before = suite.cloud.policies(accountId);

    // Act
    const { run, provider } = await suite.cloud.onboard({ workspace: 'payments', name: 'taken', accountId });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(provider.reason).toBe('POLICY_CONFLICT');
    expect(provider.message).toContain(`Policy ${policyArn} already exists with version ${OLDER_VERSION}`);
    expect(suite.cloud.policies(accountId)).toEqual(before);
    expect(suite.cloud.providerResources(accountId)).toEqual([policyArn]);
  });
});
