import { CreateRoleCommand, IAMClient, PutRolePolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalIam } from '../../../local/iam/index.js';
import { startHarness, type Harness } from './harness.js';

const MGMT = '000000000000';
const MANAGEMENT_ROLE = `arn:aws:iam::${MGMT}:role/capa-management`;
const trustAccount = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MGMT}:root` }, Action: 'sts:AssumeRole' }],
});
const assumeProviders = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/capa-providers/*' },
    { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::111122223333:role/capa-providers/blocked' },
  ],
});

let local: LocalIam;
let harness: Harness;
let iam: IAMClient;

beforeAll(async () => {
  local = new LocalIam();
  harness = await startHarness(local);
  iam = harness.clients(local.adminCredentials()).iam;
  await iam.send(new CreateRoleCommand({ RoleName: 'capa-management', AssumeRolePolicyDocument: trustAccount }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'capa-management', PolicyName: 'assume-providers', PolicyDocument: assumeProviders }));
});

afterAll(async () => {
  await harness.close();
});

describe('iam:SimulatePrincipalPolicy through the real SDK', () => {
  it('evaluates the role’s identity policies per resource: allowed, explicit deny, implicit deny', async () => {
    // Prepare
    const input = {
      PolicySourceArn: MANAGEMENT_ROLE,
      ActionNames: ['sts:AssumeRole'],
      ResourceArns: [
        'arn:aws:iam::222233334444:role/capa-providers/capa-payments-dev',
        'arn:aws:iam::111122223333:role/capa-providers/blocked',
        'arn:aws:iam::222233334444:role/elsewhere',
      ],
    };
    // Act
    const result = await iam.send(new SimulatePrincipalPolicyCommand(input));
    // Assess
    expect(result.IsTruncated).toBe(false);
    expect(result.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision])).toEqual([
      ['sts:AssumeRole', 'arn:aws:iam::222233334444:role/capa-providers/capa-payments-dev', 'allowed'],
      ['sts:AssumeRole', 'arn:aws:iam::111122223333:role/capa-providers/blocked', 'explicitDeny'],
      ['sts:AssumeRole', 'arn:aws:iam::222233334444:role/elsewhere', 'implicitDeny'],
    ]);
    expect(result.EvaluationResults?.[0]?.MatchedStatements).toEqual([{ SourcePolicyId: 'assume-providers', SourcePolicyType: 'role' }]);
    expect(result.EvaluationResults?.[2]?.MatchedStatements).toEqual([]);
  });

  it('evaluates conditions against the context entries the caller supplies', async () => {
    // Prepare
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'capa-management',
        PolicyName: 'tagged-only',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/team': 'payments' } } }],
        }),
      }),
    );
    const ask = (team: string) =>
      iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: MANAGEMENT_ROLE,
          ActionNames: ['ec2:RunInstances'],
          ContextEntries: [{ ContextKeyName: 'aws:RequestTag/team', ContextKeyValues: [team], ContextKeyType: 'string' }],
        }),
      );
    // Act
    const matching = await ask('payments');
    const other = await ask('search');
    // Assess
    expect(matching.EvaluationResults?.[0]?.EvalDecision).toBe('allowed');
    expect(matching.EvaluationResults?.[0]?.EvalResourceName).toBe('*');
    expect(other.EvaluationResults?.[0]?.EvalDecision).toBe('implicitDeny');
  });

  it('answers NoSuchEntity for a role that does not exist', async () => {
    // Prepare
    const input = { PolicySourceArn: `arn:aws:iam::${MGMT}:role/missing`, ActionNames: ['sts:AssumeRole'] };
    // Act
    const error = await iam.send(new SimulatePrincipalPolicyCommand(input)).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ name: 'NoSuchEntityException', $metadata: { httpStatusCode: 404 } });
  });

  it('is authorized like any call: a session without iam:SimulatePrincipalPolicy is denied', async () => {
    // Prepare
    const sts = harness.clients(local.adminCredentials()).sts;
    const session = await sts.send(new AssumeRoleCommand({ RoleArn: MANAGEMENT_ROLE, RoleSessionName: 'no-simulate' }));
    const denied = harness.clients({
      accessKeyId: session.Credentials!.AccessKeyId!,
      secretAccessKey: session.Credentials!.SecretAccessKey!,
      sessionToken: session.Credentials!.SessionToken!,
    }).iam;
    // Act
    const error = await denied
      .send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: MANAGEMENT_ROLE, ActionNames: ['sts:AssumeRole'] }))
      .catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect((error as Error).message).toContain('iam:SimulatePrincipalPolicy');
  });
});
