// Sessions AWS services hold for a role (a state machine's, an event rule's, a function's): reused
// while they live, so that state grows with the roles services assume, not with their calls; and
// expired AssumeRole sessions swept out of the state.
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { beforeEach, describe, expect, it } from 'vitest';
import { LocalIam } from '../../../local/iam/index.js';
import { startHarness } from '../iam/harness.js';

const MGMT = '000000000000';

let clock: number;
let local: LocalIam;

function serviceRole(roleName: string, service: string): string {
  return local.createRole(MGMT, {
    roleName,
    assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] },
  }).arn;
}

beforeEach(() => {
  clock = Date.parse('2026-03-01T12:00:00Z');
  local = new LocalIam({ now: () => clock, propagationDelayMs: () => 0 });
});

describe('sessions of AWS services', () => {
  it('gives a service that assumes the same role again the session it already holds', () => {
    // Prepare
    const arn = serviceRole('workflow', 'states.amazonaws.com');
    const first = local.sessionForService(arn, 'states.amazonaws.com');
    // Act
    const second = local.sessionForService(arn, 'states.amazonaws.com');
    // Assess
    expect(second).toEqual(first);
    expect(Object.keys(local.snapshot().sessions)).toEqual([first.accessKeyId]);
  });

  it('gives another session name its own session', () => {
    // Prepare
    const arn = serviceRole('worker', 'lambda.amazonaws.com');
    const first = local.sessionForService(arn, 'lambda.amazonaws.com', { sessionName: 'create-role' });
    // Act
    const second = local.sessionForService(arn, 'lambda.amazonaws.com', { sessionName: 'verify-role' });
    // Assess
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(local.resolveAccessKey(second.accessKeyId)?.arn).toBe('arn:aws:sts::000000000000:assumed-role/worker/verify-role');
  });

  it('gives a role deleted and created again under the same name a new session', () => {
    // Prepare
    const arn = serviceRole('workflow', 'states.amazonaws.com');
    const before = local.sessionForService(arn, 'states.amazonaws.com');
    local.deleteRole(MGMT, 'workflow');
    serviceRole('workflow', 'states.amazonaws.com');
    // Act
    const after = local.sessionForService(arn, 'states.amazonaws.com');
    // Assess
    expect(after.accessKeyId).not.toBe(before.accessKeyId);
  });

  it('refuses a service the role no longer trusts, although it holds a session of it', () => {
    // Prepare
    const arn = serviceRole('workflow', 'states.amazonaws.com');
    local.sessionForService(arn, 'states.amazonaws.com');
    local.updateAssumeRolePolicy(MGMT, 'workflow', {
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    // Act
    const assume = () => local.sessionForService(arn, 'states.amazonaws.com');
    // Assess
    expect(assume).toThrow('states.amazonaws.com is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role/workflow');
  });
});

describe('expired sessions', () => {
  it('are gone from the state once a session is issued a minute after they expired', async () => {
    // Prepare
    const harness = await startHarness(local);
    const { sts } = harness.clients(local.adminCredentials());
    const arn = local.createRole(MGMT, {
      roleName: 'reader',
      assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MGMT}:root` }, Action: 'sts:AssumeRole' }] },
    }).arn;
    const expired = await sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'short', DurationSeconds: 900 }));
    clock += 900_000 + 60_000;
    // Act
    const fresh = await sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'later', DurationSeconds: 900 }));
    await harness.close();
    // Assess
    expect(Object.keys(local.snapshot().sessions)).toEqual([fresh.Credentials?.AccessKeyId]);
    expect(local.resolveAccessKey(expired.Credentials?.AccessKeyId ?? '')).toBeUndefined();
  });
});
