// The IAM limits a CAPA policy rollout runs into, answered as AWS answers them (error code, HTTP
// status, message), through the real SDK: five versions per managed policy, the default version
// never deleted on its own, ten managed policies per role, 6,144 non-whitespace characters per
// managed policy document (on a new version too).
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  IAMClient,
  ListPolicyVersionsCommand,
  SetDefaultPolicyVersionCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalIam } from '../../../local/iam/index.js';
import { startHarness, type Harness } from './harness.js';

const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const small = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:DescribeVpcs', Resource: '*' }] });
/** A document of exactly `size` characters once white space is left out. */
function documentOfSize(size: number, padding = ''): string {
  const base = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: '', Effect: 'Allow', Action: 'ec2:DescribeVpcs', Resource: '*' }] });
  const sid = 'S'.repeat(size - base.length);
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: sid, Effect: 'Allow', Action: 'ec2:DescribeVpcs', Resource: '*' }] }, null, padding.length);
}

let local: LocalIam;
let harness: Harness;
let iam: IAMClient;
let policies = 0;

beforeAll(async () => {
  local = new LocalIam();
  harness = await startHarness(local);
  iam = harness.clients(local.adminCredentials()).iam;
});

afterAll(async () => {
  await harness.close();
});

async function newPolicy(document = small): Promise<string> {
  policies += 1;
  const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: `limits-${policies}`, Path: '/capa-providers/', PolicyDocument: document }));
  return Policy!.Arn!;
}

describe('IAM limits a policy rollout meets', () => {
  it('refuses a sixth version with LimitExceeded (409) and AWS’s message, and accepts it once the oldest non-default one is gone', async () => {
    // Prepare
    const arn = await newPolicy();
    for (let index = 0; index < 4; index += 1) await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: small, SetAsDefault: true }));

    // Act
    const sixth = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: small, SetAsDefault: true })).catch((error: unknown) => error);
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    const afterRoom = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: small, SetAsDefault: true }));
    const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));

    // Assess
    expect(sixth).toMatchObject({
      name: 'LimitExceededException',
      message: 'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
      $metadata: { httpStatusCode: 409 },
    });
    expect(afterRoom.PolicyVersion).toMatchObject({ VersionId: 'v6', IsDefaultVersion: true });
    expect(versions.Versions?.map((version) => version.VersionId)).toEqual(['v6', 'v5', 'v4', 'v3', 'v2']);
  });

  it('refuses to delete the default version with DeleteConflict (409), and deletes it once another version is the default', async () => {
    // Prepare
    const arn = await newPolicy();
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: small, SetAsDefault: true }));

    // Act
    const refused = await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' })).catch((error: unknown) => error);
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }));
    const policy = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));

    // Assess
    expect(refused).toMatchObject({ name: 'DeleteConflictException', message: 'Cannot delete the default version of a policy.', $metadata: { httpStatusCode: 409 } });
    expect(policy.Policy?.DefaultVersionId).toBe('v1');
  });

  it('refuses an eleventh managed policy on a role with LimitExceeded (409) naming the PoliciesPerRole quota', async () => {
    // Prepare
    await iam.send(new CreateRoleCommand({ RoleName: 'limits-full', Path: '/capa-providers/', AssumeRolePolicyDocument: trust }));
    const arns: string[] = [];
    for (let index = 0; index < 11; index += 1) arns.push(await newPolicy());
    for (const arn of arns.slice(0, 10)) await iam.send(new AttachRolePolicyCommand({ RoleName: 'limits-full', PolicyArn: arn }));

    // Act
    const eleventh = await iam.send(new AttachRolePolicyCommand({ RoleName: 'limits-full', PolicyArn: arns[10] })).catch((error: unknown) => error);
    const again = await iam.send(new AttachRolePolicyCommand({ RoleName: 'limits-full', PolicyArn: arns[0] }));

    // Assess
    expect(eleventh).toMatchObject({ name: 'LimitExceededException', message: 'Cannot exceed quota for PoliciesPerRole: 10', $metadata: { httpStatusCode: 409 } });
    // Attaching one that is already attached changes nothing, so it is no eleventh.
    expect(again.$metadata.httpStatusCode).toBe(200);
  });

  it('counts a document’s size without white space: 6,144 characters pass, 6,145 fail LimitExceeded, on CreatePolicy and on CreatePolicyVersion', async () => {
    // Prepare
    const atLimit = documentOfSize(6144, '    ');
    const overLimit = documentOfSize(6145);
    const arn = await newPolicy();

    // Act
    const created = await iam.send(new CreatePolicyCommand({ PolicyName: 'limits-at-size', PolicyDocument: atLimit }));
    const tooBig = await iam.send(new CreatePolicyCommand({ PolicyName: 'limits-over-size', PolicyDocument: overLimit })).catch((error: unknown) => error);
    const version = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: atLimit }));
    const tooBigVersion = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: overLimit })).catch((error: unknown) => error);

    // Assess
    expect(atLimit.length).toBeGreaterThan(6144);
    expect(atLimit.replace(/\s/g, '')).toHaveLength(6144);
    expect(created.Policy?.PolicyName).toBe('limits-at-size');
    expect(tooBig).toMatchObject({ name: 'LimitExceededException', message: 'Cannot exceed quota for PolicySize: 6144', $metadata: { httpStatusCode: 409 } });
    expect(version.PolicyVersion?.VersionId).toBe('v2');
    expect(tooBigVersion).toMatchObject({ name: 'LimitExceededException', message: 'Cannot exceed quota for PolicySize: 6144', $metadata: { httpStatusCode: 409 } });
  });

  it('refuses a document that is not JSON with MalformedPolicyDocument (400), on CreatePolicyVersion too', async () => {
    // Prepare
    const arn = await newPolicy();

    // Act
    const malformed = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: '{"Version":"2012-10-17","Statement":[' })).catch((error: unknown) => error);

    // Assess
    expect(malformed).toMatchObject({ name: 'MalformedPolicyDocumentException', message: 'Syntax errors in policy.', $metadata: { httpStatusCode: 400 } });
  });
});
