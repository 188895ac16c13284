// What the new-account trigger logs for each outcome of starting an onboarding, against a real
// registry table (dynalite): the account, the provider and its execution on every line, the spec
// conflict as an error with the fields that differ, and the ended execution behind a restart; a
// restart that must wait for an ended execution's cleanup fails the invocation, to be retried.
import { DescribeExecutionCommand, ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProviderRegistry } from '../../../functions/shared/adapters/registry.js';
import type { NewAccountEvent } from '../../../functions/shared/domain/new-account.js';
import { startRegistryTable, type TestTable } from '../../support/dynamodb.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import { providerRecord, registryOn } from '../../support/provider-records.js';
import { registryEnvironment } from '../../support/workflow-task-events.js';

const NOW = '2026-11-29T09:00:00.000Z';
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:Onboard';
const sfn = mockClient(SFNClient);
const context = { functionName: 'account-trigger', awsRequestId: 'request-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
let table: TestTable;
let registry: ProviderRegistry;
let handler: (event: NewAccountEvent, context: Context) => Promise<{ providerId?: string; outcome: string }>;
let output: CapturedOutput;

beforeAll(async () => {
  table = await startRegistryTable();
  registry = registryOn(table);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    STATE_MACHINE_ARN,
    PARTITION: 'aws',
    ROLE_PATH: '/capa-providers/',
    ROLE_NAME_PREFIX: 'capa-',
    DEFAULT_WORKSPACE: 'landing-zone',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...registryEnvironment(table),
  });
  ({ handler } = await import('../../../functions/account-trigger/handler.js'));
});

afterAll(async () => {
  await table.close();
});

beforeEach(() => {
  sfn.reset();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(NOW));
  output = captureOutput();
});

afterEach(() => {
  output.restore();
  vi.useRealTimers();
});

/** An Organizations CreateAccountResult for `accountId` (each test uses its own account). */
function accountCreated(accountId: string): NewAccountEvent {
  return {
    id: `event-${accountId}`,
    source: 'aws.organizations',
    detail: {
      eventName: 'CreateAccountResult',
      serviceEventDetails: { createAccountStatus: { state: 'SUCCEEDED', accountId, accountName: 'team-payments-dev' } },
    },
  };
}

/** The record the trigger would have written for `accountId`, with `overrides`. */
function recordOf(accountId: string, overrides: Parameters<typeof providerRecord>[0] = {}) {
  const name = `aws-${accountId}`;
  return providerRecord({
    providerId: `landing-zone.${name}`,
    workspace: 'landing-zone',
    name,
    accountId,
    roleName: `capa-landing-zone-${name}`,
    roleArn: `arn:aws:iam::${accountId}:role/capa-providers/capa-landing-zone-${name}`,
    executionName: `landing-zone_${name}_1`,
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:landing-zone_${name}_1`,
    ...overrides,
  });
}

describe('the new-account trigger', () => {
  it('logs a started onboarding with the account, its name, the trigger, the provider and the execution', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'ignored', startDate: new Date(NOW) });

    // Act
    const result = await handler(accountCreated('210000000001'), context);

    // Assess
    expect(result).toEqual({ providerId: 'landing-zone.aws-210000000001', outcome: 'started' });
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['New account onboarding']);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      outcome: 'started',
      accountName: 'team-payments-dev',
      trigger: 'aws.organizations:CreateAccountResult',
      eventId: 'event-210000000001',
      accountId: '210000000001',
      providerId: 'landing-zone.aws-210000000001',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:landing-zone_aws-210000000001_1',
    });
    expect(lines[0]).not.toHaveProperty('endedExecution');
  });

  it('logs an error naming the differing fields when the account\'s provider exists with another spec, and changes nothing', async () => {
    // Prepare
    const stored = recordOf('210000000002', { trustEc2: false });
    await registry.create(stored);

    // Act
    const result = await handler(accountCreated('210000000002'), context);

    // Assess
    expect(result).toEqual({ providerId: 'landing-zone.aws-210000000002', outcome: 'conflict' });
    expect(await registry.get('landing-zone.aws-210000000002')).toEqual(stored);
    expect(sfn).not.toHaveReceivedAnyCommand();
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Provider for this account exists with a different spec; not changed']);
    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      details: [{ field: 'trustEc2', issue: 'differs from the existing provider' }],
      accountId: '210000000002',
      providerId: 'landing-zone.aws-210000000002',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:landing-zone_aws-210000000002_1',
    });
  });

  it('logs the ended execution it found when it restarts an attempt that never recorded an outcome', async () => {
    // Prepare
    const stored = recordOf('210000000003', { status: 'VERIFYING' });
    await registry.create(stored);
    sfn
      .on(StartExecutionCommand)
      .rejectsOnce(new ExecutionAlreadyExists({ message: 'Execution already exists', $metadata: {} }))
      .resolves({ executionArn: 'ignored', startDate: new Date(NOW) });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'ABORTED' });

    // Act
    const result = await handler(accountCreated('210000000003'), context);

    // Assess
    expect(result).toEqual({ providerId: 'landing-zone.aws-210000000003', outcome: 'restarted' });
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['New account onboarding']);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      outcome: 'restarted',
      endedExecution: { executionArn: stored.executionArn, status: 'ABORTED' },
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:landing-zone_aws-210000000003_2',
    });
  });

  it('logs a restart of a FAILED provider without an ended execution', async () => {
    // Prepare
    await registry.create(recordOf('210000000004', { status: 'FAILED', reason: 'TIMEOUT', message: 'timed out' }));
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'ignored', startDate: new Date(NOW) });

    // Act
    const result = await handler(accountCreated('210000000004'), context);

    // Assess
    expect(result).toEqual({ providerId: 'landing-zone.aws-210000000004', outcome: 'restarted' });
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['New account onboarding']);
    expect(lines[0]).toMatchObject({ level: 'INFO', outcome: 'restarted', trigger: 'aws.organizations:CreateAccountResult' });
    expect(lines[0]).not.toHaveProperty('endedExecution');
  });

  it('fails the invocation, for Lambda to retry the event, while a FAILED provider\'s ended execution is still being cleaned up; nothing restarts', async () => {
    // Prepare: execution-ended recorded FAILED two seconds ago and is removing what the execution created.
    const stored = recordOf('210000000005', { status: 'FAILED', reason: 'EXECUTION_ABORTED', leftoversPendingSince: '2026-11-29T08:59:58.000Z' });
    await registry.create(stored);

    // Act
    const invocation = handler(accountCreated('210000000005'), context);

    // Assess
    await expect(invocation).rejects.toThrow(
      'Provider landing-zone.aws-210000000005 is FAILED and what its execution created is still being removed (since 2026-11-29T08:59:58.000Z); the event is retried',
    );
    expect(await registry.get('landing-zone.aws-210000000005')).toEqual(stored);
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('warns with the event id and source when an event names no successfully created account', async () => {
    // Act
    const result = await handler({ id: 'event-unreadable', source: 'aws.organizations', detail: {} }, context);

    // Assess
    expect(result).toEqual({ outcome: 'ignored' });
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Ignored an event that names no successfully created account']);
    expect(lines[0]).toMatchObject({ level: 'WARN', eventId: 'event-unreadable', source: 'aws.organizations' });
  });
});
