import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPoliciesCommand,
  ListPolicyTagsCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalIam } from '../../../local/iam/index.js';
import { adminRequest, startHarness, type Harness } from './harness.js';

const MGMT = '000000000000';
const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const readLogs = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:Get*', Resource: '*' }] });

let local: LocalIam;
let harness: Harness;
let iam: IAMClient;

beforeAll(async () => {
  local = new LocalIam();
  harness = await startHarness(local);
  iam = harness.clients(local.adminCredentials()).iam;
});

afterAll(async () => {
  await harness.close();
});

describe('IAM roles through the real SDK', () => {
  it('creates a role and returns it, with its trust policy URL-encoded and its tags', async () => {
    // Prepare
    const input = {
      RoleName: 'capa-roles-a',
      Path: '/capa-providers/',
      AssumeRolePolicyDocument: trust,
      Description: 'a role',
      MaxSessionDuration: 7200,
      Tags: [{ Key: 'team', Value: 'payments' }],
    };
    // Act
    const created = await iam.send(new CreateRoleCommand(input));
    const fetched = await iam.send(new GetRoleCommand({ RoleName: 'capa-roles-a' }));
    // Assess
    expect(created.Role?.Arn).toBe(`arn:aws:iam::${MGMT}:role/capa-providers/capa-roles-a`);
    expect(created.Role?.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(fetched.Role?.CreateDate).toBeInstanceOf(Date);
    expect(fetched.Role?.MaxSessionDuration).toBe(7200);
    expect(fetched.Role?.Description).toBe('a role');
    expect(fetched.Role?.Tags).toEqual([{ Key: 'team', Value: 'payments' }]);
    expect(fetched.Role?.AssumeRolePolicyDocument).toBe(encodeURIComponent(trust));
    expect(JSON.parse(decodeURIComponent(fetched.Role?.AssumeRolePolicyDocument ?? ''))).toEqual(JSON.parse(trust));
  });

  it('answers EntityAlreadyExists (409) for a duplicate name, whatever its case', async () => {
    // Prepare
    await iam.send(new CreateRoleCommand({ RoleName: 'dup-role', AssumeRolePolicyDocument: trust }));
    // Act
    const error = await iam.send(new CreateRoleCommand({ RoleName: 'DUP-ROLE', AssumeRolePolicyDocument: trust })).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ name: 'EntityAlreadyExistsException', $metadata: { httpStatusCode: 409 } });
  });

  it('validates names, paths and trust policies', async () => {
    // Prepare
    const bad = [
      { RoleName: 'has space', AssumeRolePolicyDocument: trust },
      { RoleName: 'x'.repeat(65), AssumeRolePolicyDocument: trust },
      { RoleName: 'ok', Path: 'no-slashes', AssumeRolePolicyDocument: trust },
    ];
    // Act
    const errors = await Promise.all(bad.map((input) => iam.send(new CreateRoleCommand(input)).catch((e: unknown) => e)));
    const malformed = await iam.send(new CreateRoleCommand({ RoleName: 'ok', AssumeRolePolicyDocument: '{"Statement":[]' })).catch((e: unknown) => e);
    const tooBig = await iam
      .send(
        new CreateRoleCommand({
          RoleName: 'ok',
          AssumeRolePolicyDocument: JSON.stringify({
            Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole', Sid: 'x'.repeat(2100) }],
          }),
        }),
      )
      .catch((e: unknown) => e);
    // Assess
    for (const error of errors) expect(error).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    expect(malformed).toMatchObject({ name: 'MalformedPolicyDocumentException', $metadata: { httpStatusCode: 400 } });
    expect(tooBig).toMatchObject({ name: 'LimitExceededException', $metadata: { httpStatusCode: 409 } });
  });

  it('answers NoSuchEntity (404) for a missing role', async () => {
    // Prepare: nothing
    // Act
    const error = await iam.send(new GetRoleCommand({ RoleName: 'nobody' })).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ name: 'NoSuchEntityException', $metadata: { httpStatusCode: 404 } });
    expect((error as Error).message).toBe('The role with name nobody cannot be found.');
  });

  it('lists roles by path prefix, page by page with Marker', async () => {
    // Prepare
    for (const n of [1, 2, 3]) {
      await iam.send(new CreateRoleCommand({ RoleName: `paged-${n}`, Path: '/paged/', AssumeRolePolicyDocument: trust }));
    }
    // Act
    const first = await iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2 }));
    const second = await iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: first.Marker }));
    // Assess
    expect(first.IsTruncated).toBe(true);
    expect(first.Roles?.map((r) => r.RoleName)).toEqual(['paged-1', 'paged-2']);
    expect(second.IsTruncated).toBe(false);
    expect(second.Roles?.map((r) => r.RoleName)).toEqual(['paged-3']);
  });

  it('tags, untags and lists role tags', async () => {
    // Prepare
    await iam.send(new CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'a', Value: '1' }] }));
    // Act
    await iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: [{ Key: 'a', Value: '2' }, { Key: 'b', Value: '3' }] }));
    await iam.send(new UntagRoleCommand({ RoleName: 'tagged', TagKeys: ['b'] }));
    const tags = await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged' }));
    const tooMany = await iam
      .send(new TagRoleCommand({ RoleName: 'tagged', Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }))
      .catch((e: unknown) => e);
    // Assess
    expect(tags.Tags).toEqual([{ Key: 'a', Value: '2' }]);
    expect(tags.IsTruncated).toBe(false);
    expect(tooMany).toMatchObject({ name: 'LimitExceededException' });
  });

  it('replaces the trust policy with UpdateAssumeRolePolicy', async () => {
    // Prepare
    await iam.send(new CreateRoleCommand({ RoleName: 'retrusted', AssumeRolePolicyDocument: trust }));
    const next = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: MGMT }, Action: 'sts:AssumeRole' }] });
    // Act
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'retrusted', PolicyDocument: next }));
    // Assess
    expect(local.getRole(MGMT, 'retrusted')?.assumeRolePolicyDocument).toEqual(JSON.parse(next));
  });
});

