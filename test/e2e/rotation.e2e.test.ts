// End to end: External ID rotation on the synthesized stack. The rotation workflow runs on the
// local Step Functions with a real task token: the trust accepts both IDs during the grace period
// (proved by AssumeRole with each, through the real STS client), the provider and its cluster
// identity hand out the new ID, and the previous one is denied once the caller confirms or the
// grace period ends. A second rotation while one is open is 409, and a stopped rotation leaves the
// provider usable with the ID the registry holds.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetExecutionHistoryCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedFetch, type SignedResponse } from '../../local/signed-fetch.js';
import {
  api,
  CDK_OUT,
  clientConfig,
  ensureSynthesized,
  eventually,
  providerPath,
  startTestCloud,
  subscribeToProviderEvents,
  waitForProvider,
  type LocalCloud,
} from './support.js';

interface RotationView {
  rotationId: string;
  status: string;
}
interface ProviderWithRotation {
  providerId: string;
  status: string;
  roleArn: string;
  externalId: string;
  previousExternalIdExpiresAt: string | null;
  rotation: RotationView | null;
  lastRotation: { rotationId: string; outcome: string; reason: string; message: string } | null;
}

/** Onboards `workspace.name` into a new member account and waits for READY. */
async function onboarded(cloud: LocalCloud, workspace: string, name: string): Promise<ProviderWithRotation> {
  const accountId = cloud.iam.inviteAccount(`rotation-${workspace}-${name}`, `${workspace}-${name}@example.com`).accountId;
  const created = await api(cloud).post({ workspace, name, accountId, externalId: `${name}-first-external-id` });
  expect(created.status).toBe(202);
  await waitForProvider(cloud, `${workspace}.${name}`);
  return (await api(cloud).get(`${workspace}.${name}`)).body as ProviderWithRotation;
}

function rotate(cloud: LocalCloud, providerId: string, body?: unknown): Promise<SignedResponse> {
  return signed(cloud, 'POST', `${providerPath(providerId)}/rotations`, body);
}

function complete(cloud: LocalCloud, providerId: string, rotationId: string): Promise<SignedResponse> {
  return signed(cloud, 'POST', `${providerPath(providerId)}/rotations/${rotationId}/complete`);
}

function signed(cloud: LocalCloud, method: string, path: string, body?: unknown): Promise<SignedResponse> {
  return signedFetch(`${cloud.apiUrl}${path}`, { method, ...(body !== undefined ? { body } : {}) }, cloud.adminCredentials, cloud.region);
}

/** The provider once `ready(provider)` holds. */
function providerWhen(cloud: LocalCloud, providerId: string, what: string, ready: (provider: ProviderWithRotation) => boolean, timeoutMs = 60_000) {
  return eventually(
    `${providerId}: ${what}`,
    async () => {
      const provider = (await api(cloud).get(providerId)).body as ProviderWithRotation;
      return ready(provider) ? provider : undefined;
    },
    timeoutMs,
  );
}

/** Whether the management account (the local administrator) can assume the role with `externalId`. */
async function assumable(cloud: LocalCloud, roleArn: string, externalId: string): Promise<boolean> {
  try {
    await new STSClient({ ...clientConfig(cloud), maxAttempts: 1 }).send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'rotation-e2e', ExternalId: externalId }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'AccessDenied') return false;
    throw error;
  }
}

