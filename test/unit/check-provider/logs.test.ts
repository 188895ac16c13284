// What Check Provider tells an operator: a provider it did not judge is logged with the status and
// attempt that stopped it ("Provider no longer verifiable: nothing checked"), a judged one with the
// names of exactly the checks that failed ("Provider checked"), and the bootstrap session it opens
// in the provider's account is named after the attempt it re-verifies (CloudTrail shows that name).
import { IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProviderRegistry } from '../../../functions/shared/adapters/registry.js';
import type { ProviderRecord } from '../../../functions/shared/domain/provider.js';
import type { ProviderInspection, VerificationTaskEvent } from '../../../functions/shared/runtime/verification-event.js';
import { startRegistryTable, type TestTable } from '../../support/dynamodb.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import { providerRecord, registryOn } from '../../support/provider-records.js';
import { answerRoleGone, checkProviderEnvironment } from './harness.js';
import { BOOTSTRAP_SESSION, providerSpec, workflowContext } from '../../support/workflow-task-events.js';

const VERIFIED_AT = '2026-11-29T14:00:00.000Z';
const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const context = workflowContext('check-provider');
let table: TestTable;
let registry: ProviderRegistry;
let handler: (event: VerificationTaskEvent, context: Context) => Promise<ProviderInspection>;
let output: CapturedOutput;

beforeAll(async () => {
  table = await startRegistryTable();
  registry = registryOn(table);
  Object.assign(process.env, checkProviderEnvironment(table));
  ({ handler } = await import('../../../functions/check-provider/handler.js'));
});

afterAll(async () => {
  await table.close();
});

beforeEach(() => {
  sts.reset();
  iam.reset();
  sts.on(AssumeRoleCommand).resolves(BOOTSTRAP_SESSION);
  // The role and the management grant are gone: every check fails but capa-policies-current
  // (no policy exists to differ from the deployed document).
  answerRoleGone(iam);
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(VERIFIED_AT));
  output = captureOutput();
});

afterEach(() => {
  output.restore();
  vi.useRealTimers();
});

/** Provider logs.<name> in the registry, READY on attempt 1 unless `overrides` say otherwise. */
async function stored(name: string, overrides: Partial<ProviderRecord> = {}): Promise<void> {
  await registry.create(providerRecord({ providerId: `logs.${name}`, workspace: 'logs', name, roleName: `capa-logs-${name}`, ...overrides }));
}

/** The sweep's input for provider logs.<name> at `attempt`. */
function eventFor(name: string, attempt: number): VerificationTaskEvent {
  return {
    execution: { arn: `arn:aws:states:us-east-1:000000000000:execution:SweepFleet/VerifyPage:${name}`, name },
    state: { provider: providerSpec({ providerId: `logs.${name}`, workspace: 'logs', name, roleName: `capa-logs-${name}`, attempt }) },
  };
}

const linesSaying = (message: string) => output.jsonLines().filter((line) => line.message === message);

describe('a provider Check Provider does not judge', () => {
  it('logs the status and attempt that took over when a newer attempt runs', async () => {
    // Prepare: the sweep listed attempt 1, attempt 2 is onboarding now.
    await stored('moved-on', { status: 'CREATING', attempt: 2 });

    // Act
    const inspection = await handler(eventFor('moved-on', 1), context);

    // Assess
    expect(inspection).toEqual({ verifiable: false, previousStatus: 'CREATING', verifiedAt: VERIFIED_AT, checks: [] });
    const lines = linesSaying('Provider no longer verifiable: nothing checked');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: 'CREATING', currentAttempt: 2 });
  });

  it('logs the line without a status or attempt when the provider is gone from the registry', async () => {
    // Act
    const inspection = await handler(eventFor('gone', 1), context);

    // Assess
    expect(inspection).toEqual({ verifiable: false, verifiedAt: VERIFIED_AT, checks: [] });
    const lines = linesSaying('Provider no longer verifiable: nothing checked');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toHaveProperty('status');
    expect(lines[0]).not.toHaveProperty('currentAttempt');
  });
});

describe('a provider Check Provider judges', () => {
  it('logs the names of the failed checks only, in check order', async () => {
    // Prepare
    await stored('drifted');

    // Act
    const inspection = await handler(eventFor('drifted', 1), context);

    // Assess
    expect(inspection.checks.map((check) => [check.name, check.passed])).toEqual([
      ['role-exists', false],
      ['capa-policies-attached', false],
      ['capa-policies-current', true],
      ['management-grant', false],
      ['management-role-may-assume', false],
      ['assumable-with-external-id', false],
    ]);
    const lines = linesSaying('Provider checked');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      status: 'READY',
      outcome: 'DEGRADED',
      reason: 'ROLE_MISSING',
      failedChecks: ['role-exists', 'capa-policies-attached', 'management-grant', 'management-role-may-assume', 'assumable-with-external-id'],
    });
  });

  it('opens its bootstrap session in the provider account as capa-reverify-<attempt>', async () => {
    // Prepare
    await stored('session', { attempt: 3, executionName: 'logs_session_3' });

    // Act
    await handler(eventFor('session', 3), context);

    // Assess
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: 'arn:aws:iam::123456789012:role/OrganizationAccountAccessRole',
      RoleSessionName: 'capa-reverify-3',
    });
  });
});
