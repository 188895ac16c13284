// Lambda's queue of asynchronous invocations on a persisted local cloud: an invocation Invoke
// accepted (202) is on disk when it answers and stays there until it is done, so a cloud started
// from what a crash leaves runs it (at least once, as Lambda does); one that is done is not run again.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetRoleCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloud } from '../../../local/cloud.js';

// Creates the role the event names, after waiting `waitMs`: its effect outlives the cloud that ran it.
const FUNCTION_CODE = `
import { IAMClient, CreateRoleCommand } from '@aws-sdk/client-iam';
const iam = new IAMClient({});
const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }] });
export const handler = async (event) => {
  await new Promise((resolve) => setTimeout(resolve, event.waitMs));
  await iam.send(new CreateRoleCommand({ RoleName: event.roleName, Path: '/made-by-function/', AssumeRolePolicyDocument: trust }));
  return { created: event.roleName };
};
`;

const TEMPLATE = {
  Resources: {
    FnRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }] },
        Policies: [{ PolicyName: 'create-roles', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:CreateRole', Resource: '*' }] } }],
      },
    },
    Fn: {
      Type: 'AWS::Lambda::Function',
      Metadata: { 'aws:asset:path': 'asset.fn' },
      Properties: { FunctionName: 'make-role', Handler: 'index.handler', Runtime: 'nodejs20.x', Timeout: 30, Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] } },
    },
  },
};

// The assembly lives under the repository (in the git-ignored .local/) so the function resolves
// @aws-sdk from the project's node_modules, as a synthesized cdk.out does.
const root = join(process.cwd(), '.local');
let work: string;
const clouds: LocalCloud[] = [];

function start(stateDir: string): Promise<LocalCloud> {
  return startLocalCloud({ cdkOut: join(work, 'cdk.out'), stateDir, port: 0, apiPort: 0, propagationDelayMs: [0, 0], faults: '', quiet: true }).then((cloud) => {
    clouds.push(cloud);
    return cloud;
  });
}

function clientConfig(cloud: LocalCloud) {
  return { endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.adminCredentials };
}

/** What a crash right now would leave behind (DynamoDB's files aside: this stack has no table). */
function copyOnDisk(stateDir: string): string {
  const copy = join(work, `copy-${clouds.length}`);
  cpSync(stateDir, copy, { recursive: true, filter: (source) => !source.includes('dynamodb') });
  return copy;
}

function invokeAsync(cloud: LocalCloud, event: { roleName: string; waitMs: number }) {
  return new LambdaClient(clientConfig(cloud)).send(new InvokeCommand({ FunctionName: 'make-role', InvocationType: 'Event', Payload: JSON.stringify(event) }));
}

async function functionRoles(cloud: LocalCloud): Promise<string[]> {
  const { Roles = [] } = await new IAMClient(clientConfig(cloud)).send(new ListRolesCommand({ PathPrefix: '/made-by-function/' }));
  return Roles.map((role) => role.RoleName!);
}

/** Polls (bounded) until the role exists in the cloud; its ARN. */
async function roleCreated(cloud: LocalCloud, roleName: string): Promise<string> {
  const iam = new IAMClient(clientConfig(cloud));
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role!.Arn!;
    } catch (error) {
      if ((error as Error).name !== 'NoSuchEntityException' || Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Polls (bounded) until Lambda's queue holds nothing: every invocation accepted is done. */
async function queueEmptied(cloud: LocalCloud): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (cloud.lambda.records().length > 0) {
    if (Date.now() > deadline) throw new Error('asynchronous invocations still queued after 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeEach(() => {
  mkdirSync(root, { recursive: true });
  work = mkdtempSync(join(root, 'durable-async-'));
  const cdkOut = join(work, 'cdk.out');
  mkdirSync(join(cdkOut, 'asset.fn'), { recursive: true });
  writeFileSync(join(cdkOut, 'asset.fn', 'index.mjs'), FUNCTION_CODE);
  writeFileSync(join(cdkOut, 'Fn.template.json'), JSON.stringify(TEMPLATE));
  writeFileSync(
    join(cdkOut, 'manifest.json'),
    JSON.stringify({ version: '48.0.0', artifacts: { Fn: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Fn.template.json' } } } }),
  );
});

afterEach(async () => {
  await Promise.all(clouds.splice(0).map((cloud) => cloud.close({ drainMs: 0 })));
  rmSync(work, { recursive: true, force: true });
});

describe('asynchronous invocations of a persisted local cloud', () => {
  it('an invocation accepted (202) and not yet run is on disk: a cloud started from that disk runs it', async () => {
    // Prepare
    const stateDir = join(work, 'state');
    const cloud = await start(stateDir);
    // Act
    const accepted = await invokeAsync(cloud, { roleName: 'after-crash', waitMs: 5_000 });
    const afterCrash = await start(copyOnDisk(stateDir));
    const roleArn = await roleCreated(afterCrash, 'after-crash');
    // Assess
    expect(accepted.StatusCode).toBe(202);
    expect(roleArn).toBe('arn:aws:iam::000000000000:role/made-by-function/after-crash');
  });

  it('an invocation that is done leaves the queue: the next start has nothing to run again', async () => {
    // Prepare
    const stateDir = join(work, 'state');
    const cloud = await start(stateDir);
    await invokeAsync(cloud, { roleName: 'run-once', waitMs: 0 });
    await roleCreated(cloud, 'run-once');
    await queueEmptied(cloud);
    await cloud.close({ drainMs: 0 });
    clouds.splice(clouds.indexOf(cloud), 1);
    // Act
    const restarted = await start(stateDir);
    // Assess
    expect(restarted.lambda.records()).toEqual([]);
    expect(await functionRoles(restarted)).toEqual(['run-once']);
  });
});