describe('External ID rotation (grace period of a day)', () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    ensureSynthesized();
    cloud = await startTestCloud({ propagationDelayMs: [0, 0], retryIntervalScale: 0.05 });
  }, 180_000);

  afterAll(async () => {
    await cloud?.close();
  });

  it('accepts both IDs during the grace period, hands out the new one, and denies the previous one once the caller confirms', async () => {
    // Prepare
    const subscription = await subscribeToProviderEvents(cloud, 'rotation-events-capture');
    const before = await onboarded(cloud, 'payments', 'rotate');

    // Act: rotate to a supplied ID, then confirm once the grace period has begun
    const started = await rotate(cloud, 'payments.rotate', { externalId: 'rotate-second-external-id' });
    const rotationId = (started.body as { rotationId: string }).rotationId;
    const inGrace = await providerWhen(cloud, 'payments.rotate', 'in its grace period', (p) => p.rotation?.status === 'GRACE');
    const duringGrace = {
      previous: await assumable(cloud, before.roleArn, 'rotate-first-external-id'),
      next: await assumable(cloud, before.roleArn, 'rotate-second-external-id'),
    };
    const identity = await api(cloud).clusterIdentity('payments.rotate');
    const confirmed = await complete(cloud, 'payments.rotate', rotationId);
    const after = await providerWhen(cloud, 'payments.rotate', 'rotated', (p) => p.lastRotation?.rotationId === rotationId);
    const events = await subscription.eventsAbout('payments.rotate', 3);

    // Assess
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ rotationId: expect.stringMatching(/^[0-9a-f]{16}$/), externalId: 'rotate-second-external-id' });
    expect(inGrace.externalId).toBe('rotate-second-external-id');
    expect(Date.parse(inGrace.previousExternalIdExpiresAt!) - Date.now()).toBeGreaterThan(86_000_000);
    expect(duringGrace).toEqual({ previous: true, next: true });
    expect((identity.body as { spec: { externalID: string } }).spec.externalID).toBe('rotate-second-external-id');
    expect(confirmed.status).toBe(202);
    expect(after).toMatchObject({ status: 'READY', externalId: 'rotate-second-external-id', previousExternalIdExpiresAt: null, rotation: null });
    expect(after.lastRotation).toMatchObject({ outcome: 'ROTATED', reason: 'CONFIRMED' });
    expect(await assumable(cloud, before.roleArn, 'rotate-first-external-id')).toBe(false);
    expect(await assumable(cloud, before.roleArn, 'rotate-second-external-id')).toBe(true);
    expect(events.map((event) => event['detail-type']).sort()).toEqual(['Provider External ID Rotated', 'Provider External ID Rotation Started', 'Provider Ready']);
    expect(JSON.stringify(events)).not.toMatch(/rotate-(first|second)-external-id/);
    const rotationStarted = events.find((event) => event['detail-type'] === 'Provider External ID Rotation Started')!;
    expect(Object.keys(rotationStarted.detail).sort()).toEqual(
      ['accountId', 'executionArn', 'message', 'name', 'policyVersion', 'previousExternalIdExpiresAt', 'providerId', 'reason', 'roleArn', 'rotationId', 'status', 'workspace'],
    );
  }, 120_000);

  it('refuses a second rotation while one is open with 409, and a repeated confirmation is harmless', async () => {
    // Prepare
    await onboarded(cloud, 'payments', 'twice');
    const first = await rotate(cloud, 'payments.twice');
    const rotationId = (first.body as { rotationId: string }).rotationId;

    // Act
    const second = await rotate(cloud, 'payments.twice', { externalId: 'twice-other-external-id' });
    await providerWhen(cloud, 'payments.twice', 'in its grace period', (p) => p.rotation?.status === 'GRACE');
    const confirmations = [await complete(cloud, 'payments.twice', rotationId), await complete(cloud, 'payments.twice', rotationId)];
    const after = await providerWhen(cloud, 'payments.twice', 'rotated', (p) => p.lastRotation?.rotationId === rotationId);
    const late = await complete(cloud, 'payments.twice', rotationId);

    // Assess
    expect(first.status).toBe(202);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ error: { code: 'CONFLICT' } });
    expect(confirmations.map((response) => response.status)).toEqual([202, 202]);
    expect(after.externalId).toBe((first.body as { externalId: string }).externalId);
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ status: 'ENDED', lastRotation: { outcome: 'ROTATED', reason: 'CONFIRMED' } });
  }, 120_000);

  it('rolls back a rotation whose execution is stopped: the trust accepts only the ID the provider shows', async () => {
    // Prepare
    const before = await onboarded(cloud, 'payments', 'stopped');
    const started = await rotate(cloud, 'payments.stopped', { externalId: 'stopped-second-external-id' });
    const { rotationId, executionArn } = started.body as { rotationId: string; executionArn: string };
    await providerWhen(cloud, 'payments.stopped', 'in its grace period', (p) => p.rotation?.status === 'GRACE');

    // Act
    await new SFNClient(clientConfig(cloud)).send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stopped by the test' }));
    const after = await providerWhen(cloud, 'payments.stopped', 'rolled back', (p) => p.lastRotation?.rotationId === rotationId);

    // Assess
    expect(after).toMatchObject({ status: 'READY', externalId: 'stopped-second-external-id', rotation: null, previousExternalIdExpiresAt: null });
    expect(after.lastRotation).toMatchObject({ outcome: 'ROLLED_BACK', reason: 'EXECUTION_ABORTED' });
    expect(await assumable(cloud, before.roleArn, 'stopped-second-external-id')).toBe(true);
    expect(await assumable(cloud, before.roleArn, 'stopped-first-external-id')).toBe(false);
    expect((await rotate(cloud, 'payments.stopped')).status).toBe(202);
  }, 120_000);

  it('refuses to rotate an unknown provider (404) and a body with an invalid externalId (400)', async () => {
    // Act
    const unknown = await rotate(cloud, 'payments.nobody');
    const invalid = await rotate(cloud, 'payments.rotate', { externalId: 'x' });
    const extra = await rotate(cloud, 'payments.rotate', { externalId: 'valid-external-id', roleName: 'other' });

    // Assess
    expect([unknown.status, invalid.status, extra.status]).toEqual([404, 400, 400]);
    expect(invalid.body).toMatchObject({ error: { details: [{ field: 'externalId' }] } });
    expect(extra.body).toMatchObject({ error: { details: [{ field: 'roleName', issue: 'unknown field' }] } });
  });
});

