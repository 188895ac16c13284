// Re-verification's CAPA policy checks right after a deployment that changed the policy: a provider
// the rollout has not reached yet records the older version and is judged against that version's
// parts ("upgrade pending"), not against the new document; one on the deployed version as before.
import { readFileSync } from 'node:fs';
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { verifyProvider, type ProviderVerificationDependencies } from '../../../../functions/shared/adapters/provider-verification.js';
import { capaPolicyOf, SHIPPED_CAPA_POLICY, type CapaPolicy } from '../../../../functions/shared/domain/capa-policy.js';
import type { PolicyDocument } from '../../../../functions/shared/domain/policy-documents.js';
import { providerRecord } from '../../../support/provider-records.js';

const iam = mockClient(IAMClient);
const sts = mockClient(STSClient);

const fixture = (file: string): CapaPolicy =>
  capaPolicyOf(JSON.parse(readFileSync(new URL(`../../../fixtures/policies/${file}`, import.meta.url), 'utf8')) as PolicyDocument);
const ACCESS_ENTRIES = fixture('capa-access-entries.json');
const OVER_SIZE_LIMIT = fixture('capa-over-size-limit.json');

const ONBOARDED = SHIPPED_CAPA_POLICY.version;
const PART_1 = 'arn:aws:iam::123456789012:policy/capa-providers/capa-payments-dev-capa-1';
const PART_2 = 'arn:aws:iam::123456789012:policy/capa-providers/capa-payments-dev-capa-2';

const deps = (policy: CapaPolicy): ProviderVerificationDependencies => ({
  targetIam: new IAMClient({}),
  managementIam: new IAMClient({}),
  sts: new STSClient({}),
  partition: 'aws',
  managementPrincipalArn: 'arn:aws:iam::000000000000:role/capa-management',
  grant: { managementRoleArn: 'arn:aws:iam::000000000000:role/capa-management', partition: 'aws', rolePath: '/capa-providers/', mode: 'path' },
  policy,
});

/** The provider's role with `parts` attached: ARN → [version tag, default document]. */
function accountWith(parts: Record<string, [string, PolicyDocument]>, attached: string[] = Object.keys(parts)): void {
  iam.on(GetRoleCommand).resolves({
    Role: { RoleName: 'capa-payments-dev', Path: '/capa-providers/', Arn: providerRecord().roleArn, RoleId: 'AROA', CreateDate: new Date(0) },
  });
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: attached.map((arn) => ({ PolicyArn: arn })) });
  iam.on(GetPolicyCommand).rejects(Object.assign(new Error('not found'), { name: 'NoSuchEntity', $metadata: { httpStatusCode: 404 } }));
  for (const [arn, [version, document]] of Object.entries(parts)) {
    iam.on(GetPolicyCommand, { PolicyArn: arn }).resolves({
      Policy: { Arn: arn, DefaultVersionId: 'v1', Tags: [{ Key: 'capa-onboarding:policy-version', Value: version }] },
    });
    iam.on(GetPolicyVersionCommand, { PolicyArn: arn }).resolves({ PolicyVersion: { Document: encodeURIComponent(JSON.stringify(document)), VersionId: 'v1', IsDefaultVersion: true } });
  }
  iam.on(GetRolePolicyCommand).rejects(Object.assign(new Error('not found'), { name: 'NoSuchEntity', $metadata: { httpStatusCode: 404 } }));
  iam.on(SimulatePrincipalPolicyCommand).resolves({ EvaluationResults: [{ EvalActionName: 'sts:AssumeRole', EvalDecision: 'allowed' }] });
  sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
}

async function policyChecksOf(policy: CapaPolicy, recorded: { policyVersion: string; policyArns: string[] }) {
  const checks = await verifyProvider(deps(policy), providerRecord(recorded));
  return checks.filter((check) => check.name.startsWith('capa-policies-'));
}

beforeEach(() => {
  iam.reset();
  sts.reset();
});