describe('inline and managed policies through the real SDK', () => {
  it('puts, gets, lists and deletes inline policies', async () => {
    // Prepare
    await iam.send(new CreateRoleCommand({ RoleName: 'inline', AssumeRolePolicyDocument: trust }));
    // Act
    await iam.send(new PutRolePolicyCommand({ RoleName: 'inline', PolicyName: 'logs', PolicyDocument: readLogs }));
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'inline', PolicyName: 'logs' }));
    const listed = await iam.send(new ListRolePoliciesCommand({ RoleName: 'inline' }));
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'inline', PolicyName: 'logs' }));
    const gone = await iam.send(new GetRolePolicyCommand({ RoleName: 'inline', PolicyName: 'logs' })).catch((e: unknown) => e);
    // Assess
    expect(decodeURIComponent(got.PolicyDocument ?? '')).toBe(readLogs);
    expect(got.RoleName).toBe('inline');
    expect(listed.PolicyNames).toEqual(['logs']);
    expect(gone).toMatchObject({ name: 'NoSuchEntityException' });
  });

  it('limits inline policies to 10,240 non-whitespace characters summed over the role', async () => {
    // Prepare
    await iam.send(new CreateRoleCommand({ RoleName: 'inline-big', AssumeRolePolicyDocument: trust }));
    const sized = (sid: string) => JSON.stringify({ Statement: [{ Sid: sid, Effect: 'Allow', Action: 'logs:Get*', Resource: '*' }] });
    const half = sized('A'.repeat(5000));
    // Act
    await iam.send(new PutRolePolicyCommand({ RoleName: 'inline-big', PolicyName: 'one', PolicyDocument: half }));
    const second = await iam.send(new PutRolePolicyCommand({ RoleName: 'inline-big', PolicyName: 'two', PolicyDocument: sized('B'.repeat(5300)) })).catch((e: unknown) => e);
    // Replacing the same policy does not count it twice.
    await iam.send(new PutRolePolicyCommand({ RoleName: 'inline-big', PolicyName: 'one', PolicyDocument: sized('C'.repeat(9000)) }));
    // Assess
    expect(second).toMatchObject({ name: 'LimitExceededException', $metadata: { httpStatusCode: 409 } });
  });

  it('creates a managed policy with its ARN, versions and tags', async () => {
    // Prepare
    const input = { PolicyName: 'capa-nodes', Path: '/capa-providers/', PolicyDocument: readLogs, Description: 'nodes', Tags: [{ Key: 'x', Value: 'y' }] };
    // Act
    const created = await iam.send(new CreatePolicyCommand(input));
    const arn = created.Policy?.Arn ?? '';
    const fetched = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    const tags = await iam.send(new ListPolicyTagsCommand({ PolicyArn: arn }));
    const listed = await iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/capa-providers/' }));
    // Assess
    expect(arn).toBe(`arn:aws:iam::${MGMT}:policy/capa-providers/capa-nodes`);
    expect(fetched.Policy).toMatchObject({ DefaultVersionId: 'v1', AttachmentCount: 0, IsAttachable: true, Description: 'nodes' });
    expect(fetched.Policy?.PolicyId).toMatch(/^ANPA/);
    expect(decodeURIComponent(version.PolicyVersion?.Document ?? '')).toBe(readLogs);
    expect(version.PolicyVersion?.IsDefaultVersion).toBe(true);
    expect(tags.Tags).toEqual([{ Key: 'x', Value: 'y' }]);
    expect(listed.Policies?.map((p) => p.Arn)).toEqual([arn]);
  });

  it('keeps at most five versions and switches the default with SetAsDefault', async () => {
    // Prepare
    const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: 'versioned', PolicyDocument: readLogs }));
    const arn = Policy?.Arn ?? '';
    // Act
    for (let i = 0; i < 4; i += 1) await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: readLogs, SetAsDefault: i === 3 }));
    const sixth = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: readLogs })).catch((e: unknown) => e);
    const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
    const deleteDefault = await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v5' })).catch((e: unknown) => e);
    // Assess
    expect(sixth).toMatchObject({ name: 'LimitExceededException' });
    expect(versions.Versions?.map((v) => v.VersionId)).toEqual(['v5', 'v4', 'v3', 'v2', 'v1']);
    expect(versions.Versions?.find((v) => v.IsDefaultVersion)?.VersionId).toBe('v5');
    expect(deleteDefault).toMatchObject({ name: 'DeleteConflictException', $metadata: { httpStatusCode: 409 } });
  });

  it('rejects a managed policy over 6,144 non-whitespace characters, but not whitespace', async () => {
    // Prepare
    const big = JSON.stringify({ Statement: [{ Sid: 'S'.repeat(6100), Effect: 'Allow', Action: 'logs:Get*', Resource: '*' }] });
    const airy = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'logs:Get*', Resource: '*' }] }, null, 1) + ' '.repeat(7000);
    // Act
    const error = await iam.send(new CreatePolicyCommand({ PolicyName: 'too-big', PolicyDocument: big })).catch((e: unknown) => e);
    const ok = await iam.send(new CreatePolicyCommand({ PolicyName: 'airy', PolicyDocument: airy }));
    // Assess
    expect(error).toMatchObject({ name: 'LimitExceededException', $metadata: { httpStatusCode: 409 } });
    expect((error as Error).message).toContain('6144');
    expect(ok.Policy?.PolicyName).toBe('airy');
  });

  it('attaches AWS managed and local policies, up to ten per role', async () => {
    // Prepare
    await iam.send(new CreateRoleCommand({ RoleName: 'attached', AssumeRolePolicyDocument: trust }));
    const arns: string[] = ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'];
    for (let i = 0; i < 10; i += 1) {
      const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: `attach-${i}`, PolicyDocument: readLogs }));
      arns.push(Policy?.Arn ?? '');
    }
    // Act
    for (const arn of arns.slice(0, 10)) await iam.send(new AttachRolePolicyCommand({ RoleName: 'attached', PolicyArn: arn }));
    const eleventh = await iam.send(new AttachRolePolicyCommand({ RoleName: 'attached', PolicyArn: arns[10] })).catch((e: unknown) => e);
    const listed = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'attached' }));
    const unknown = await iam
      .send(new AttachRolePolicyCommand({ RoleName: 'attached', PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicy' }))
      .catch((e: unknown) => e);
    const awsPolicy = await iam.send(new GetPolicyCommand({ PolicyArn: arns[0] }));
    // Assess
    expect(eleventh).toMatchObject({ name: 'LimitExceededException' });
    expect(listed.AttachedPolicies).toHaveLength(10);
    expect(listed.AttachedPolicies?.[0]).toEqual({ PolicyName: 'AWSLambdaBasicExecutionRole', PolicyArn: arns[0] });
    expect(unknown).toMatchObject({ name: 'NoSuchEntityException' });
    expect(awsPolicy.Policy?.AttachmentCount).toBe(1);
  });

  it('refuses to delete a role with attached or inline policies, and a policy attached or with versions (DeleteConflict)', async () => {
    // Prepare
    await iam.send(new CreateRoleCommand({ RoleName: 'conflicted', AssumeRolePolicyDocument: trust }));
    const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: 'conflict-policy', PolicyDocument: readLogs }));
    const arn = Policy?.Arn ?? '';
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'conflicted', PolicyArn: arn }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'conflicted', PolicyName: 'inline', PolicyDocument: readLogs }));
    // Act
    const roleWithAttached = await iam.send(new DeleteRoleCommand({ RoleName: 'conflicted' })).catch((e: unknown) => e);
    const attachedPolicy = await iam.send(new DeletePolicyCommand({ PolicyArn: arn })).catch((e: unknown) => e);
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'conflicted', PolicyArn: arn }));
    const roleWithInline = await iam.send(new DeleteRoleCommand({ RoleName: 'conflicted' })).catch((e: unknown) => e);
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: readLogs }));
    const policyWithVersions = await iam.send(new DeletePolicyCommand({ PolicyArn: arn })).catch((e: unknown) => e);
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'conflicted', PolicyName: 'inline' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'conflicted' }));
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    // Assess
    expect(roleWithAttached).toMatchObject({ name: 'DeleteConflictException', $metadata: { httpStatusCode: 409 } });
    expect((roleWithAttached as Error).message).toBe('Cannot delete entity, must detach all policies first.');
    expect(attachedPolicy).toMatchObject({ name: 'DeleteConflictException' });
    expect(roleWithInline).toMatchObject({ name: 'DeleteConflictException' });
    expect((roleWithInline as Error).message).toBe('Cannot delete entity, must delete policies first.');
    expect(policyWithVersions).toMatchObject({ name: 'DeleteConflictException' });
    expect(local.getRole(MGMT, 'conflicted')).toBeUndefined();
    expect(local.listPolicies(MGMT).some((p) => p.arn === arn)).toBe(false);
  });

  it('rejects an unsigned request with MissingAuthenticationToken (403)', async () => {
    // Prepare
    const body = new URLSearchParams({ Action: 'ListRoles', Version: '2010-05-08' }).toString();
    // Act
    const response = await harness.post(body, { 'content-type': 'application/x-www-form-urlencoded' });
    // Assess
    expect(response.status).toBe(403);
    expect(response.body).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('answers InvalidAction (400) for an operation IAM does not serve, also one named like an Object member', async () => {
    // Prepare
    const actions = ['CreateUser', 'constructor'];
    // Act
    const responses = await Promise.all(actions.map((action) => local.handleIam(adminRequest(local, 'iam', action))));
    // Assess
    expect(responses.map((r) => r.status)).toEqual([400, 400]);
    expect(responses[0]?.body).toContain('<Code>InvalidAction</Code><Message>Could not find operation CreateUser for version 2010-05-08</Message>');
    expect(responses[1]?.body).toContain('<Code>InvalidAction</Code><Message>Could not find operation constructor for version 2010-05-08</Message>');
  });
});