/** GRACE_SECONDS as `-c rotationGraceSeconds=3` would synthesize it: only the api function's environment carries it. */
const GRACE_SECONDS = '3';

function cdkOutWithGrace(seconds: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'cdk-out-grace-'));
  cpSync(CDK_OUT, copy, { recursive: true });
  const templateFile = readdirSync(copy).find((file) => file.endsWith('.template.json'))!;
  const template = JSON.parse(readFileSync(join(copy, templateFile), 'utf8')) as { Resources: Record<string, { Type: string; Properties?: { Environment?: { Variables?: Record<string, unknown> } } }> };
  const withGrace = Object.values(template.Resources).filter((resource) => resource.Properties?.Environment?.Variables?.ROTATION_GRACE_SECONDS !== undefined);
  expect(withGrace).toHaveLength(1);
  withGrace[0]!.Properties!.Environment!.Variables!.ROTATION_GRACE_SECONDS = seconds;
  writeFileSync(join(copy, templateFile), JSON.stringify(template));
  return copy;
}

describe('External ID rotation when the grace period ends', () => {
  let cloud: LocalCloud;
  let cdkOut: string;

  beforeAll(async () => {
    ensureSynthesized();
    cdkOut = cdkOutWithGrace(GRACE_SECONDS);
    cloud = await startTestCloud({ propagationDelayMs: [0, 0], retryIntervalScale: 0.05, cdkOut });
  }, 180_000);

  afterAll(async () => {
    await cloud?.close();
    if (cdkOut !== undefined) rmSync(cdkOut, { recursive: true, force: true });
  });

  it('removes the previous ID by itself after rotationGraceSeconds, with no confirmation, and records why', async () => {
    // Prepare
    const before = await onboarded(cloud, 'search', 'expires');

    // Act
    const started = await rotate(cloud, 'search.expires', { externalId: 'expires-second-external-id' });
    const { rotationId, executionArn } = started.body as { rotationId: string; executionArn: string };
    const after = await providerWhen(cloud, 'search.expires', 'rotated', (p) => p.lastRotation?.rotationId === rotationId);
    const { events = [] } = await new SFNClient(clientConfig(cloud)).send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));

    // Assess
    expect(after.lastRotation).toMatchObject({ outcome: 'ROTATED', reason: 'GRACE_ENDED' });
    expect(await assumable(cloud, before.roleArn, 'expires-first-external-id')).toBe(false);
    expect(await assumable(cloud, before.roleArn, 'expires-second-external-id')).toBe(true);
    expect(events.filter((event) => event.type === 'TaskTimedOut')).toHaveLength(1);
    expect(events.find((event) => event.type === 'TaskScheduled')!.taskScheduledEventDetails!.timeoutInSeconds).toBe(3);
    expect(events.at(-1)!.type).toBe('ExecutionSucceeded');
  }, 120_000);
});