describe('re-verification of a provider whose policy upgrade is pending', () => {
  it('passes a provider on the onboarded version against that version after the deployment ships another document', async () => {
    // Prepare
    accountWith({ [PART_1]: [ONBOARDED, SHIPPED_CAPA_POLICY.parts[0]!] });

    // Act
    const checks = await policyChecksOf(ACCESS_ENTRIES, { policyVersion: ONBOARDED, policyArns: [PART_1] });

    // Assess
    const pending = `policy upgrade to ${ACCESS_ENTRIES.version} pending (provider on ${ONBOARDED})`;
    expect(checks).toEqual([
      { name: 'capa-policies-attached', passed: true, reason: null, detail: `1 CAPA policy(ies) of ${ONBOARDED} attached; ${pending}` },
      { name: 'capa-policies-current', passed: true, reason: null, detail: `${pending}: each CAPA policy carries ${ONBOARDED} as recorded` },
    ]);
  });

  it('does not report the second part of a deployed policy that splits into two as detached before the upgrade', async () => {
    // Prepare
    accountWith({ [PART_1]: [ONBOARDED, SHIPPED_CAPA_POLICY.parts[0]!] });

    // Act
    const checks = await policyChecksOf(OVER_SIZE_LIMIT, { policyVersion: ONBOARDED, policyArns: [PART_1] });

    // Assess
    expect(OVER_SIZE_LIMIT.parts).toHaveLength(2);
    expect(checks.map((check) => [check.name, check.passed, check.reason])).toEqual([
      ['capa-policies-attached', true, null],
      ['capa-policies-current', true, null],
    ]);
  });

  it('still reports POLICY_DRIFTED when the recorded part’s default version was edited by hand', async () => {
    // Prepare
    const edited = { ...SHIPPED_CAPA_POLICY.parts[0]!, Statement: SHIPPED_CAPA_POLICY.parts[0]!.Statement.slice(1) };
    accountWith({ [PART_1]: [ONBOARDED, edited] });

    // Act
    const [attached, current] = await policyChecksOf(ACCESS_ENTRIES, { policyVersion: ONBOARDED, policyArns: [PART_1] });

    // Assess
    expect(attached?.passed).toBe(true);
    expect(current?.reason).toBe('POLICY_DRIFTED');
    expect(current?.detail).toMatch(new RegExp(`^the default versions of ${PART_1} add up to sha256:[0-9a-f]{16}, not ${ONBOARDED}; policy upgrade to`));
  });

  it('reports POLICY_DRIFTED for a recorded part tagged with a version the record does not name', async () => {
    // Prepare
    accountWith({ [PART_1]: ['sha256:0123456789abcdef', SHIPPED_CAPA_POLICY.parts[0]!] });

    // Act
    const [, current] = await policyChecksOf(ACCESS_ENTRIES, { policyVersion: ONBOARDED, policyArns: [PART_1] });

    // Assess
    expect(current?.reason).toBe('POLICY_DRIFTED');
    expect(current?.detail).toContain(`${PART_1} is tagged sha256:0123456789abcdef`);
  });

  it('reports POLICY_DETACHED when a recorded part was detached from the role', async () => {
    // Prepare
    accountWith({ [PART_1]: [ONBOARDED, SHIPPED_CAPA_POLICY.parts[0]!] }, []);

    // Act
    const [attached] = await policyChecksOf(ACCESS_ENTRIES, { policyVersion: ONBOARDED, policyArns: [PART_1] });

    // Assess
    expect(attached).toEqual({
      name: 'capa-policies-attached',
      passed: false,
      reason: 'POLICY_DETACHED',
      detail: `not attached or missing: ${PART_1}; policy upgrade to ${ACCESS_ENTRIES.version} pending (provider on ${ONBOARDED})`,
    });
  });

  it('passes a role that already carries the deployed policy while the record still names the older version', async () => {
    // Prepare: the upgrade moved the parts, its registry write has not happened yet
    accountWith({ [PART_1]: [OVER_SIZE_LIMIT.version, OVER_SIZE_LIMIT.parts[0]!], [PART_2]: [OVER_SIZE_LIMIT.version, OVER_SIZE_LIMIT.parts[1]!] });

    // Act
    const checks = await policyChecksOf(OVER_SIZE_LIMIT, { policyVersion: ONBOARDED, policyArns: [PART_1] });

    // Assess
    const applied = `the role already carries ${OVER_SIZE_LIMIT.version}; the registry still records ${ONBOARDED} until the upgrade is recorded`;
    expect(checks).toEqual([
      { name: 'capa-policies-attached', passed: true, reason: null, detail: `2 CAPA policy(ies) attached (${applied})` },
      { name: 'capa-policies-current', passed: true, reason: null, detail: `each CAPA policy’s default version is the deployed document (${applied})` },
    ]);
  });
});

describe('re-verification of a provider on the deployed version', () => {
  it('reports POLICY_DRIFTED against the deployed document, as before', async () => {
    // Prepare
    accountWith({ [PART_1]: [ACCESS_ENTRIES.version, SHIPPED_CAPA_POLICY.parts[0]!] });

    // Act
    const [attached, current] = await policyChecksOf(ACCESS_ENTRIES, { policyVersion: ACCESS_ENTRIES.version, policyArns: [PART_1] });

    // Assess
    expect(attached?.passed).toBe(true);
    expect(current).toEqual({
      name: 'capa-policies-current',
      passed: false,
      reason: 'POLICY_DRIFTED',
      detail: `default version differs from the deployed document: ${PART_1}`,
    });
  });
});
